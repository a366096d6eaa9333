package cacheshadow.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.Progress;
import cacheshadow.layers.RawFileLayer;

class TimestampedJournalTest {
	@TempDir
	Path tmp;

	@Test
	void importedSamplesReplayToDiskImgAndKeepInterpolatedTimes() throws IOException {
		for (Path set : Samples.sets()) {
			Path csj = tmp.resolve(set.getFileName() + ".csj");
			Timeline tl = Timeline.read(set.resolve("timeline.tsv"));
			try (DmLogWritesLog dm = DmLogWritesReader.read(set.resolve("writes.log"))) {
				JournalImporter.Report r = JournalImporter.importJournal(dm, tl, csj, Files.size(set.resolve("disk.base.img")), Progress.NONE);
				assertEquals(dm.entryCount(), r.entries());
				assertEquals(JournalFormat.CACHESHADOW, JournalFormat.detect(csj));
				try (WriteLog any = JournalFormat.open(csj); TimestampedJournal j = TimestampedJournal.open(csj);
						RawFileLayer base = new RawFileLayer(set.resolve("disk.base.img")); JournalIndex idx = JournalIndex.build(j)) {
					assertTrue(any instanceof TimestampedJournal);
					assertTrue(j.damage().isEmpty(), () -> j.damage().get().message());
					assertEquals(dm.entryCount(), j.entryCount());
					assertEquals(Files.size(csj), j.validBytes());
					long prev = Long.MIN_VALUE;
					for (int i = 0; i < j.entryCount(); i++) {
						assertEquals(dm.diskOffset(i), j.diskOffset(i));
						assertEquals(dm.length(i), j.length(i));
						assertEquals(dm.flags(i), j.flags(i));
						assertEquals(TimeQuality.INTERPOLATED, j.timeQuality(i));
						assertTrue(j.epochNanos(i) >= prev);
						prev = j.epochNanos(i);
					}
					DiskAtInstantTest.assertLayerEquals(Files.readAllBytes(set.resolve("disk.img")),
							new DiskAtInstant(base, idx, InstantSpec.end().resolve(j, null)), set.getFileName() + " csj end");
					ResolvedInstant end = InstantSpec.end().resolve(j, null);
					assertEquals(TimeQuality.INTERPOLATED, end.timeQuality(), end.toString());
					assertTrue(end.description().contains("interpolated"), end.description());
					// the journal's own times name the rounds without the sidecar
					for (String[] round : Samples.tsv(set.resolve("rounds.tsv"))) {
						ResolvedInstant at = InstantSpec.parse("time:@" + round[1]).resolve(j, null);
						assertEquals(Integer.parseInt(round[2]), at.entryCount(), "round " + round[0] + ": " + at);
					}
				}
			}
		}
	}

	record Rec(long off, byte[] data, int flags, String mark) {
	}

	private List<Rec> record(Path f, long seed, int n) throws IOException {
		Random rnd = new Random(seed);
		List<Rec> recs = new ArrayList<>();
		Clock clock = Clock.fixed(Instant.parse("2026-11-23T12:00:00Z"), ZoneOffset.UTC);
		try (JournalRecorder r = JournalRecorder.create(f, 512, 1 << 24, clock)) {
			for (int i = 0; i < n; i++) {
				int k = rnd.nextInt(6);
				if (k == 0) {
					r.flush();
					recs.add(new Rec(0, new byte[0], WriteLog.FLUSH, null));
				} else if (k == 1) {
					r.mark("m" + i);
					recs.add(new Rec(0, new byte[0], WriteLog.MARK, "m" + i));
				} else if (k == 2) {
					r.discard(512L * rnd.nextInt(1000), 512L * (1 + rnd.nextInt(8)));
					recs.add(new Rec(-1, null, WriteLog.DISCARD, null));
				} else {
					byte[] d = new byte[512 * (1 + rnd.nextInt(10))];
					rnd.nextBytes(d);
					long off = 512L * rnd.nextInt(10000);
					r.write(off, d, 0, d.length, k == 3 ? WriteLog.FUA : 0);
					recs.add(new Rec(off, d, k == 3 ? WriteLog.FUA : 0, null));
				}
			}
		}
		return recs;
	}

	/**
	 * Found by JournalImportFuzzer: a dm-log-writes mark whose sector was not 0 was imported at offset 0 (the entries
	 * no longer matched), and a mark of more text than a .csj record holds ended the import with an
	 * IllegalArgumentException. The sector is kept; such a mark is an evidence error, and no journal is left.
	 */
	@Test
	void importKeepsAMarksSectorAndRefusesMarksNoRecordHolds() throws IOException {
		Path dm = tmp.resolve("marks.log");
		try (DmLogWritesWriter w = new DmLogWritesWriter(dm, 8192)) {
			w.mark("before");
			w.write(1, new byte[8192], 0, 8192, 0);
		}
		byte[] b = Files.readAllBytes(dm);
		cacheshadow.layers.LittleEndian.put64(b, 8192, 7); // the mark's header: sector 7
		Files.write(dm, b);
		Path csj = tmp.resolve("marks.csj");
		try (WriteLog src = JournalFormat.open(dm)) {
			JournalImporter.importJournal(src, null, csj, 1 << 20, Progress.NONE);
			try (TimestampedJournal j = TimestampedJournal.open(csj)) {
				assertEquals(7 * 8192, src.diskOffset(0));
				assertEquals(src.diskOffset(0), j.diskOffset(0));
				assertEquals("before", j.mark(0));
			}
		}
		try (DmLogWritesWriter w = new DmLogWritesWriter(dm, 8192)) {
			w.mark("m".repeat(5000)); // fits a dm-log-writes header sector of 8 KiB, not a .csj mark
		}
		Path big = tmp.resolve("big.csj");
		try (WriteLog src = JournalFormat.open(dm)) {
			EvidenceFormatException e = assertThrows(EvidenceFormatException.class, () -> JournalImporter.importJournal(src, null, big, 1 << 20, Progress.NONE));
			assertTrue(e.getMessage().contains("entry 0: a mark of 5000 bytes"), e.getMessage());
		}
		assertTrue(!Files.exists(big), "nothing left of the refused import");
	}

