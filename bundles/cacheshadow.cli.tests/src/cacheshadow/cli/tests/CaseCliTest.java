package cacheshadow.cli.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaseCliTest {
	static Path set() {
		Path d = Path.of(System.getProperty("cacheshadow.samples", "-"), "debian-6.1-kaslr");
		assertTrue(Files.isDirectory(d), "no sample set at " + d);
		return d;
	}

	@Test
	void helpListsEverySubcommand() {
		CliRun r = CliRun.of("--help");
		assertEquals(0, r.code());
		for (String s : new String[] { "case", "workbench", "sample" }) assertTrue(r.out().contains("  " + s), s + " in\n" + r.out());
		assertEquals(2, CliRun.of().code());
		CliRun bad = CliRun.of("nonsense");
		assertEquals(2, bad.code());
		assertTrue(bad.err().contains("unknown subcommand 'nonsense'"));
	}

	@Test
	void newAddVerifyLogOnRealEvidence(@TempDir Path tmp) throws Exception {
		Path c = tmp.resolve("c");
		assertEquals(0, CliRun.of("case", "new", c.toString(), "--name", "CLI case").code());
		CliRun add = CliRun.of("case", "add", c.toString(), set().resolve("disk.img").toString(), set().resolve("writes.log").toString());
		assertEquals(0, add.code(), add.err());
		assertTrue(add.out().contains("disk image (raw, ext2/3/4 file system)"), add.out());
		assertTrue(add.err().contains("100%"), "a progress line: " + add.err());
		CliRun v = CliRun.of("case", "verify", c.toString());
		assertEquals(0, v.code(), v.out() + v.err());
		assertTrue(v.out().contains("custody chain intact (6 entries)"), v.out());
		CliRun log = CliRun.of("case", "log", c.toString());
		assertEquals(6, log.out().lines().count(), log.out());
		assertTrue(log.out().contains("case-created") && log.out().contains("evidence-hashed") && log.out().contains("verified"));
		CliRun s = CliRun.of("case", "summary", c.toString());
		assertTrue(s.out().contains("VERIFIED") && s.out().contains("disk.img"), s.out());
	}

	@Test
	void badUsageAndBadEvidenceExitTwoWithOneLineNoStackTrace(@TempDir Path tmp) throws Exception {
		Path c = tmp.resolve("c");
		assertEquals(0, CliRun.of("case", "new", c.toString()).code());
		CliRun missing = CliRun.of("case", "add", c.toString(), tmp.resolve("nope.img").toString());
		assertEquals(2, missing.code());
		assertTrue(missing.err().contains("nope.img: no such file"), missing.err());
		assertFalse(missing.err().contains("\tat "), "no stack trace");
		CliRun unknown = CliRun.of("case", "new", tmp.resolve("d").toString(), "--colour", "red");
		assertEquals(2, unknown.code());
		assertTrue(unknown.err().contains("unknown option --colour"));
		CliRun notCase = CliRun.of("case", "verify", tmp.resolve("empty").toString());
		assertEquals(2, notCase.code());
		assertTrue(notCase.err().contains("not a case folder"), notCase.err());
		// changed evidence: verify exits 1 and says so
		Path ev = tmp.resolve("ev.bin");
		Files.write(ev, new byte[] { 1, 2, 3 });
		assertEquals(0, CliRun.of("case", "add", c.toString(), ev.toString()).code());
		Files.write(ev, new byte[] { 1, 2, 4 });
		CliRun v = CliRun.of("case", "verify", c.toString());
		assertEquals(1, v.code());
		assertTrue(v.out().contains("MISMATCH") && v.out().contains("VERIFICATION FAILED"), v.out());
	}

	@Test
	void bookmarksFromTheCommandLine(@TempDir Path tmp) throws Exception {
		Path c = tmp.resolve("c");
		assertEquals(0, CliRun.of("case", "new", c.toString()).code());
		CliRun one = CliRun.of("case", "bookmark", c.toString(), "--view", "merged", "--path", "/mnt/disk/data/blob.bin", "--bytes", "20480+4096", "--note",
				"dirty page\tof blob.bin");
		assertEquals(0, one.code(), one.err());
		assertEquals("bookmark #1 saved\n", one.out());
		assertEquals(0, CliRun.of("case", "bookmark", c.toString(), "--view", "disk-at-instant", "--path", "/mnt/disk/hist/r2/f1.txt", "--at", "entry:43")
				.code());
		CliRun list = CliRun.of("case", "bookmarks", c.toString());
		assertEquals("id\tview\tpath\tinstant\tbytes\tnote\n1\tmerged\t/mnt/disk/data/blob.bin\t-\t20480+4096\tdirty page of blob.bin\n"
				+ "2\tdisk-at-instant\t/mnt/disk/hist/r2/f1.txt\tentry:43\t-\t\n", list.out());
		assertTrue(CliRun.of("case", "log", c.toString()).out().contains("bookmark-added"));
		// usage errors: exit 2, the one-line reason and where the usage is, nothing saved
		for (String[] bad : new String[][] { { "--view", "sideways", "--path", "/x" }, { "--view", "disk-at-instant", "--path", "/x" },
				{ "--view", "merged", "--path", "/x", "--at", "yesterday" }, { "--view", "merged", "--path", "/x", "--bytes", "-1+5" },
				{ "--view", "merged", "--path", "/x", "--bytes", "12" }, { "--view", "merged" } }) {
			String[] argv = new String[bad.length + 3];
			argv[0] = "case";
			argv[1] = "bookmark";
			argv[2] = c.toString();
			System.arraycopy(bad, 0, argv, 3, bad.length);
			CliRun r = CliRun.of(argv);
			assertEquals(2, r.code(), String.join(" ", bad) + ": " + r.err());
			assertTrue(r.err().startsWith("cacheshadow case: ") && r.err().contains("usage: see ./cacheshadow case --help"), r.err());
			assertFalse(r.err().contains("\tat "), "no stack trace");
		}
		assertEquals(3, CliRun.of("case", "bookmarks", c.toString()).out().lines().count());
	}
}
