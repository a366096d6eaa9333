package cacheshadow.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.layers.Progress;
import cacheshadow.layers.RawFileLayer;

class MaskSummaryTest {
	@TempDir
	Path tmp;

	@Test
	void findPrevAgreesWithAScan() throws IOException {
		Random rnd = new Random(1);
		for (int t = 0; t < 300; t++) {
			int count = 1 + rnd.nextInt(t < 200 ? 300 : 6000);
			long[] masks = new long[count + 5];
			for (int i = 0; i < masks.length; i++) masks[i] = rnd.nextInt(4) == 0 ? 1L << rnd.nextInt(8) : rnd.nextLong() & (rnd.nextBoolean() ? 0xfe : 0xff);
			long[] sum = new long[MaskSummary.size(count) + 3];
			MaskSummary.build(masks, 5, count, sum, 3);
			MaskSummary.Longs m = i -> masks[5 + i], s = count > MaskSummary.G ? i -> sum[3 + i] : null;
			for (int q = 0; q < 50; q++) {
				int pos = rnd.nextInt(count + 1);
				long need = rnd.nextInt(3) == 0 ? 1L : rnd.nextLong() & 0xff;
				int want = -1;
				for (int j = pos - 1; j >= 0; j--) if ((masks[5 + j] & need) != 0) {
					want = j;
					break;
				}
				assertEquals(want, MaskSummary.findPrev(m, count, s, pos, need), "count " + count + " pos " + pos + " need " + need);
			}
		}
	}

	/** One sector written once, its neighbours thousands of times: the old sector is found without a long walk. */
	@Test
	void manyPartialWritesToOneBlockResolvePerSector() throws IOException {
		Path logPath = tmp.resolve("p.log"), basePath = tmp.resolve("base.img");
		byte[] baseBytes = new byte[1 << 16];
		new Random(2).nextBytes(baseBytes);
		Files.write(basePath, baseBytes);
		Random rnd = new Random(3);
		try (DmLogWritesWriter w = new DmLogWritesWriter(logPath, 512)) {
			byte[] s = new byte[512];
			rnd.nextBytes(s);
			w.write(0, s, 0, 512, 0);
			for (int i = 0; i < 5000; i++) {
				int n = 1 + rnd.nextInt(3);
				byte[] d = new byte[512 * n];
				rnd.nextBytes(d);
				w.write(1 + rnd.nextInt(8 - n), d, 0, d.length, 0);
			}
		}
		try (DmLogWritesLog log = DmLogWritesReader.read(logPath); RawFileLayer base = new RawFileLayer(basePath);
				JournalIndex heap = JournalIndex.build(log)) {
			Path idx = tmp.resolve("p.csjvix");
			heap.save(idx);
			try (JournalIndex mapped = JournalIndex.openOrBuild(log, idx, Progress.NONE)) {
				assertTrue(mapped.store() instanceof MappedBlockVersionStore);
				for (int n : new int[] { 0, 1, 2, 17, 300, 4097, 5001 }) {
					byte[] naive = baseBytes.clone();
					NaiveReplay.replay(log, 0, n, naive);
					for (JournalIndex ix : java.util.List.of(heap, mapped)) {
						DiskAtInstantTest.assertLayerEquals(naive, new DiskAtInstant(base, ix, n, null), "entry:" + n);
						int want = -1;
						for (int i = 0; i < n; i++) if (log.diskOffset(i) == 0) want = i;
						assertEquals(want, ix.latestWrite(0, 512, n));
					}
				}
			}
		}
	}
}
