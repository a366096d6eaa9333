package cacheshadow.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.Layer;
import cacheshadow.layers.RawFileLayer;
import cacheshadow.layers.UnmappedAddressException;

class DiskAtInstantTest {
	@TempDir
	Path tmp;

	static void assertLayerEquals(byte[] expected, Layer layer, String what) throws IOException {
		assertEquals(expected.length, layer.size(), what + ": size");
		byte[] got = new byte[1 << 20];
		for (int off = 0; off < expected.length; off += got.length) {
			int n = Math.min(got.length, expected.length - off);
			layer.read(off, got, 0, n);
			if (!Arrays.equals(expected, off, off + n, got, 0, n)) {
				int k = Arrays.mismatch(Arrays.copyOfRange(expected, off, off + n), Arrays.copyOf(got, n));
				fail(String.format("%s: first difference at byte 0x%x", what, (long) off + k));
			}
		}
	}

	@Test
	void replayingAllOfEachSampleGivesDiskImg() throws IOException {
		for (Path set : Samples.sets()) {
			try (DmLogWritesLog log = DmLogWritesReader.read(set.resolve("writes.log"));
					RawFileLayer base = new RawFileLayer(set.resolve("disk.base.img"));
					JournalIndex idx = JournalIndex.build(log)) {
				byte[] disk = Files.readAllBytes(set.resolve("disk.img"));
				ResolvedInstant end = InstantSpec.end().resolve(log, null);
				assertLayerEquals(disk, new DiskAtInstant(base, idx, end), set.getFileName() + " end (heap index)");
				Path f = tmp.resolve(set.getFileName() + ".csjvix");
				idx.save(f);
				try (JournalIndex mapped = JournalIndex.openOrBuild(log, f, cacheshadow.layers.Progress.NONE)) {
					assertTrue(mapped.store() instanceof MappedBlockVersionStore);
					assertLayerEquals(disk, new DiskAtInstant(base, mapped, end), set.getFileName() + " end (mapped index)");
				}
			}
		}
	}

	@Test
	void everyRoundsEntryCountEqualsANaiveReplay() throws IOException {
		for (Path set : Samples.sets()) {
			try (DmLogWritesLog log = DmLogWritesReader.read(set.resolve("writes.log"));
					RawFileLayer base = new RawFileLayer(set.resolve("disk.base.img"));
					JournalIndex idx = JournalIndex.build(log)) {
				byte[] naive = Files.readAllBytes(set.resolve("disk.base.img"));
				int done = 0;
				List<String[]> rounds = Samples.tsv(set.resolve("rounds.tsv"));
				assertTrue(rounds.size() >= 6, set + ": rounds");
				for (String[] r : rounds) {
					int n = Integer.parseInt(r[2]);
					NaiveReplay.replay(log, done, n, naive);
					done = n;
					ResolvedInstant at = InstantSpec.parse("entry:" + n).resolve(log, null);
					assertLayerEquals(naive, new DiskAtInstant(base, idx, at), set.getFileName() + " round " + r[0] + " entry:" + n);
				}
			}
		}
	}

	@Test
	void roundTimesResolveToTheRoundsEntryCounts() throws IOException {
		for (Path set : Samples.sets()) {
			Timeline tl = Timeline.read(set.resolve("timeline.tsv"));
			try (DmLogWritesLog log = DmLogWritesReader.read(set.resolve("writes.log"))) {
				for (String[] r : Samples.tsv(set.resolve("rounds.tsv"))) {
					ResolvedInstant at = InstantSpec.parse("time:@" + r[1]).resolve(log, tl);
					assertEquals(Integer.parseInt(r[2]), at.entryCount(), set.getFileName() + " round " + r[0] + ": " + at);
					assertEquals(TimeQuality.MEASURED, at.timeQuality(), at.toString());
				}
				// Each entry's time lies within the samples around it.
				for (int i = 0; i < log.entryCount(); i++) {
					Timeline.EntryTime t = tl.timeOfEntry(i);
					assertTrue(t.notBeforeNanos() <= t.estimateNanos() && t.estimateNanos() <= t.notAfterNanos(), "entry " + i);
				}
			}
		}
	}

