package cacheshadow.cases.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.cases.Case;
import cacheshadow.cases.CaseException;
import cacheshadow.cases.CustodyEntry;
import cacheshadow.cases.EvidenceItem;
import cacheshadow.cases.VerificationReport;
import cacheshadow.layers.EvidenceFormat;
import cacheshadow.layers.Progress;

class CaseTest {

	static Path sample() {
		Path d = Path.of(System.getProperty("cacheshadow.samples", "-"), "debian-6.1-kaslr");
		assertTrue(Files.isDirectory(d), "no sample set at " + d);
		return d;
	}

	static String sha256sum(Path f) throws Exception {
		Process p = new ProcessBuilder("sha256sum", f.toString()).start();
		String out = new String(p.getInputStream().readAllBytes());
		assertEquals(0, p.waitFor());
		return out.split("\\s+")[0];
	}

	@Test
	void addHashesRealEvidenceWithProgressAndLogsCustody(@TempDir Path tmp) throws Exception {
		Path dir = tmp.resolve("case1");
		List<Long> worked = new ArrayList<>();
		Progress p = new Progress() {
			@Override
			public void begin(String task, long total) {
			}

			@Override
			public void worked(long units) {
				worked.add(units);
			}
		};
		try (Case c = Case.create(dir, "Sample")) {
			for (String f : List.of("memory.elf", "disk.img", "writes.log", "kernel/vmlinux.btf", "kernel/System.map")) {
				EvidenceItem e = c.addEvidence(sample().resolve(f), p);
				assertEquals(sha256sum(sample().resolve(f)), e.sha256(), f);
				assertEquals(Files.size(sample().resolve(f)), e.size());
			}
			assertEquals(List.of(EvidenceFormat.ELF_CORE, EvidenceFormat.EXT_IMAGE, EvidenceFormat.DM_LOG_WRITES, EvidenceFormat.BTF,
					EvidenceFormat.SYSTEM_MAP), c.evidence().stream().map(EvidenceItem::format).toList());
			assertThrows(CaseException.class, () -> c.addEvidence(sample().resolve("disk.img"), Progress.NONE));
			assertEquals(Files.size(sample().resolve("memory.elf")) + Files.size(sample().resolve("disk.img"))
					+ Files.size(sample().resolve("writes.log")) + Files.size(sample().resolve("kernel/vmlinux.btf"))
					+ Files.size(sample().resolve("kernel/System.map")), worked.stream().mapToLong(Long::longValue).sum());
		}
		try (Case c = Case.open(dir)) {
			assertEquals("Sample", c.name());
			List<CustodyEntry> log = c.custodyLog();
			assertEquals(1 + 2 * 5, log.size());
			assertEquals("case-created", log.get(0).action());
			VerificationReport r = c.verify(Progress.NONE);
			assertTrue(r.allGood(), r.toString());
			assertTrue(c.evidence().stream().allMatch(e -> e.status() == EvidenceItem.Status.VERIFIED));
			assertEquals("verified", c.custodyLog().get(c.custodyLog().size() - 1).action());
		}
		assertEquals(12, Files.readAllLines(dir.resolve(Case.CUSTODY_TEXT)).size());
		assertThrows(CaseException.class, () -> Case.create(dir, "again"));
		assertThrows(CaseException.class, () -> Case.open(tmp.resolve("nocase")));
	}

	@Test
	void changedEvidenceAndTamperedCustodyAreReportedLoudly(@TempDir Path tmp) throws Exception {
		Path ev = tmp.resolve("evidence.bin");
		Files.write(ev, HexFormat.of().parseHex("00112233445566778899"));
		Path dir = tmp.resolve("case2");
		try (Case c = Case.create(dir, null)) {
			c.addEvidence(ev, Progress.NONE);
			c.appendCustody("analysis-run", "cache-only listing");
		}
		Files.write(ev, HexFormat.of().parseHex("00112233445566778898"));
		try (Case c = Case.open(dir)) {
			VerificationReport r = c.verify(Progress.NONE);
			assertFalse(r.allGood());
			assertEquals(EvidenceItem.Status.MISMATCH, r.items().get(0).status());
			assertEquals(-1, r.chainBrokenAt());
		}
		Files.delete(ev);
		try (Case c = Case.open(dir)) {
			assertEquals(EvidenceItem.Status.MISSING, c.verify(Progress.NONE).items().get(0).status());
		}
		// someone edits entry 3 of the custody log directly in the database
		Properties p = new Properties();
		p.setProperty("user", "cacheshadow");
		p.setProperty("password", "");
		try (Connection db = new org.h2.Driver().connect("jdbc:h2:file:" + dir.resolve(Case.DB_NAME), p); Statement s = db.createStatement()) {
			s.executeUpdate("UPDATE custody SET detail='nothing happened' WHERE seq=3");
		}
		try (Case c = Case.open(dir)) {
			VerificationReport r = c.verify(Progress.NONE);
			assertEquals(3, r.chainBrokenAt());
			assertTrue(r.chainProblem().contains("altered"), r.chainProblem());
		}
	}

