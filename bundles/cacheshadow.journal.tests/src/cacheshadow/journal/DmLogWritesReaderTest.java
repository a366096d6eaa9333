package cacheshadow.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.LittleEndian;

class DmLogWritesReaderTest {
	@TempDir
	Path tmp;

	@Test
	void samplesMatchTheirIndexTsv() throws IOException {
		for (Path set : Samples.sets()) {
			List<String[]> rows = Samples.tsv(set.resolve("writes.index.tsv"));
			try (DmLogWritesLog log = DmLogWritesReader.read(set.resolve("writes.log"))) {
				assertTrue(log.damage().isEmpty(), () -> set + ": " + log.damage().get());
				assertEquals(rows.size(), log.entryCount(), set + ": entry count");
				assertEquals(512, log.sectorSize());
				for (String[] r : rows) {
					int i = Integer.parseInt(r[0]);
					String where = set.getFileName() + " entry " + i;
					assertEquals(Long.parseLong(r[1]), log.headerOffset(i), where);
					assertEquals(Long.parseLong(r[2]), log.dataOffset(i), where);
					assertEquals(Long.parseLong(r[5]), log.diskOffset(i), where);
					assertEquals(Long.parseLong(r[6]), log.length(i), where);
					assertEquals(Long.parseLong(r[3]) * 512, log.diskOffset(i), where);
					assertEquals(r[7], WriteLog.flagNames(log.flags(i)), where);
				}
				assertEquals(Files.size(set.resolve("writes.log")), log.validBytes());
			}
		}
	}

	@Test
	void truncatedSampleLogsKeepTheirPrefixAndReplayIt() throws IOException {
		Random rnd = new Random(17);
		for (Path set : Samples.sets()) {
			byte[] all = Files.readAllBytes(set.resolve("writes.log"));
			List<String[]> rows = Samples.tsv(set.resolve("writes.index.tsv"));
			byte[] baseBytes = Files.readAllBytes(set.resolve("disk.base.img"));
			for (int t = 0; t < 4; t++) {
				int cut = 512 + rnd.nextInt(all.length - 512);
				Path c = tmp.resolve("cut.log");
				Files.write(c, java.util.Arrays.copyOf(all, cut));
				int expect = 0;
				for (String[] r : rows) {
					long end = Long.parseLong(r[2]) + Long.parseLong(r[6]);
					if (end <= cut) expect = Integer.parseInt(r[0]) + 1;
				}
				try (DmLogWritesLog log = DmLogWritesReader.read(c); cacheshadow.layers.RawFileLayer base = new cacheshadow.layers.RawFileLayer(set.resolve("disk.base.img"));
						JournalIndex idx = JournalIndex.build(log)) {
					assertEquals(expect, log.entryCount(), set.getFileName() + " cut at " + cut);
					assertTrue(log.damage().isPresent(), set.getFileName() + " cut at " + cut);
					byte[] naive = baseBytes.clone();
					NaiveReplay.replay(log, 0, expect, naive);
					DiskAtInstantTest.assertLayerEquals(naive, new DiskAtInstant(base, idx, InstantSpec.end().resolve(log, null)),
							set.getFileName() + " cut at " + cut);
				}
			}
		}
	}

	/** A log of every entry kind with some writes unaligned to 4 KiB; returns the entries it wrote. */
	static Path craft(Path file, int sectorSize, long seed, int n) throws IOException {
		Random rnd = new Random(seed);
		try (DmLogWritesWriter w = new DmLogWritesWriter(file, sectorSize)) {
			for (int i = 0; i < n; i++) {
				int kind = rnd.nextInt(10);
				if (kind == 0) w.flush();
				else if (kind == 1 && sectorSize >= 64) w.mark("mark-" + i);
				else if (kind == 1) w.flush(); // a 32-byte sector has no room for mark text
				else if (kind == 2) w.discard(rnd.nextInt(64), 1 + rnd.nextInt(8));
				else {
					int sectors = 1 + rnd.nextInt(Math.max(1, 16384 / sectorSize));
					byte[] d = new byte[sectors * sectorSize];
					rnd.nextBytes(d);
					int flags = kind == 3 ? WriteLog.FUA : kind == 4 ? WriteLog.METADATA : kind == 5 ? WriteLog.FLUSH | WriteLog.FUA : 0;
					w.write(rnd.nextInt(20000 / (sectorSize / 32)), d, 0, d.length, flags);
				}
			}
		}
		return file;
	}

	@ParameterizedTest
	@ValueSource(ints = { 32, 512, 1024, 4096, 65536 })
	void anySectorSizeRoundTrips(int sectorSize) throws IOException {
		Path f = craft(tmp.resolve("s" + sectorSize + ".log"), sectorSize, sectorSize, 60);
		try (DmLogWritesLog log = DmLogWritesReader.read(f)) {
			assertTrue(log.damage().isEmpty(), () -> log.damage().get().message());
			assertEquals(60, log.entryCount());
			assertEquals(sectorSize, log.sectorSize());
			int marks = 0;
			for (int i = 0; i < 60; i++) {
				if ((log.flags(i) & WriteLog.MARK) != 0) {
					assertEquals("mark-" + i, log.mark(i));
					assertEquals(0, log.length(i));
					marks++;
				} else {
					assertNull(log.mark(i));
				}
				assertEquals(0, log.diskOffset(i) % sectorSize);
				assertEquals(0, log.length(i) % sectorSize);
			}
			assertTrue(marks > 0 || sectorSize < 64);
			assertEquals(Files.size(f), log.validBytes());
		}
	}

