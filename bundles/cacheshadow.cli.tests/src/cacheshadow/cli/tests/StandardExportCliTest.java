package cacheshadow.cli.tests;

import static cacheshadow.cli.tests.MergeCliTest.cmd;
import static cacheshadow.cli.tests.MergeCliTest.dir;
import static cacheshadow.cli.tests.MergeCliTest.evidence;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code export --format dfxml|bodyfile} on the real 6.1 sample (the formats themselves are checked against the
 * schema, the ground truth and mactime in the merge tests' StandardExportTest): the files appear with the guest's
 * hashes and lines, and bad usage exits 2 with one line, writing nothing.
 */
class StandardExportCliTest {
	static final String SET = "debian-6.1-kaslr";

	@Test
	void dfxmlAndBodyfileOfTheMergedView(@TempDir Path tmp) throws Exception {
		Path xml = tmp.resolve("merged.dfxml");
		CliRun r = CliRun.of(cmd("export", evidence(SET, "--view", "merged", "--format", "dfxml", "--out", xml.toString())));
		assertEquals(0, r.code(), r.err());
		assertTrue(r.out().contains("DFXML") && r.out().contains("with sha256"), r.out());
		String text = Files.readString(xml);
		assertTrue(text.startsWith("<?xml version='1.0' encoding='UTF-8'?>\n<dfxml "), text.substring(0, 200));
		assertTrue(text.contains("<command_line>./cacheshadow export --memory "), "command line in creator");
		int files = 0;
		for (String l : Files.readAllLines(dir(SET).resolve("manifest.tsv"))) {
			String[] c = l.split("\t");
			if (!c[1].startsWith("regular")) continue;
			assertTrue(text.contains("<filename>" + c[0].replace("&", "&amp;") + "</filename>"), c[0]);
			assertTrue(text.contains("<hashdigest type='sha256'>" + c[12] + "</hashdigest>"), c[0] + " " + c[12]);
			files++;
		}
		assertTrue(files > 20);
		Path body = tmp.resolve("merged.body");
		r = CliRun.of(cmd("export", evidence(SET, "--view", "merged", "--format", "bodyfile", "--out", body.toString())));
		assertEquals(0, r.code(), r.err());
		List<String> lines = Files.readAllLines(body);
		List<String> sources = Files.readAllLines(tmp.resolve("merged.body.sources.tsv"));
		assertEquals(lines.size() + 1, sources.size());
		assertTrue(r.out().contains("body file, " + lines.size() + " lines"), r.out());
		assertTrue(lines.stream().anyMatch(l -> l.startsWith("0|/mnt/disk/new/p2_file_1.txt|")), "cache-only file in the body file");
		assertTrue(sources.stream().anyMatch(l -> l.contains("\t/mnt/disk/new/p2_file_1.txt\tcache\t-\t-\t-\tnot-on-disk")), "its source row");
	}

	@Test
	void badUsageExitsTwoWritingNothing(@TempDir Path tmp) throws Exception {
		Path out = tmp.resolve("out.xml");
		for (String[] args : List.of(new String[] { "--view", "merged", "--format", "xml" }, new String[] { "--format", "dfxml" },
				new String[] { "--view", "merged", "--format", "bodyfile", "--under", "/mnt/disk" })) {
			List<String> a = new java.util.ArrayList<>(List.of(args));
			a.addAll(List.of("--out", out.toString()));
			CliRun r = CliRun.of(cmd("export", evidence(SET, a.toArray(String[]::new))));
			assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
			assertEquals(1, r.err().lines().filter(l -> l.startsWith("cacheshadow export: ")).count(), r.err());
			assertFalse(Files.exists(out));
		}
		CliRun noDisk = CliRun.of("export", "--memory", dir(SET).resolve("memory.elf").toString(), "--view", "cache-only", "--format", "dfxml", "--out", out.toString());
		assertEquals(2, noDisk.code(), noDisk.err());
		assertFalse(Files.exists(out));
	}
}