	/**
	 * Found by CaseFilesFuzzer: values this program never writes, in a damaged or edited case database, came out as
	 * internal errors (DateTimeParseException, IllegalArgumentException, InvalidPathException); an evidence path naming a
	 * device made verify hash /dev/zero forever. Each is now a case error in one line, or a MISSING item.
	 */
	@Test
	void damagedRowsAreCaseErrors(@TempDir Path tmp) throws Exception {
		Path dir = tmp.resolve("case");
		Path ev = Files.write(tmp.resolve("ev.bin"), new byte[] { 1, 2, 3 });
		try (Case c = Case.create(dir, "Damaged")) {
			c.addEvidence(ev, Progress.NONE);
			c.addBookmark("merged", "/etc/passwd", null, 0, 0, "note");
		}
		String[][] damage = { { "UPDATE evidence SET added_at='yesterday'", "evidence #1 is damaged" },
				{ "UPDATE evidence SET format='ELF_CORPSE'", "evidence #1 is damaged" },
				{ "UPDATE evidence SET status='FINE'", "evidence #1 is damaged" },
				{ "UPDATE evidence SET path='/tmp/a' || CHAR(0) || 'b'", "evidence #1 is damaged" },
				{ "UPDATE evidence SET path='ev.bin'", "evidence #1 is damaged" }, // CaseFilesFuzzer, long run: CaseInputs took its parent (NullPointerException)
				{ "UPDATE bookmark SET range_offset=-5", "bookmark #" },
				{ "UPDATE bookmark SET created_at='now'", "bookmark #" },
				{ "UPDATE custody SET at='2026-13-45T00:00:00Z' WHERE seq=2", "custody entry 2 is damaged" } };
		for (String[] d : damage) {
			edit(dir, d[0]);
			CaseException e = assertThrows(CaseException.class, () -> {
				try (Case c = Case.open(dir)) {
					c.evidence();
					c.bookmarks();
					c.custodyChain();
				}
			}, d[0]);
			assertTrue(e.getMessage().contains(d[1]) && e.getMessage().contains(" is damaged (") && e.getMessage().startsWith(dir.toString()),
					d[0] + ": " + e.getMessage());
			edit(dir, "DELETE FROM bookmark");
			try (Case c = Case.open(dir)) { // undo by rebuilding what the statement broke
				c.addBookmark("merged", "/etc/passwd", null, 0, 0, "note");
			} catch (CaseException stillDamaged) {
				// evidence or custody: put back below
			}
			edit(dir, "UPDATE evidence SET added_at='2026-01-01T00:00:00Z', format='RAW', status='HASHED', path='" + ev.toAbsolutePath() + "'");
			edit(dir, "UPDATE custody SET at='2026-01-01T00:00:00Z' WHERE seq=2");
		}
		edit(dir, "UPDATE evidence SET path='/dev/zero'");
		VerificationReport r = assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> {
			try (Case c = Case.open(dir)) {
				return c.verify(Progress.NONE);
			}
		});
		assertEquals(EvidenceItem.Status.MISSING, r.items().get(0).status());
		assertTrue(r.items().get(0).problem().contains("not a regular file"), r.items().get(0).problem());
	}

	private static void edit(Path dir, String sql) throws Exception {
		Properties p = new Properties();
		p.setProperty("user", "cacheshadow");
		p.setProperty("password", "");
		try (Connection db = new org.h2.Driver().connect("jdbc:h2:file:" + dir.resolve(Case.DB_NAME), p); Statement s = db.createStatement()) {
			s.executeUpdate(sql);
		}
	}
}
