package cacheshadow.cli.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.cases.Case;
import cacheshadow.cases.CaseInputs;
import cacheshadow.cases.EvidenceItem;
import cacheshadow.journal.DiskHistory;
import cacheshadow.journal.WebHdfs;
import cacheshadow.layers.Progress;
import cacheshadow.report.CaseModels;
import cacheshadow.testing.MiniHdfsDir;

/**
 * A sample's journal shipped to a real HDFS (releng/hdfs.sh) and registered in a case by its URL with
 * {@code case add}: pinned by its length and HDFS's file checksum, verified by asking HDFS again, opened in place by
 * the case's timeline to the same disk at every round as the local journal; a journal changed in HDFS fails
 * {@code case verify}.
 */
class HdfsCaseCliTest {
	@Test
	void caseAddsAJournalInHdfsByUrlVerifiesItAndOpensItInPlace(@TempDir Path tmp) throws Exception {
		MiniHdfsDir hdfs = MiniHdfsDir.await();
		Path set = JournalCliTest.sets().get(0);
		Path log = set.resolve("writes.log"), base = set.resolve("disk.base.img");
		long size = Files.size(log);
		String url = hdfs.freshUrl("writes.log");
		CliRun ship = CliRun.of("ship", "--journal", log.toString(), "--to", url);
		assertEquals(0, ship.code(), ship.err());

		Path dir = tmp.resolve("case");
		assertEquals(0, CliRun.of("case", "new", dir.toString(), "--name", "hdfs journal").code());
		CliRun add = CliRun.of("case", "add", dir.toString(), base.toString(), url);
		assertEquals(0, add.code(), add.err());
		assertTrue(add.out().contains("added #2 " + url + "  write journal (dm-log-writes)  " + size + " bytes  hdfs-checksum "), add.out());

		CliRun verify = CliRun.of("case", "verify", dir.toString());
		assertEquals(0, verify.code(), verify.out() + verify.err());
		assertTrue(verify.out().contains("VERIFIED #2 " + url), verify.out());

		try (Case c = Case.open(dir)) {
			EvidenceItem j = c.evidence().get(1);
			assertTrue(j.inHdfs());
			assertEquals(size, j.size());
			assertEquals(EvidenceItem.Status.VERIFIED, j.status());
			assertEquals(WebHdfs.of(url).checksum().bytes(), j.sha256());
			String pinned = c.custodyLog().stream().filter(e -> e.action().equals("evidence-pinned")).findFirst().orElseThrow().detail();
			assertTrue(pinned.startsWith("#2 length=" + size + " hdfs-checksum MD5-of-") && pinned.contains("=" + j.sha256() + " ") && pinned.contains("not a SHA-256"), pinned);

			long before = WebHdfs.processBytesRead();
			CaseModels.History remote = CaseModels.history(c, CaseInputs.of(c.evidence()), Progress.NONE);
			try (DiskHistory h = remote.history(); DiskHistory local = DiskHistory.open(base, log, null, null, Progress.NONE)) {
				assertEquals(url, remote.journal());
				assertEquals(base, remote.base().base());
				assertEquals(local.journal().entryCount(), h.journal().entryCount());
				List<int[]> rounds = JournalCliTest.rounds(set);
				for (int[] round : List.of(rounds.get(0), rounds.get(rounds.size() - 1))) {
					String at = "entry:" + round[1];
					Path mine = tmp.resolve("local.img"), theirs = tmp.resolve("remote.img");
					local.writeImage(local.resolve(at), mine, Progress.NONE);
					h.writeImage(h.resolve(at), theirs, Progress.NONE);
					assertEquals(-1, Files.mismatch(mine, theirs), "the disk at " + at + " (round " + round[0] + ")");
				}
			}
			long read = WebHdfs.processBytesRead() - before;
			System.out.printf("case journal in HDFS: %d of %d bytes read opening it and writing the disk at two rounds%n", read, size);
			assertTrue(read > 0, "the case's timeline read the journal in HDFS");
		}

		// the examiner's report sets HDFS's checksum asked again beside the recorded one, and opens the journal in place
		Path report = tmp.resolve("report.html");
		CliRun r = CliRun.of("report", "--case", dir.toString(), "--out", report.toString());
		assertEquals(0, r.code(), r.out() + r.err());
		String html = Files.readString(report);
		assertTrue(html.contains(url), "the report names the journal's URL");
		assertFalse(html.contains("unreadable: ") || html.contains("DIFFERS: "), "an evidence row of the report is not equal");
		assertTrue(html.contains("120 entries"), "the report's timeline is the journal's");

		// a journal changed in HDFS (bytes appended): its length and checksum no longer match what the case pinned
		WebHdfs.of(url).append(new byte[] { 1, 2, 3 }, 0, 3);
		CliRun changed = CliRun.of("case", "verify", dir.toString());
		assertEquals(1, changed.code(), changed.out() + changed.err());
		assertTrue(changed.out().contains("MISMATCH #2 " + url + "  !! its length in HDFS is " + (size + 3) + " bytes, " + size + " when it was added"), changed.out());
		assertTrue(changed.out().contains("VERIFICATION FAILED"), changed.out());
	}
}
