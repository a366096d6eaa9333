package cacheshadow.cases.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.cases.Case;
import cacheshadow.cases.CustodyEntry;
import cacheshadow.cases.EvidenceItem;
import cacheshadow.cases.VerificationReport;
import cacheshadow.layers.EvidenceFormat;
import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.Progress;
import cacheshadow.testing.FormatEvidence;

/**
 * An EWF acquisition in several segment files (ewfacquire -S 20MiB of the 6.1 sample's disk: .E01 to .E04) is
 * registered by its first file with all of them fixed: its SHA-256 is that of the segments read in order, each
 * segment's own SHA-256 (as sha256sum gives it) is in the custody log, and verify notices a segment changed or gone.
 */
class EwfSegmentsTest {
	private static final List<String> SEGMENTS = List.of("segmented.E01", "segmented.E02", "segmented.E03", "segmented.E04");

	private static String sh(String command) throws Exception {
		Process p = new ProcessBuilder("bash", "-c", command).start();
		String out = new String(p.getInputStream().readAllBytes());
		assertEquals(0, p.waitFor(), command);
		return out.split("\\s+")[0];
	}

	@Test
	void aSegmentedAcquisitionIsHashedWholeAndSegmentBySegment(@TempDir Path tmp) throws Exception {
		Path made = FormatEvidence.disks("debian-6.1-kaslr");
		// copies: one is changed below, and evidence is never modified
		Path ev = Files.createDirectory(tmp.resolve("ev"));
		long size = 0;
		for (String s : SEGMENTS) {
			Files.copy(made.resolve(s), ev.resolve(s));
			size += Files.size(ev.resolve(s));
		}
		String whole = sh("cd '" + ev + "' && cat " + String.join(" ", SEGMENTS) + " | sha256sum");
		try (Case c = Case.create(tmp.resolve("case"), "EWF")) {
			EvidenceItem e = c.addEvidence(ev.resolve("segmented.E01"), Progress.NONE);
			assertEquals(EvidenceFormat.EWF, e.format());
			assertEquals(size, e.size());
			assertEquals(whole, e.sha256());
			assertNotEquals(CaseTest.sha256sum(ev.resolve("segmented.E01")), e.sha256(), "not the first segment's alone");
			List<CustodyEntry> log = c.custodyLog();
			assertEquals(List.of("case-created", "evidence-added", "evidence-segment", "evidence-segment", "evidence-segment", "evidence-segment", "evidence-hashed"),
					log.stream().map(CustodyEntry::action).toList());
			assertTrue(log.get(1).detail().contains("in 4 segment files"), log.get(1).detail());
			for (int i = 0; i < SEGMENTS.size(); i++) {
				Path s = ev.resolve(SEGMENTS.get(i));
				assertEquals("#" + e.id() + " " + (i + 1) + "/4 " + s + " " + Files.size(s) + " bytes sha256=" + CaseTest.sha256sum(s), log.get(2 + i).detail());
			}
			assertTrue(log.get(6).detail().contains(whole) && log.get(6).detail().contains("4 segment files in order"), log.get(6).detail());
			// a later segment alone is refused, naming what to add
			EvidenceFormatException later = assertThrows(EvidenceFormatException.class, () -> c.addEvidence(ev.resolve("segmented.E03"), Progress.NONE));
			assertTrue(later.getMessage().contains("segment 3") && later.getMessage().contains(".E01"), later.getMessage());
			// a single-segment acquisition is hashed as the file it is
			EvidenceItem one = c.addEvidence(made.resolve("disk.E01"), Progress.NONE);
			assertEquals(CaseTest.sha256sum(made.resolve("disk.E01")), one.sha256());
			assertEquals(Files.size(made.resolve("disk.E01")), one.size());

			VerificationReport ok = c.verify(Progress.NONE);
			assertTrue(ok.allGood(), ok.toString());
			// one byte of the last segment changed: the acquisition no longer verifies
			byte[] last = Files.readAllBytes(ev.resolve("segmented.E04"));
			last[last.length / 2] ^= 1;
			Files.write(ev.resolve("segmented.E04"), last);
			VerificationReport bad = c.verify(Progress.NONE);
			assertFalse(bad.allGood());
			VerificationReport.Item item = bad.items().stream().filter(i -> i.evidence().id() == e.id()).findFirst().orElseThrow();
			assertEquals(EvidenceItem.Status.MISMATCH, item.status());
			assertTrue(item.problem().contains("4 segment files"), item.problem());
			// the last segment gone: three files hash to something else again
			Files.delete(ev.resolve("segmented.E04"));
			item = c.verify(Progress.NONE).items().stream().filter(i -> i.evidence().id() == e.id()).findFirst().orElseThrow();
			assertEquals(EvidenceItem.Status.MISMATCH, item.status());
			assertTrue(item.problem().contains("3 segment files"), item.problem());
		}
	}
}
