package cacheshadow.cases.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.cases.Case;
import cacheshadow.cases.CaseException;
import cacheshadow.cases.EvidenceItem;
import cacheshadow.cases.VerificationReport;
import cacheshadow.layers.Progress;

/**
 * What a crash or a second process leaves is handled: a case another process holds is refused with one line naming
 * the case and the holder, and the holder's death frees it; the custody text a crash left short or torn is completed
 * from the database (one changed otherwise is left alone); a creation that was interrupted is said so and can be run
 * again; an evidence row an older version left without a hash is reported and completed. The kills themselves run on
 * the real command line in releng/crash-loop.sh.
 */
class CaseCrashSafetyTest {

	/**
	 * Another process holding a case folder's lock as a second workbench would: it locks {@code case.lock} (the same
	 * POSIX lock the product takes), writes who it is, says "held" and waits for its stdin to close.
	 */
	static final String HOLDER = """
			import java.nio.ByteBuffer;
			import java.nio.channels.FileChannel;
			import java.nio.charset.StandardCharsets;
			import java.nio.file.Path;
			import java.nio.file.StandardOpenOption;
			public class Holder {
				public static void main(String[] a) throws Exception {
					try (FileChannel ch = FileChannel.open(Path.of(a[0], "case.lock"), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
						ch.lock();
						ch.truncate(0);
						ch.write(ByteBuffer.wrap(("pid=" + ProcessHandle.current().pid() + "\\nprogram=the other workbench\\nuser=examiner2\\nhost=lab-7\\n"
								+ "since=2026-01-02T03:04:05Z\\ncase=" + a[1] + "\\n").getBytes(StandardCharsets.UTF_8)));
						System.out.println("held");
						System.out.flush();
						System.in.read();
					}
				}
			}
			""";

	static Process hold(Path tmp, Path caseDir, String name) throws Exception {
		Path src = tmp.resolve("Holder.java");
		Files.writeString(src, HOLDER);
		String java = ProcessHandle.current().info().command().orElseThrow();
		Process p = new ProcessBuilder(java, src.toString(), caseDir.toString(), name).redirectErrorStream(true).start();
		BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
		assertEquals("held", r.readLine(), "the holder did not start");
		return p;
	}

	@Test
	void aCaseHeldByAnotherProcessIsRefusedByNameAndHolderAndFreedWhenItDies(@TempDir Path tmp) throws Exception {
		Path dir = tmp.resolve("case");
		try (Case c = Case.create(dir, "Lab case 7")) {
			c.appendCustody("analysis-run", "before the other process");
		}
		Process other = hold(tmp, dir, "Lab case 7");
		try {
			CaseException e = assertThrows(CaseException.class, () -> Case.open(dir));
			assertEquals(dir + ": the case \"Lab case 7\" is open in another process: pid " + other.pid()
					+ ", the other workbench, user examiner2, on lab-7 since 2026-01-02T03:04:05Z; close it there (or let it finish) and try again", e.getMessage());
			assertThrows(CaseException.class, () -> Case.create(dir, "again"), "a creation is refused too, before anything else");
		} finally {
			other.destroyForcibly(); // a kill -9: the lock goes with the process, its file stays behind
			assertTrue(other.waitFor(30, TimeUnit.SECONDS));
		}
		assertTrue(Files.exists(dir.resolve("case.lock")));
		try (Case c = Case.open(dir)) {
			assertTrue(c.verify(Progress.NONE).allGood());
			assertEquals(List.of("case-created", "analysis-run", "verified"), c.custodyLog().stream().map(x -> x.action()).toList());
			// within one process a case is shared, as its database is: a second open works, and closing it keeps the first's lock
			try (Case again = Case.open(dir)) {
				assertEquals("Lab case 7", again.name());
			}
			c.appendCustody("still-open", "the first one is still usable");
			assertTrue(Files.readString(dir.resolve("case.lock")).contains("pid=" + ProcessHandle.current().pid() + "\n"));
		}
	}

	/**
	 * Found while writing CaseFilesFuzzer (what a case folder holds that is read back): a lock file whose text is no properties file (a
	 * backslash-u that is no escape) ended the refusal with an IllegalArgumentException; the case is still refused, in
	 * one line, without the holder's details.
	 */
	@Test
	void aHoldersLockFileThatIsNoPropertiesFileStillGivesOneLine(@TempDir Path tmp) throws Exception {
		Path dir = tmp.resolve("case");
		try (Case c = Case.create(dir, "Lab case 8")) {
			c.name();
		}
		Process other = hold(tmp, dir, "name with \\uZZ in it");
		try {
			CaseException e = assertThrows(CaseException.class, () -> Case.open(dir));
			assertEquals(dir + ": the case is open in another process (which has not said which yet); close it there (or let it finish) and try again",
					e.getMessage());
		} finally {
			other.destroyForcibly();
			assertTrue(other.waitFor(30, TimeUnit.SECONDS));
		}
	}

