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
}