	@Test
	void readsPastStaleNrEntries() throws IOException {
		Path f = craft(tmp.resolve("stale.log"), 512, 7, 50);
		setSuperEntries(f, 3); // as QEMU leaves it between flushes
		try (DmLogWritesLog log = DmLogWritesReader.read(f)) {
			assertEquals(3, log.superBlockEntries());
			assertEquals(50, log.entryCount());
			assertTrue(log.damage().isEmpty());
		}
		// A zero-filled tail after the entries (preallocated log file) is the normal end.
		try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
			raf.setLength(raf.length() + 8192);
		}
		try (DmLogWritesLog log = DmLogWritesReader.read(f)) {
			assertEquals(50, log.entryCount());
			assertTrue(log.damage().isEmpty());
		}
	}

	@Test
	void truncationAtRandomPointsKeepsTheLongestValidPrefix() throws IOException {
		Path f = craft(tmp.resolve("full.log"), 512, 11, 80);
		byte[] all = Files.readAllBytes(f);
		long[] ends;
		try (DmLogWritesLog log = DmLogWritesReader.read(f)) {
			ends = new long[log.entryCount()];
			for (int i = 0; i < ends.length; i++) {
				ends[i] = log.dataOffset(i) + ((log.flags(i) & (WriteLog.DISCARD | WriteLog.MARK)) != 0 ? 0 : log.length(i));
			}
		}
		Random rnd = new Random(3);
		for (int trial = 0; trial < 150; trial++) {
			int cut = 512 + rnd.nextInt(all.length - 512);
			Path t = tmp.resolve("cut.log");
			Files.write(t, java.util.Arrays.copyOf(all, cut));
			int expect = 0;
			while (expect < ends.length && ends[expect] <= cut) expect++;
			try (DmLogWritesLog log = DmLogWritesReader.read(t)) {
				assertEquals(expect, log.entryCount(), "cut at " + cut);
				assertTrue(log.damage().isPresent(), "cut at " + cut + " must be reported");
				LogDamage d = log.damage().get();
				assertEquals(expect, d.entryIndex());
				assertTrue(d.message().contains("entry " + expect), d.message());
				assertEquals(expect == 0 ? 512 : ends[expect - 1], log.validBytes());
			}
		}
	}

	@Test
	void corruptionAtRandomPointsIsReportedAtTheDamagedEntry() throws IOException {
		Path f = craft(tmp.resolve("full.log"), 512, 13, 80);
		byte[] all = Files.readAllBytes(f);
		long[] headers;
		int[] flags;
		try (DmLogWritesLog log = DmLogWritesReader.read(f)) {
			headers = new long[log.entryCount()];
			flags = new int[log.entryCount()];
			for (int i = 0; i < headers.length; i++) {
				headers[i] = log.headerOffset(i);
				flags[i] = log.flags(i);
			}
		}
		Random rnd = new Random(5);
		for (int trial = 0; trial < 150; trial++) {
			int k = rnd.nextInt(headers.length);
			byte[] bad = all.clone();
			int what = rnd.nextInt(4);
			int at;
			if (what == 0) at = (int) headers[k] + 32 + 64 + rnd.nextInt(512 - 32 - 64); // padding (past any mark text)
			else if (what == 1) at = (int) headers[k] + 16 + 1 + rnd.nextInt(7); // high bytes of flags
			else at = -1;
			if (at >= 0) bad[at] ^= (byte) (1 + rnd.nextInt(255));
			else java.util.Arrays.fill(bad, (int) headers[k], (int) headers[k] + 512, (byte) 0); // zeroed header
			Path t = tmp.resolve("bad.log");
			Files.write(t, bad);
			try (DmLogWritesLog log = DmLogWritesReader.read(t)) {
				assertEquals(k, log.entryCount(), "corruption kind " + what + " in entry " + k);
				LogDamage d = log.damage().orElseThrow();
				assertEquals(k, d.entryIndex());
				assertEquals(headers[k], d.fileOffset());
				assertFalse(d.problem().isEmpty());
			}
		}
	}

	@Test
	void garbagePaddingIsRejectedLikeReplayLog() throws IOException {
		Path f = tmp.resolve("g.log");
		try (DmLogWritesWriter w = new DmLogWritesWriter(f, 512)) {
			w.write(8, new byte[4096], 0, 4096, 0);
			w.write(16, new byte[4096], 0, 4096, 0);
		}
		byte[] b = Files.readAllBytes(f);
		b[512 + 4096 + 512 + 32] = 1; // first padding byte of entry 1's header: entry->data[0] in log_entry_valid
		Files.write(f, b);
		try (DmLogWritesLog log = DmLogWritesReader.read(f)) {
			assertEquals(1, log.entryCount());
			assertTrue(log.damage().get().problem().contains("padding"), log.damage().get().message());
		}
	}

	/**
	 * Found by DmLogWritesFuzzer: a mark's data_len of 2^63 or more (a u64, negative as a long) passed the length check
	 * and the padding check indexed the header at a negative offset (ArrayIndexOutOfBoundsException); a write's likewise
	 * passed. Both are malformed entries.
	 */
	@Test
	void dataLengthsPast2To63AreMalformed() throws IOException {
		for (int flags : new int[] { WriteLog.MARK, 0 }) {
			Path f = tmp.resolve("huge-" + flags + ".log");
			try (DmLogWritesWriter w = new DmLogWritesWriter(f, 512)) {
				w.write(8, new byte[512], 0, 512, 0);
				if (flags == WriteLog.MARK) w.mark("m");
				else w.write(16, new byte[512], 0, 512, 0);
			}
			byte[] b = Files.readAllBytes(f);
			cacheshadow.layers.LittleEndian.put64(b, 512 + 1024 + 24, 0x8000000000000023L); // entry 1's data_len
			Files.write(f, b);
			try (DmLogWritesLog log = DmLogWritesReader.read(f)) {
				assertEquals(1, log.entryCount());
				assertTrue(log.damage().get().problem().startsWith("malformed") && log.damage().get().problem().contains("9223372036854775843"),
						log.damage().get().message());
			}
		}
	}

	@Test
	void notALogIsRefusedInOneLine() throws IOException {
		Path f = tmp.resolve("x.log");
		Files.write(f, new byte[4096]);
		EvidenceFormatException e = assertThrows(EvidenceFormatException.class, () -> DmLogWritesReader.read(f));
		assertTrue(e.getMessage().contains("not a dm-log-writes log"), e.getMessage());
		Path g = tmp.resolve("short.log");
		Files.write(g, new byte[10]);
		assertThrows(EvidenceFormatException.class, () -> DmLogWritesReader.read(g));
	}

	@Test
	void dataIsReadFromTheLog() throws IOException {
		Path f = tmp.resolve("d.log");
		byte[] d = new byte[1024];
		new Random(1).nextBytes(d);
		try (DmLogWritesWriter w = new DmLogWritesWriter(f, 512)) {
			w.write(3, d, 0, d.length, 0);
			w.discard(100, 4);
		}
		try (DmLogWritesLog log = DmLogWritesReader.read(f)) {
			byte[] got = new byte[1024];
			log.readData(0, 0, got, 0, 1024);
			assertArrayEquals(d, got);
			assertEquals(1536, log.diskOffset(0));
			assertEquals(2048, log.length(1));
			byte[] z = new byte[2048];
			java.util.Arrays.fill(z, (byte) 9);
			log.readData(1, 0, z, 0, 2048);
			assertArrayEquals(new byte[2048], z);
		}
	}

	/** The samples' logs, written again entry by entry, are the same files byte for byte. */
	@Test
	void writeAllRewritesTheSampleLogsByteForByte() throws IOException {
		for (Path set : Samples.sets()) {
			Path copy = tmp.resolve(set.getFileName() + ".log");
			try (DmLogWritesLog log = DmLogWritesReader.read(set.resolve("writes.log")); DmLogWritesWriter w = new DmLogWritesWriter(copy, 512)) {
				w.writeAll(log);
			}
			assertEquals(-1, Files.mismatch(set.resolve("writes.log"), copy), set.toString());
		}
	}

	/** An entry longer than writeAll's 1 MiB copy buffer crosses it in several pieces, in order. */
	@Test
	void writeAllCopiesAnEntryLargerThanItsBuffer() throws IOException {
		Path f = tmp.resolve("big.log"), copy = tmp.resolve("big-copy.log");
		byte[] d = new byte[(3 << 20) + 512];
		new Random(7).nextBytes(d);
		try (DmLogWritesWriter w = new DmLogWritesWriter(f, 512)) {
			w.mark("before");
			w.write(8, d, 0, d.length, WriteLog.FUA);
			w.flush();
			w.discard(64, 8);
			w.write(1 << 20, d, 512, 1024, WriteLog.FLUSH);
		}
		try (DmLogWritesLog log = DmLogWritesReader.read(f); DmLogWritesWriter w = new DmLogWritesWriter(copy, 512)) {
			w.writeAll(log);
		}
		assertEquals(-1, Files.mismatch(f, copy));
		try (DmLogWritesLog log = DmLogWritesReader.read(copy)) {
			assertTrue(log.damage().isEmpty());
			assertEquals(5, log.entryCount());
			byte[] got = new byte[d.length];
			log.readData(1, 0, got, 0, got.length);
			assertArrayEquals(d, got);
		}
	}

	static void setSuperEntries(Path f, long n) throws IOException {
		try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
			byte[] b = new byte[8];
			LittleEndian.put64(b, 0, n);
			raf.seek(16);
			raf.write(b);
		}
	}
}