	@Test
	void aCustodyTextACrashLeftShortOrTornIsCompletedOneChangedOtherwiseIsLeft(@TempDir Path tmp) throws Exception {
		Path dir = tmp.resolve("case");
		try (Case c = Case.create(dir, "mirror")) {
			for (int i = 0; i < 5; i++) c.appendCustody("note", "entry " + i + " with a tab\there and é");
		}
		Path mirror = dir.resolve(Case.CUSTODY_TEXT);
		byte[] whole = Files.readAllBytes(mirror);
		assertEquals(6, Files.readAllLines(mirror).size());
		// entries committed, the process killed before it appended them; or killed in the middle of a line (of a character)
		for (int cut : new int[] { 0, indexOfLine(whole, 4), indexOfLine(whole, 5) + 7, whole.length - 1, firstNonAscii(whole) + 1 }) {
			Files.write(mirror, Arrays.copyOf(whole, cut));
			try (Case c = Case.open(dir)) {
				assertEquals(6, c.custodyLog().size());
			}
			assertArrayEquals(whole, Files.readAllBytes(mirror), "cut at " + cut);
		}
		Files.delete(mirror);
		try (Case c = Case.open(dir)) {
			assertArrayEquals(whole, Files.readAllBytes(mirror), "a mirror lost whole");
		}
		// someone edited the text: not a crash's doing, so not overwritten (verification is about the database)
		String edited = new String(whole, StandardCharsets.UTF_8).replace("entry 2", "entry X");
		Files.writeString(mirror, edited);
		try (Case c = Case.open(dir)) {
			assertEquals(6, c.custodyLog().size());
			assertEquals("custody.log differs from the database at entry 4 (edited, or the database's entry replaced)", c.custodyChain().problem());
		}
		assertEquals(edited, Files.readString(mirror));
		try (Stream<Path> s = Files.list(dir)) {
			assertEquals(List.of("case.lock", Case.DB_FILE, Case.CUSTODY_TEXT), s.map(p -> p.getFileName().toString()).sorted().toList(),
					"no temporary file left");
		}
	}