	@Test
	void recorderRoundTrips() throws IOException {
		Path f = tmp.resolve("r.csj");
		List<Rec> recs = record(f, 1, 200);
		assertThrows(IOException.class, () -> JournalRecorder.create(f, 512, 0)); // never overwrites
		try (TimestampedJournal j = TimestampedJournal.open(f)) {
			assertTrue(j.damage().isEmpty());
			assertEquals(200, j.entryCount());
			assertEquals(1 << 24, j.diskSize());
			for (int i = 0; i < 200; i++) {
				Rec r = recs.get(i);
				assertEquals(TimeQuality.MEASURED, j.timeQuality(i));
				assertEquals(Instant.parse("2026-11-23T12:00:00Z").getEpochSecond() * 1_000_000_000L, j.epochNanos(i));
				assertEquals(r.flags, j.flags(i));
				assertEquals(r.mark, j.mark(i));
				if (r.data != null && r.data.length > 0) {
					assertEquals(r.off, j.diskOffset(i));
					byte[] got = new byte[r.data.length];
					j.readData(i, 0, got, 0, got.length);
					assertArrayEquals(r.data, got);
				}
			}
		}
	}

	@Test
	void aCrashMidRecordLosesOnlyThatRecordAndAppendingResumes() throws IOException {
		Path f = tmp.resolve("c.csj");
		record(f, 2, 120);
		byte[] all = Files.readAllBytes(f);
		List<Long> ends = new ArrayList<>();
		try (TimestampedJournal j = TimestampedJournal.open(f)) {
			for (int i = 1; i < j.entryCount(); i++) ends.add(recordStart(j, i));
			ends.add(j.validBytes());
		}
		Random rnd = new Random(9);
		for (int t = 0; t < 100; t++) {
			int cut = TimestampedJournal.HEADER_BYTES + rnd.nextInt(all.length - TimestampedJournal.HEADER_BYTES);
			Path c = tmp.resolve("cut.csj");
			Files.write(c, Arrays.copyOf(all, cut));
			int expect = 0;
			while (expect < ends.size() && ends.get(expect) <= cut) expect++;
			try (TimestampedJournal j = TimestampedJournal.open(c)) {
				assertEquals(expect, j.entryCount(), "cut at " + cut);
				boolean onBoundary = cut == TimestampedJournal.HEADER_BYTES || (expect > 0 && ends.get(expect - 1) == cut);
				assertEquals(!onBoundary, j.damage().isPresent(), "cut at " + cut);
				j.damage().ifPresent(d -> assertTrue(d.problem().contains("torn"), d.message()));
			}
			try (JournalRecorder r = JournalRecorder.openForAppend(c)) {
				assertEquals(expect, r.entries());
				r.mark("after-crash");
			}
			try (TimestampedJournal j = TimestampedJournal.open(c)) {
				assertTrue(j.damage().isEmpty(), () -> j.damage().get().message());
				assertEquals(expect + 1, j.entryCount());
				assertEquals("after-crash", j.mark(expect));
			}
		}
	}

	static long recordStart(TimestampedJournal j, int i) {
		// data position minus the record header; marks and flushes also have their payload there
		return j.table.dataPos(i) - TimestampedJournal.RECORD_HEADER;
	}

	@Test
	void corruptionIsReportedAtTheRecordAndThePrefixKept() throws IOException {
		Path f = tmp.resolve("x.csj");
		record(f, 3, 80);
		byte[] all = Files.readAllBytes(f);
		long[] starts = new long[80];
		try (TimestampedJournal j = TimestampedJournal.open(f)) {
			for (int i = 0; i < 80; i++) starts[i] = recordStart(j, i);
		}
		Random rnd = new Random(4);
		for (int t = 0; t < 100; t++) {
			int k = rnd.nextInt(79); // not the last: damage in the middle
			int len = (int) (starts[k + 1] - starts[k]);
			byte[] bad = all.clone();
			bad[(int) starts[k] + rnd.nextInt(len)] ^= (byte) (1 + rnd.nextInt(255));
			Path c = tmp.resolve("bad.csj");
			Files.write(c, bad);
			try (TimestampedJournal j = TimestampedJournal.open(c)) {
				assertEquals(k, j.entryCount());
				LogDamage d = j.damage().orElseThrow();
				assertEquals(starts[k], d.fileOffset());
				assertEquals(k, d.entryIndex());
			}
		}
		byte[] bad = all.clone();
		bad[20] ^= 1;
		Path h = tmp.resolve("h.csj");
		Files.write(h, bad);
		EvidenceFormatException e = assertThrows(EvidenceFormatException.class, () -> TimestampedJournal.open(h));
		assertTrue(e.getMessage().contains("checksum"), e.getMessage());
	}
}
