package cacheshadow.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code analyze} with the disk, {@code diff} and {@code export} on the real samples: the merged manifest is the
 * guest's own {@code manifest.tsv} line for line (plus the status column), the disk-only one the replayed disk's
 * listing, statuses follow {@code expect.tsv}, and bad usage exits 2 with one line.
 */
class MergeCliTest {
	static Path dir(String set) {
		String root = System.getProperty("cacheshadow.samples");
		if (root == null || root.isBlank()) fail("system property cacheshadow.samples is not set");
		Path d = Path.of(root, set);
		assertTrue(Files.isDirectory(d), "missing sample set " + d);
		return d;
	}

	static String[] evidence(String set, String... more) {
		Path d = dir(set);
		List<String> a = new ArrayList<>(List.of("--memory", d.resolve("memory.elf").toString(), "--disk", d.resolve("disk.img").toString(),
				"--kernel", d.resolve("kernel").toString()));
		a.addAll(List.of(more));
		return a.toArray(String[]::new);
	}

	static String[] cmd(String name, String... args) {
		String[] all = new String[args.length + 1];
		all[0] = name;
		System.arraycopy(args, 0, all, 1, args.length);
		return all;
	}

	/** Lines keyed by path, the first {@code columns} columns only. */
	static Map<String, String> rows(Path tsv, int columns, boolean mntOnly) throws Exception {
		Map<String, String> m = new HashMap<>();
		for (String l : Files.readAllLines(tsv).subList(1, Files.readAllLines(tsv).size())) {
			String[] c = l.split("\t", -1);
			if (mntOnly && !(c[0].equals("/mnt/disk") || c[0].startsWith("/mnt/disk/") || c[0].equals("/mnt/tmp") || c[0].startsWith("/mnt/tmp/"))) continue;
			m.put(c[0], String.join("\t", List.of(c).subList(0, columns)));
		}
		return m;
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void analyzeMergedIsTheGuestsManifestWithStatuses(String set, @TempDir Path tmp) throws Exception {
		Path out = tmp.resolve("merged.tsv");
		CliRun r = CliRun.of(cmd("analyze", evidence(set, "--view", "merged", "--manifest", out.toString())));
		assertEquals(0, r.code(), r.err());
		List<String> lines = Files.readAllLines(out);
		// with --under the listing's own mounts, the first 14 columns are manifest.tsv byte for byte
		Path only = tmp.resolve("only.tsv");
		assertEquals(0, CliRun.of(cmd("analyze", evidence(set, "--under", "/mnt/disk,/mnt/tmp", "--manifest", only.toString()))).code());
		List<String> cut = new ArrayList<>();
		for (String l : Files.readAllLines(only)) cut.add(l.substring(0, l.lastIndexOf('\t')));
		assertEquals(Files.readAllLines(dir(set).resolve("manifest.tsv")), cut);
		assertEquals(Files.readAllLines(dir(set).resolve("manifest.tsv")).get(0) + "\tstatus", lines.get(0));
		assertEquals(rows(dir(set).resolve("manifest.tsv"), 14, false), rows(out, 14, true));
		Map<String, String> status = new HashMap<>();
		for (String l : lines.subList(1, lines.size())) status.put(l.split("\t")[0], l.substring(l.lastIndexOf('\t') + 1));
		Path disk = tmp.resolve("disk.tsv");
		assertEquals(0, CliRun.of(cmd("analyze", evidence(set, "--view", "disk-only", "--manifest", disk.toString()))).code());
		for (String l : Files.readAllLines(disk)) status.putIfAbsent(l.split("\t")[0], l.substring(l.lastIndexOf('\t') + 1));
		List<String> wrong = new ArrayList<>();
		for (String l : Files.readAllLines(dir(set).resolve("expect.tsv"))) {
			String[] c = l.split("\t");
			String s = status.get(c[1]);
			boolean ok = switch (c[0]) {
			case "absent" -> s != null && s.startsWith("cache-only");
			case "gone" -> s != null && s.startsWith("deleted");
			case "content" -> s != null && s.startsWith("differs:") && s.contains("data");
			case "mode" -> s != null && s.startsWith("differs:") && s.contains("mode");
			case "owner" -> s != null && s.startsWith("differs:") && s.contains("owner");
			default -> true;
			};
			if (!ok) wrong.add(l + " → " + s);
		}
		assertEquals(List.of(), wrong);
		// disk-only, journal replayed: the last synced round's listing (verified equal to debugfs after e2fsck)
		assertEquals(rows(dir(set).resolve("manifest.round-6.tsv"), 14, false), rows(disk, 14, false));
	}

	@Test
	void diffShowsDirtyPagesAgainstDiskBlocks() throws Exception {
		String set = "debian-6.1-kaslr";
		for (String l : Files.readAllLines(dir(set).resolve("expect.tsv"))) {
			if (!l.startsWith("content\t")) continue;
			String path = l.substring(8);
			CliRun r = CliRun.of(cmd("diff", evidence(set, "--path", path)));
			assertEquals(0, r.code(), r.err());
			assertTrue(r.out().startsWith(path + ": inode "), r.out());
			assertTrue(r.out().contains("differing run") || r.out().contains("not allocated on disk yet"), r.out());
			assertTrue(r.out().contains(" disk  ") && r.out().contains(" cache "), r.out());
		}
		CliRun fresh = CliRun.of(cmd("diff", evidence(set, "--path", "/mnt/disk/new/p2_file_1.txt")));
		assertEquals(0, fresh.code(), fresh.err());
		assertTrue(fresh.out().contains("no such inode on disk") && fresh.out().contains("not allocated on disk yet"), fresh.out());
		CliRun missing = CliRun.of(cmd("diff", evidence(set, "--path", "/mnt/disk/no/such/file")));
		assertEquals(2, missing.code());
		assertEquals(1, missing.err().lines().filter(l -> l.startsWith("cacheshadow diff: ")).count(), missing.err()); // besides progress
	}

	@Test
	void exportWritesFilesAndSidecars(@TempDir Path tmp) throws Exception {
		String set = "debian-6.12-kaslr";
		Path out = tmp.resolve("export");
		CliRun r = CliRun.of(cmd("export", evidence(set, "--view", "merged", "--under", "/mnt/disk", "--out", out.toString())));
		assertEquals(0, r.code(), r.err());
		assertTrue(Files.isRegularFile(tmp.resolve("export.provenance.tsv")));
		assertTrue(Files.isRegularFile(tmp.resolve("export.manifest.tsv")));
		Map<String, String> expected = rows(dir(set).resolve("manifest.tsv"), 13, false);
		String log = "/mnt/disk/var/log/app.log";
		String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(out.resolve(log.substring(1)))));
		assertTrue(expected.get(log).endsWith("\t" + sha), expected.get(log) + " vs " + sha);
		assertTrue(Files.readString(tmp.resolve("export.provenance.tsv")).contains(log + "\t"), "provenance of app.log");
		Path tar = tmp.resolve("export.tar");
		assertEquals(0, CliRun.of(cmd("export", evidence(set, "--under", "/mnt/tmp", "--out", tar.toString()))).code());
		assertTrue(Files.size(tar) > 10240);
		// the completion marker is written last; an export that starts again removes it first, so one that then fails
		// (or is killed) leaves nothing vouching for the half it wrote
		Path complete = tmp.resolve("export.complete");
		assertTrue(Files.readString(complete).startsWith("cacheshadow export complete\nview\tmerged\nunder\t/mnt/disk\noutput\t" + out + "\n"));
		java.util.regex.Matcher files = java.util.regex.Pattern.compile(": (\\d+) files \\((\\d+) bytes\\)").matcher(r.out());
		assertTrue(files.find(), r.out());
		assertTrue(Files.readString(complete).contains("\nfiles\t" + files.group(1) + "\nbytes\t" + files.group(2) + "\n"), Files.readString(complete));
		assertTrue(Files.isRegularFile(tmp.resolve("export.tar.complete")));
		CliRun failed = CliRun.of(cmd("export", evidence(set, "--under", "/mnt/disk/no/such/dir", "--out", out.toString())));
		assertEquals(2, failed.code(), failed.err());
		assertFalse(Files.exists(complete));
		try (var s = Files.list(tmp)) {
			assertTrue(s.noneMatch(p -> p.getFileName().toString().contains(".partial-")), "a temporary file left");
		}
	}

	@Test
	void badUsageExits2WithOneLine() {
		String set = "debian-6.1-kaslr";
		Path d = dir(set);
		for (String[] args : List.of(
				cmd("analyze", "--memory", d.resolve("memory.elf").toString(), "--view", "merged", "--manifest", "/tmp/x.tsv"),
				cmd("analyze", evidence(set, "--view", "sideways", "--manifest", "/tmp/x.tsv")),
				cmd("analyze", "--memory", d.resolve("memory.elf").toString(), "--disk", d.resolve("no-such-disk.img").toString(), "--manifest", "/tmp/x.tsv"),
				cmd("diff", "--memory", d.resolve("memory.elf").toString(), "--path", "/mnt/disk/var/log/app.log"),
				cmd("export", evidence(set)))) {
			CliRun r = CliRun.of(args);
			assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
			assertTrue(r.err().lines().filter(l -> l.startsWith("cacheshadow ")).count() == 1, r.err());
			assertTrue(!r.err().contains("\tat "), r.err());
		}
	}
}
