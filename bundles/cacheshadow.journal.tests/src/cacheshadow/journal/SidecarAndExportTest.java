package cacheshadow.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.Progress;
import cacheshadow.layers.RawFileLayer;

class SidecarAndExportTest {
	@TempDir
	Path tmp;

	@Test
	void badSidecarsAndUnknownJournalsAreRefusedInOneLine() throws IOException {
		Path t = tmp.resolve("timeline.tsv");
		Files.writeString(t, "host_epoch\tentries_complete\n1.5\t3\nnot-a-number\t4\n");
		EvidenceFormatException e = assertThrows(EvidenceFormatException.class, () -> Timeline.read(t));
		assertTrue(e.getMessage().contains("line 3"), e.getMessage());
		Files.writeString(t, "when\tcount\n1\t2\n");
		e = assertThrows(EvidenceFormatException.class, () -> Timeline.read(t));
		assertTrue(e.getMessage().contains("host_epoch"), e.getMessage());
		Path j = tmp.resolve("x.bin");
		Files.write(j, new byte[100]);
		e = assertThrows(EvidenceFormatException.class, () -> JournalFormat.open(j));
		assertTrue(e.getMessage().contains("neither"), e.getMessage());
		e = assertThrows(EvidenceFormatException.class, () -> JournalFormat.open(tmp.resolve("missing.log")));
		assertTrue(e.getMessage().contains("no such file"), e.getMessage());
	}

	@Test
	void sidecarSamplesBoundEntryTimesAndCountsNeverDecrease() {
		// entries 0..9 complete between t=10 s and t=20 s; nothing before t=10
		Timeline tl = new Timeline("test", List.of(new Timeline.Sample(10_000_000_000L, 0, "", ""), new Timeline.Sample(20_000_000_000L, 10, "", ""),
				new Timeline.Sample(30_000_000_000L, 10, "serial", "idle")));
		Timeline.EntryTime e4 = tl.timeOfEntry(4);
		assertEquals(TimeQuality.INTERPOLATED, e4.quality());
		assertEquals(15_000_000_000L, e4.estimateNanos());
		assertEquals(10_000_000_000L, e4.notBeforeNanos());
		assertEquals(20_000_000_000L, e4.notAfterNanos());
		assertEquals(TimeQuality.EXTRAPOLATED, tl.timeOfEntry(10).quality()); // after the last sample's count
		Timeline.CountAt mid = tl.entriesAt(15_000_000_000L, 12);
		assertEquals(TimeQuality.INTERPOLATED, mid.quality());
		assertEquals(5, mid.entries());
		Timeline.CountAt idle = tl.entriesAt(25_000_000_000L, 12);
		assertEquals(TimeQuality.MEASURED, idle.quality()); // no entry completed between 20 s and 30 s
		assertEquals(10, idle.entries());
		Timeline.CountAt after = tl.entriesAt(40_000_000_000L, 12);
		assertEquals(TimeQuality.EXTRAPOLATED, after.quality()); // the log holds 12, the last sample saw 10
		assertEquals(10, after.lowerBound());
		assertEquals(12, after.upperBound());
	}

	@Test
	void exportedImagesAreSparseAndExact() throws IOException {
		Path base = tmp.resolve("base.img");
		try (var ch = java.nio.channels.FileChannel.open(base, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
			ch.write(java.nio.ByteBuffer.wrap(new byte[1]), (64 << 20) - 1); // 64 MiB of zeros, sparse
		}
		Path log = tmp.resolve("w.log");
		byte[] d = new byte[4096];
		java.util.Arrays.fill(d, (byte) 7);
		try (DmLogWritesWriter w = new DmLogWritesWriter(log, 512)) {
			w.write(8, d, 0, d.length, 0);
		}
		try (DiskHistory h = DiskHistory.open(base, log, null, null, Progress.NONE)) {
			Path out = tmp.resolve("out.img");
			long data = h.writeImage(h.resolve("end"), out, Progress.NONE);
			assertEquals(64 << 20, Files.size(out));
			assertEquals(64 << 10, data, "only the written 64 KiB run is data; the rest stays a hole");
			try (RawFileLayer r = new RawFileLayer(out)) {
				byte[] got = new byte[4096];
				r.read(4096, got, 0, 4096);
				assertEquals(7, got[0]);
				r.read((64 << 20) - 4096, got, 0, 4096);
				assertEquals(0, got[4095]);
			}
		}
	}
}