	/** Random unaligned writes and discards vs. a naive replay, at random instants and random read ranges. */
	@ParameterizedTest
	@ValueSource(ints = { 32, 512, 4096, 8192 })
	void unalignedWritesResolvePerSector(int sectorSize) throws IOException {
		Random rnd = new Random(sectorSize);
		int diskBytes = 1 << 20;
		byte[] baseBytes = new byte[diskBytes];
		rnd.nextBytes(baseBytes);
		Path basePath = tmp.resolve("base.img");
		Files.write(basePath, baseBytes);
		Path logPath = tmp.resolve("u.log");
		int sectors = diskBytes / sectorSize;
		try (DmLogWritesWriter w = new DmLogWritesWriter(logPath, sectorSize)) {
			for (int i = 0; i < 400; i++) {
				int k = rnd.nextInt(20);
				if (k == 0) w.flush();
				else if (k == 1 && sectorSize >= 64) w.mark("m" + i);
				else if (k == 2) w.discard(rnd.nextInt(sectors - 4), 1 + rnd.nextInt(3));
				else {
					int n = 1 + rnd.nextInt(Math.max(1, Math.min(sectors / 4, 20000 / sectorSize)));
					long s = rnd.nextInt(sectors - n);
					if (k < 8) s = rnd.nextInt(4) * (4096L / Math.min(4096, sectorSize)); // hot spot: rewrite the first blocks
					byte[] d = new byte[n * sectorSize];
					rnd.nextBytes(d);
					w.write(s, d, 0, d.length, 0);
				}
			}
		}
		try (DmLogWritesLog log = DmLogWritesReader.read(logPath); RawFileLayer base = new RawFileLayer(basePath);
				JournalIndex heap = JournalIndex.build(log)) {
			assertTrue(log.damage().isEmpty());
			Path idxFile = tmp.resolve("u.csjvix");
			heap.save(idxFile);
			try (JournalIndex mapped = JournalIndex.openOrBuild(log, idxFile, cacheshadow.layers.Progress.NONE)) {
				int[] instants = { 0, 1, 7, 50, 123, 200, 299, 333, 399, 400 };
				for (int n : instants) {
					byte[] naive = baseBytes.clone();
					NaiveReplay.replay(log, 0, n, naive);
					for (JournalIndex idx : List.of(heap, mapped)) {
						DiskAtInstant d = new DiskAtInstant(base, idx, n, null);
						assertLayerEquals(naive, d, "sector " + sectorSize + " entry:" + n);
						for (int t = 0; t < 200; t++) {
							int off = rnd.nextInt(diskBytes), len = rnd.nextInt(Math.min(20000, diskBytes - off) + 1);
							byte[] got = new byte[len + 3];
							d.read(off, got, 3, len);
							assertArrayEquals(Arrays.copyOfRange(naive, off, off + len), Arrays.copyOfRange(got, 3, 3 + len),
									"sector " + sectorSize + " entry:" + n + " read " + off + "+" + len);
						}
					}
					// latestWrite agrees with a scan
					for (int t = 0; t < 50; t++) {
						long off = rnd.nextInt(diskBytes - 4096), len = 1 + rnd.nextInt(4096);
						int want = -1;
						for (int i = 0; i < n; i++) {
							if (log.changesDisk(i) && log.diskOffset(i) < off + len && off < log.diskOffset(i) + log.length(i)) want = i;
						}
						assertEquals(want, heap.latestWrite(off, len, n));
						assertEquals(want, mapped.latestWrite(off, len, n));
					}
				}
				// changed blocks agree with a scan
				for (int t = 0; t < 20; t++) {
					int a = rnd.nextInt(401), b = a + rnd.nextInt(401 - a);
					java.util.TreeMap<Long, Integer> want = new java.util.TreeMap<>();
					for (int i = a; i < b; i++) {
						if (!log.changesDisk(i)) continue;
						for (long blk = log.diskOffset(i) / 4096; blk * 4096 < log.diskOffset(i) + log.length(i); blk++) want.merge(blk, 1, Integer::sum);
					}
					List<BlockChange> got = heap.changedBlocks(a, b);
					assertEquals(want.size(), got.size());
					for (BlockChange c : got) assertEquals(want.get(c.block()), c.writes());
				}
			}
		}
	}

	@Test
	void readsOutsideTheDiskAreHolesAndForeignIndexesAreRefused() throws IOException {
		Path set = Samples.sets().get(0);
		try (DmLogWritesLog log = DmLogWritesReader.read(set.resolve("writes.log"));
				RawFileLayer base = new RawFileLayer(set.resolve("disk.base.img")); JournalIndex idx = JournalIndex.build(log)) {
			DiskAtInstant d = new DiskAtInstant(base, idx, 5, null);
			assertThrows(UnmappedAddressException.class, () -> d.read(d.size() - 10, new byte[20], 0, 20));
			assertThrows(IllegalArgumentException.class, () -> new DiskAtInstant(base, idx, log.entryCount() + 1, null));
			Path f = tmp.resolve("i.csjvix");
			idx.save(f);
			Path other = DmLogWritesReaderTest.craft(tmp.resolve("o.log"), 512, 1, 30);
			try (DmLogWritesLog o = DmLogWritesReader.read(other)) {
				EvidenceFormatException e = assertThrows(EvidenceFormatException.class, () -> MappedBlockVersionStore.open(f, o));
				assertTrue(e.getMessage().contains("another journal"), e.getMessage());
			}
		}
	}
}
