package cacheshadow.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.testing.EvidenceSamples;

/**
 * {@code report --case DIR --out FILE.html|FILE.pdf} on a case of sample evidence: exit 0, the report and its CSV
 * files written, its SHA-256 printed; the case unchanged (its custody log as before); the command the report names for
 * its counts by status ({@code analyze ... --json}) prints the same counts; bad options exit 2 in one line.
 */
class ReportCliTest {

	@Test
	void reportOfACaseAndTheCommandsItNames(@TempDir Path tmp) throws Exception {
		Path set = EvidenceSamples.dir("debian-6.1-kaslr");
		Path dir = tmp.resolve("case");
		assertEquals(0, CliRun.of("case", "new", dir.toString(), "--name", "report from the command line").code());
		CliRun add = CliRun.of("case", "add", dir.toString(), set.resolve("memory.elf").toString(), set.resolve("disk.img").toString(),
				set.resolve("kernel/vmlinux.btf").toString(), set.resolve("kernel/System.map").toString());
		assertEquals(0, add.code(), add.err());
		String logBefore = Files.readString(dir.resolve("custody.log"));

		Path html = tmp.resolve("out/r.html");
		CliRun r = CliRun.of("report", "--case", dir.toString(), "--out", html.toString());
		assertEquals(0, r.code(), r.err());
		byte[] bytes = Files.readAllBytes(html);
		String sha = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
		assertTrue(r.out().contains("report: " + html + " (") && r.out().contains("sha256 " + sha), r.out());
		for (String csv : List.of("r.paths.csv", "r.findings.csv", "r.custody.csv")) assertTrue(Files.isRegularFile(tmp.resolve("out").resolve(csv)), csv);
		assertEquals(logBefore, Files.readString(dir.resolve("custody.log")), "the report changes nothing in the case");

		// the command the report gives for its three-way summary prints the counts the report states
		String text = new String(bytes, StandardCharsets.UTF_8);
		Matcher cmd = Pattern.compile("<pre class=\"cmd\">(\\./cacheshadow analyze [^\\n<]* --json)    # merge.status").matcher(text);
		assertTrue(cmd.find(), "the analyze --json command under the summary");
		List<String> args = List.of(cmd.group(1).replace("&#39;", "'").substring("./cacheshadow ".length()).split(" "));
		CliRun json = CliRun.of(args.toArray(String[]::new));
		assertEquals(0, json.code(), json.err());
		Matcher status = Pattern.compile("\"status\":\\s*\\{([^}]*)\\}").matcher(json.out());
		assertTrue(status.find(), json.out());
		for (String kv : status.group(1).split(",")) {
			String[] p = kv.split(":");
			String label = p[0].strip().replace("\"", ""), n = String.format("%,d", Integer.parseInt(p[1].strip()));
			assertTrue(text.contains("<td class=\"m\">" + label + "</td><td>" + n + "</td>"), label + " " + n);
		}

		// the same case as PDF beside it; bad options: one line, exit 2
		assertEquals(0, CliRun.of("report", "--case", dir.toString(), "--out", tmp.resolve("out/r.pdf").toString()).code());
		assertTrue(Files.readString(tmp.resolve("out/r.pdf"), StandardCharsets.ISO_8859_1).startsWith("%PDF-"));
		CliRun bad = CliRun.of("report", "--case", dir.toString(), "--out", tmp.resolve("out/r.txt").toString());
		assertEquals(2, bad.code());
		assertTrue(bad.err().contains("FILE.html or FILE.pdf"), bad.err());
		assertEquals(2, CliRun.of("report", "--out", tmp.resolve("x.html").toString()).code());
		assertEquals(2, CliRun.of("report", "--case", tmp.resolve("nothing").toString(), "--out", tmp.resolve("x.html").toString()).code());
	}

	/**
	 * A case with two memory snapshots (both sample sets, each with its disk and kernel files): the report names the
	 * snapshot it analyzed — the first by default, the one of {@code --snapshot ID} (as the workbench's Analyze
	 * Snapshot… chooses it, with the disk of its folder) — and its commands read that one; an id that is no memory
	 * snapshot of the case exits 2.
	 */
	@Test
	void theReportNamesTheSnapshotItAnalyzed(@TempDir Path tmp) throws Exception {
		Path dir = tmp.resolve("case");
		assertEquals(0, CliRun.of("case", "new", dir.toString(), "--name", "two snapshots").code());
		long[] memory = new long[2];
		String[] path = new String[2], release = { "6.1.", "6.12." };
		List<String> sets = List.of("debian-6.1-kaslr", "debian-6.12-kaslr");
		for (int i = 0; i < 2; i++) {
			Path set = EvidenceSamples.dir(sets.get(i));
			path[i] = set.resolve("memory.elf").toString();
			CliRun add = CliRun.of("case", "add", dir.toString(), path[i], set.resolve("disk.img").toString(), set.resolve("kernel/vmlinux.btf").toString(),
					set.resolve("kernel/System.map").toString());
			assertEquals(0, add.code(), add.err());
			Matcher id = Pattern.compile("added #(\\d+) " + Pattern.quote(path[i]) + " ").matcher(add.out());
			assertTrue(id.find(), add.out());
			memory[i] = Long.parseLong(id.group(1));
		}
		for (int i = 0; i < 2; i++) {
			Path html = tmp.resolve("r" + i + ".html");
			CliRun r = i == 0 ? CliRun.of("report", "--case", dir.toString(), "--out", html.toString())
					: CliRun.of("report", "--case", dir.toString(), "--out", html.toString(), "--snapshot", Long.toString(memory[1]));
			assertEquals(0, r.code(), r.err());
			String text = Files.readString(html);
			int other = 1 - i;
			assertTrue(text.contains("<tr><th>Memory snapshot analyzed</th><td>#" + memory[i] + " memory.elf (" + path[i] + ")</td></tr>"), "names " + path[i]);
			assertTrue(text.contains("<tr><th>Release</th><td>" + release[i]) && text.contains("--memory " + path[i] + " --disk " + Path.of(path[i]).resolveSibling("disk.img")),
					"analyzed " + path[i] + " over its own disk");
			assertTrue(!text.contains("--memory " + path[other]) && !text.contains("#" + memory[other] + " memory.elf ("), "not " + path[other]);
		}
		for (String bad : List.of("99", "x", Long.toString(memory[0] + 1))) { // no evidence, no number, the first set's disk
			CliRun r = CliRun.of("report", "--case", dir.toString(), "--out", tmp.resolve("bad.html").toString(), "--snapshot", bad);
			assertEquals(2, r.code(), bad + ": " + r.err());
			assertTrue(r.err().lines().findFirst().orElse("").contains("--snapshot " + bad + ": "), r.err()); // the usage error's line, then where the usage is
		}
	}
}
