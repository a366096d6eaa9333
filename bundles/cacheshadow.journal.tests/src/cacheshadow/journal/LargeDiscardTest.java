package cacheshadow.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.layers.Progress;
import cacheshadow.layers.RawFileLayer;

/** Whole-device and hostile discards are ranges, not a version per block, and still read back as zeros. */
class LargeDiscardTest {
	@TempDir
	Path tmp;

	@Test
	void hugeDiscardsCostNothingPerBlockAndReadAsZeros() throws IOException {
		Random rnd = new Random(8);
		int disk = 4 << 20;
		byte[] baseBytes = new byte[disk];
		rnd.nextBytes(baseBytes);
		Path basePath = tmp.resolve("base.img"), logPath = tmp.resolve("d.log");
		Files.write(basePath, baseBytes);
		try (DmLogWritesWriter w = new DmLogWritesWriter(logPath, 512)) {
			for (int i = 0; i < 300; i++) {
				int k = rnd.nextInt(30);
				if (k == 0) w.discard(0, 1L << 31); // "mkfs": the whole (1 TiB) device
				else if (k == 1) w.discard(1L << 40, 1L << 40); // hostile: 2^40 sectors far past the disk
				else if (k == 2) w.discard(rnd.nextInt(disk / 512 - 4096), 2048 + rnd.nextInt(4096)); // 1..3 MiB, unaligned
				else if (k == 3) w.discard(rnd.nextInt(disk / 512 - 8), 1 + rnd.nextInt(8)); // small
				else {
					int n = 1 + rnd.nextInt(24);
					byte[] d = new byte[512 * n];
					rnd.nextBytes(d);
					w.write(rnd.nextInt(disk / 512 - n), d, 0, d.length, 0);
				}
			}
		}
		try (DmLogWritesLog log = DmLogWritesReader.read(logPath); RawFileLayer base = new RawFileLayer(basePath);
				JournalIndex heap = JournalIndex.build(log)) {
			assertTrue(log.damage().isEmpty());
			assertTrue(heap.largeDiscards().length > 5, "large discards: " + heap.largeDiscards().length);
			assertTrue(heap.store().versionCount() < 10_000, "versions: " + heap.store().versionCount());
			Path ip = tmp.resolve("d.csjvix");
			heap.save(ip);
			assertTrue(Files.size(ip) < 1 << 20);
			try (JournalIndex mapped = JournalIndex.openOrBuild(log, ip, Progress.NONE)) {
				for (int n : new int[] { 0, 1, 10, 57, 120, 199, 250, 300 }) {
					byte[] naive = baseBytes.clone();
					NaiveReplay.replay(log, 0, n, naive);
					for (JournalIndex ix : List.of(heap, mapped)) {
						DiskAtInstant d = new DiskAtInstant(base, ix, n, null);
						DiskAtInstantTest.assertLayerEquals(naive, d, "entry:" + n);
						for (int t = 0; t < 100; t++) {
							int off = rnd.nextInt(disk - 8192), len = 1 + rnd.nextInt(8192);
							int want = -1;
							for (int i = 0; i < n; i++) {
								if (log.changesDisk(i) && log.diskOffset(i) < off + len && off < log.diskOffset(i) + log.length(i)) want = i;
							}
							assertEquals(want, ix.latestWrite(off, len, n), "latest write at " + off + "+" + len + " before " + n);
						}
					}
					DiskChanges ch = DiskChanges.between(new DiskAtInstant(base, heap, 0, null), new DiskAtInstant(base, heap, n, null),
							InstantSpec.entry(0).resolve(log, null), InstantSpec.entry(n).resolve(log, null), Progress.NONE);
					assertEquals(heap.largeDiscardsBetween(0, n).size(), ch.largeDiscards().size());
				}
			}
		}
	}
}