	@Test
	void entriesTheDatabaseLostAreSeenInTheCustodyText(@TempDir Path tmp) throws Exception {
		Path dir = tmp.resolve("case");
		try (Case c = Case.create(dir, "witness")) {
			c.appendCustody("note", "kept");
		}
		Path older = Files.copy(dir.resolve(Case.DB_FILE), tmp.resolve("older.mv.db"));
		try (Case c = Case.open(dir)) {
			c.appendCustody("note", "committed, then lost");
			c.addBookmark("merged", "/mnt/disk/x", null, 0, 0, "also lost");
		}
		// the database back at an older state (a store that fell back to an older version, a restored backup)
		Files.copy(older, dir.resolve(Case.DB_FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
		try (Case c = Case.open(dir)) {
			VerificationReport r = c.verify(Progress.NONE);
			assertFalse(r.allGood());
			assertEquals(3, r.chainBrokenAt());
			assertEquals("custody.log holds 2 entries from 3 on that the database lacks: the database lost entries it had committed", r.chainProblem());
		}
	}

	static int indexOfLine(byte[] b, int line) {
		int n = 0;
		for (int i = 0; i < b.length; i++) if (b[i] == '\n' && ++n == line) return i + 1;
		throw new IllegalArgumentException("no line " + line);
	}

	static int firstNonAscii(byte[] b) {
		for (int i = 0; i < b.length; i++) if (b[i] < 0) return i;
		throw new IllegalArgumentException("all ASCII");
	}

	@Test
	void anInterruptedCreationIsSaidSoAndRunsAgain(@TempDir Path tmp) throws Exception {
		Path dir = Files.createDirectories(tmp.resolve("case"));
		// as a kill during creation leaves it: the database being built, not yet renamed to the case's
		Files.write(dir.resolve("case-creating.mv.db"), new byte[] { 'H', '2', 0, 0 });
		CaseException e = assertThrows(CaseException.class, () -> Case.open(dir));
		assertEquals(dir + ": creating the case was interrupted; create it again (case new)", e.getMessage());
		assertFalse(Case.isCase(dir));
		try (Case c = Case.create(dir, "second try")) {
			assertEquals("second try", c.name());
		}
		try (Stream<Path> s = Files.list(dir)) {
			assertEquals(List.of("case.lock", Case.DB_FILE, Case.CUSTODY_TEXT), s.map(p -> p.getFileName().toString()).sorted().toList());
		}
		try (Case c = Case.open(dir)) {
			assertEquals(List.of("case-created"), c.custodyLog().stream().map(x -> x.action()).toList());
			assertTrue(c.verify(Progress.NONE).allGood());
		}
		// a folder with a custody text but no database is not taken over
		Path other = Files.createDirectories(tmp.resolve("other"));
		Files.writeString(other.resolve(Case.CUSTODY_TEXT), "1\tsomeone else's log\n");
		assertThrows(CaseException.class, () -> Case.create(other, "x"));
		assertEquals("1\tsomeone else's log\n", Files.readString(other.resolve(Case.CUSTODY_TEXT)));
	}

	static int run(String... cmd) throws Exception {
		Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
		p.getInputStream().readAllBytes();
		return p.waitFor();
	}

	@Test
	void aCaseOnReadOnlyMediaIsSharedAndVerifiedWithoutRecording(@TempDir Path tmp) throws Exception {
		Path media = Files.createDirectories(tmp.resolve("media"));
		// a read-only file system needs a mount: root only (as releng/test.sh runs); elsewhere there is nothing to test
		Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", media.toString()) == 0, "cannot mount a tmpfs here (not root)");
		try {
			Path ev = Files.writeString(tmp.resolve("evidence.bin"), "archived evidence");
			Path dir = media.resolve("case");
			try (Case c = Case.create(dir, "archived")) {
				c.addEvidence(ev, Progress.NONE);
				c.addBookmark("merged", "/mnt/disk/x", null, 0, 0, "kept");
			}
			assertEquals(0, run("mount", "-o", "remount,ro", media.toString()));
			try (Case c = Case.open(dir); Case d = Case.open(dir)) {
				assertTrue(c.readOnly());
				assertEquals(List.of("case-created", "evidence-added", "evidence-hashed", "bookmark-added"), c.custodyLog().stream().map(x -> x.action()).toList());
				assertTrue(c.verify(Progress.NONE).allGood());
				assertEquals(4, c.custodyLog().size(), "nothing recorded");
				CaseException e = assertThrows(CaseException.class, () -> d.addBookmark("merged", "/y", null, 0, 0, ""));
				assertTrue(e.getMessage().contains("read-only file system"), e.getMessage());
				assertEquals(1, d.bookmarks().size());
			}
		} finally {
			run("umount", media.toString());
		}
	}

	@Test
	void evidenceAnOlderVersionLeftUnhashedIsReportedAndCompletedByAddingItAgain(@TempDir Path tmp) throws Exception {
		Path ev = Files.writeString(tmp.resolve("evidence.bin"), "the evidence");
		Path dir = tmp.resolve("case");
		try (Case c = Case.create(dir, "legacy")) {
			c.appendCustody("note", "before");
		}
		// what a kill between registering and hashing left before both were one transaction
		Properties p = new Properties();
		p.setProperty("user", "cacheshadow");
		p.setProperty("password", "");
		try (Connection db = new org.h2.Driver().connect("jdbc:h2:file:" + dir.resolve(Case.DB_NAME), p); Statement s = db.createStatement()) {
			s.executeUpdate("INSERT INTO evidence(path, size, format, sha256, added_at, status) VALUES ('" + ev.toAbsolutePath()
					+ "', 12, 'RAW', NULL, '2026-01-01T00:00:00Z', 'HASHED')");
		}
		try (Case c = Case.open(dir)) {
			VerificationReport r = c.verify(Progress.NONE);
			assertFalse(r.allGood());
			assertTrue(r.items().get(0).problem().contains("no SHA-256 was recorded"), r.items().get(0).problem());
			EvidenceItem e = c.addEvidence(ev, Progress.NONE);
			assertEquals(1, e.id());
			assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest("the evidence".getBytes(StandardCharsets.UTF_8))), e.sha256());
			assertEquals(1, c.evidence().size());
			assertThrows(CaseException.class, () -> c.addEvidence(ev, Progress.NONE), "hashed now: already in the case");
			assertTrue(c.verify(Progress.NONE).allGood());
		}
	}
}
