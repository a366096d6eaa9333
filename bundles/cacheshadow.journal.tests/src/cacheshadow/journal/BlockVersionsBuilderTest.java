package cacheshadow.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import cacheshadow.layers.Progress;

/**
 * The index built while a log is parsed (partitions of blocks each counting-sorted, or the radix-sorted fallback for sparse blocks) is the
 * index a plain per-entry model gives, on whole, cut and corrupted logs, and its file is byte for byte the one
 * built from the parsed log.
 */
class BlockVersionsBuilderTest {
	@TempDir
	Path tmp;

	/** block → (entry, mask) versions, the obvious way. */
	static TreeMap<Long, List<long[]>> model(WriteLog log) {
		TreeMap<Long, List<long[]>> m = new TreeMap<>();
		int bs = BlockVersionStore.blockSizeFor(log.sectorSize()), us = log.sectorSize();
		for (int i = 0; i < log.entryCount(); i++) {
			if (!log.changesDisk(i) || JournalIndex.isLargeDiscard(log, i)) continue;
			long s = log.diskOffset(i), e = s + log.length(i);
			for (long b = s / bs; b * bs < e; b++) {
				long mask = 0;
				for (int u = 0; u < bs / us; u++) {
					long us0 = b * bs + (long) u * us;
					if (us0 < e && s < us0 + us) mask |= 1L << u;
				}
				m.computeIfAbsent(b, k -> new ArrayList<>()).add(new long[] { i, mask });
			}
		}
		return m;
	}

	static void assertStoreIs(TreeMap<Long, List<long[]>> model, BlockVersionStore store, String what) throws IOException {
		assertEquals(model.size(), store.writtenBlockCount(), what + ": blocks");
		assertEquals(model.values().stream().mapToLong(List::size).sum(), store.versionCount(), what + ": versions");
		int k = 0;
		for (Map.Entry<Long, List<long[]>> e : model.entrySet()) {
			assertEquals(e.getKey(), store.writtenBlock(k++), what);
			BlockVersions v = store.versions(e.getKey());
			assertEquals(e.getValue().size(), v.count(), what + ": block " + e.getKey());
			for (int j = 0; j < v.count(); j++) {
				assertEquals(e.getValue().get(j)[0], v.entry(j), what + ": block " + e.getKey() + " version " + j);
				assertEquals(e.getValue().get(j)[1], v.mask(j), what + ": block " + e.getKey() + " version " + j);
			}
		}
		assertNull(store.versions(model.isEmpty() ? 0 : model.lastKey() + 1));
	}

	/** Writes here and there, some at offsets that make the blocks too sparse for a counter each. */
	static Path crafted(Path file, int sectorSize, long seed, int n, long farSector) throws IOException {
		Random rnd = new Random(seed);
		try (DmLogWritesWriter w = new DmLogWritesWriter(file, sectorSize)) {
			for (int i = 0; i < n; i++) {
				int k = rnd.nextInt(12);
				if (k == 0) w.flush();
				else if (k == 1 && sectorSize >= 64) w.mark("m" + i);
				else if (k == 2) w.discard(rnd.nextInt(5000), 1 + rnd.nextInt(40));
				else if (k == 3) w.discard(0, (2L << 20) / sectorSize + rnd.nextInt(100)); // large: a range, not indexed per block
				else {
					byte[] d = new byte[sectorSize * (1 + rnd.nextInt(Math.max(1, 20000 / sectorSize)))];
					long at = farSector > 0 && k == 4 ? farSector + rnd.nextInt(1000) : rnd.nextInt(30000 / (sectorSize / 32));
					w.write(at, d, 0, d.length, 0);
				}
			}
		}
		return file;
	}

	@ParameterizedTest
	@ValueSource(longs = { 0, 1L << 38, 1L << 50 }) // dense; sparse, radix on packed keys; sparse, blocks too large to pack
	void fusedIndexIsTheModelsAndWritesTheSameFile(long farByte) throws IOException {
		for (int sectorSize : new int[] { 32, 512, 4096 }) {
			Path f = crafted(tmp.resolve("c" + sectorSize + ".log"), sectorSize, sectorSize + farByte, 400, farByte / sectorSize);
			String what = "sector " + sectorSize + ", far " + farByte;
			Path fused = tmp.resolve("fused.csjvix"), plain = tmp.resolve("plain.csjvix");
			Files.deleteIfExists(fused);
			try (JournalIndex inMemory = JournalIndex.readAndIndex(f, null, Progress.NONE); WriteLog log = inMemory.log();
					JournalIndex mapped = JournalIndex.readAndIndex(f, fused, Progress.NONE); WriteLog log2 = mapped.log()) {
				assertTrue(log.damage().isEmpty(), what);
				TreeMap<Long, List<long[]>> model = model(log);
				assertTrue(model.size() > 100, what);
				BlockVersionsBuilder direct = new BlockVersionsBuilder();
				direct.start(log.sectorSize(), 0);
				for (int i = 0; i < log.entryCount(); i++) direct.accept(log.diskOffset(i), log.length(i), log.flags(i));
				assertEquals(farByte == 0, direct.partitioned(), what + ": which way the store is laid out");
				assertStoreIs(model, direct.build(log), what + ", built from the log");
				assertStoreIs(model, inMemory.store(), what + ", in memory");
				assertStoreIs(model, mapped.store(), what + ", mapped");
				JournalIndex.build(log).save(plain);
				assertArrayEquals(Files.readAllBytes(plain), Files.readAllBytes(fused), what + ": index files");
			}
		}
	}

	/** Cut and corrupted logs: the fused index covers exactly the kept entries, and the damage is the plain reader's. */
	@Test
	void damagedLogsIndexTheirValidPrefix() throws IOException {
		Path f = crafted(tmp.resolve("d.log"), 512, 9, 300, 0);
		byte[] all = Files.readAllBytes(f);
		Random rnd = new Random(10);
		for (int t = 0; t < 60; t++) {
			byte[] bad = t % 2 == 0 ? Arrays.copyOf(all, 512 + rnd.nextInt(all.length - 512)) : all.clone();
			if (t % 2 == 1) bad[512 + rnd.nextInt(all.length - 512)] ^= (byte) (1 + rnd.nextInt(255)); // header or data
			Path b = tmp.resolve("bad.log");
			Files.write(b, bad);
			try (DmLogWritesLog plain = DmLogWritesReader.read(b); JournalIndex fused = JournalIndex.readAndIndex(b, null, Progress.NONE);
					WriteLog log = fused.log()) {
				String what = "trial " + t;
				assertEquals(plain.entryCount(), log.entryCount(), what);
				assertEquals(plain.damage(), log.damage(), what);
				assertEquals(plain.validBytes(), log.validBytes(), what);
				assertStoreIs(model(plain), fused.store(), what);
			}
		}
	}

	/**
	 * A second walk from anywhere (a header, data, a header's padding, past the damage) gives the same entries,
	 * damage and index as one walk; most splits hand over, and a split that lands in data which looks like
	 * entries is passed over and still parses the same.
	 */
	@Test
	void splittingDoesNotChangeTheParse() throws IOException {
		Path f = crafted(tmp.resolve("k.log"), 512, 11, 200, 0);
		byte[] all = Files.readAllBytes(f);
		Random rnd = new Random(12);
		for (int t = 0; t < 40; t++) {
			byte[] bad = Arrays.copyOf(all, t == 0 ? all.length : 512 + rnd.nextInt(all.length - 512));
			if (t % 3 == 1) bad[512 + rnd.nextInt(bad.length - 512)] ^= 0x40;
			Path b = tmp.resolve("k" + t + ".log");
			Files.write(b, bad);
			try (DmLogWritesLog ref = DmLogWritesReader.read(b, Progress.NONE, EntrySink.NONE, size -> 0)) {
				TreeMap<Long, List<long[]>> model = model(ref);
				if (t == 0) {
					long mid = ref.headerOffset(ref.entryCount() / 2);
					try (cacheshadow.layers.MappedFile mf = cacheshadow.layers.MappedFile.open(b)) {
						assertEquals(mid, SecondHalfWalk.findEntry(mf, 512, mid - 300), "the guess is the next header");
					}
				}
				for (int k = 0; k < 12; k++) {
					long at = k == 0 && ref.entryCount() > 0 ? ref.headerOffset(ref.entryCount() / 2) : 1 + rnd.nextInt(bad.length);
					String what = "trial " + t + " split at " + at;
					BlockVersionsBuilder versions = new BlockVersionsBuilder();
					try (DmLogWritesLog log = DmLogWritesReader.read(b, Progress.NONE, versions, size -> at)) {
						assertSameParse(ref, log, what);
						assertStoreIs(model, versions.build(log), what);
					}
				}
			}
			Files.delete(b);
		}
	}

	/**
	 * Versions across many partitions of blocks and past a partition's first chunk, fed in parts (as parsers on
	 * several threads feed them), in any number of parts: the store is the model's.
	 */
	@Test
	void partsAcrossPartitionsGiveTheModelsStore() throws IOException {
		Path f = tmp.resolve("wide.log");
		Random rnd = new Random(5);
		try (DmLogWritesWriter w = new DmLogWritesWriter(f, 512)) {
			byte[] d = new byte[4096 * 3];
			for (int i = 0; i < 30_000; i++) {
				int len = 512 * (1 + rnd.nextInt(24)); // partial and multi-block writes
				long block = i % 3 == 0 ? rnd.nextInt(64) : rnd.nextInt(300_000); // a hot partition (many chunks) and 19 others
				w.write(block * 8 + rnd.nextInt(8), d, 0, len, 0);
				if (i % 1000 == 0) w.flush();
			}
		}
		try (DmLogWritesLog log = DmLogWritesReader.read(f, Progress.NONE, EntrySink.NONE, size -> 0)) {
			TreeMap<Long, List<long[]>> model = model(log);
			assertTrue(model.lastKey() > 16 * (1 << 14), "blocks in many partitions: " + model.lastKey());
			int n = log.entryCount();
			for (int parts : new int[] { 1, 2, 3, 7 }) {
				BlockVersionsBuilder first = new BlockVersionsBuilder();
				first.start(512, n);
				List<BlockVersionsBuilder> later = new ArrayList<>();
				for (int k = 0; k < parts; k++) {
					BlockVersionsBuilder sink = k == 0 ? first : first.part();
					if (k > 0) later.add(sink);
					for (int i = k * n / parts; i < (k + 1) * n / parts; i++) sink.accept(log.diskOffset(i), log.length(i), log.flags(i));
				}
				for (BlockVersionsBuilder p : later) first.absorb(p);
				assertTrue(first.partitioned(), "dense");
				assertStoreIs(model, first.build(log), parts + " parts");
			}
		}
	}

	/** Entries whose data is itself a run of valid-looking entries: a guess inside it is wrong, the parse is not. */
	@Test
	void entriesInsideDataMisleadTheGuessNotTheParse() throws IOException {
		Path inner = tmp.resolve("inner.log");
		try (DmLogWritesWriter w = new DmLogWritesWriter(inner, 512)) {
			for (int i = 0; i < 3 * SecondHalfWalk.CHAIN; i++) w.write(100 + i, new byte[1024], 0, 1024, 0);
		}
		byte[] fake = Arrays.copyOfRange(Files.readAllBytes(inner), 512, 512 + 3 * SecondHalfWalk.CHAIN * 1536);
		Path f = tmp.resolve("outer.log");
		try (DmLogWritesWriter w = new DmLogWritesWriter(f, 512)) {
			w.write(7, new byte[4096], 0, 4096, 0);
			w.write(5000, fake, 0, fake.length, 0); // data that looks like entries from its first sector on
			w.write(9, new byte[4096], 0, 4096, 0);
		}
		long fakeAt = 512 + (512 + 4096) + 512, afterFake = fakeAt + fake.length;
		try (cacheshadow.layers.MappedFile mf = cacheshadow.layers.MappedFile.open(f)) {
			assertEquals(fakeAt, SecondHalfWalk.findEntry(mf, 512, fakeAt - 511), "a guess taken in by the data");
			assertEquals(afterFake, SecondHalfWalk.findEntry(mf, 512, afterFake - 511), "a guess right after it");
		}
		try (DmLogWritesLog ref = DmLogWritesReader.read(f, Progress.NONE, EntrySink.NONE, size -> 0)) {
			assertEquals(3, ref.entryCount());
			for (long at : new long[] { fakeAt - 511, fakeAt + 1536, afterFake - 511 }) {
				try (DmLogWritesLog log = DmLogWritesReader.read(f, Progress.NONE, EntrySink.NONE, size -> at)) {
					assertSameParse(ref, log, "split at " + at);
				}
			}
		}
	}

	static void assertSameParse(DmLogWritesLog ref, DmLogWritesLog log, String what) {
		assertEquals(ref.entryCount(), log.entryCount(), what);
		assertEquals(ref.damage(), log.damage(), what);
		assertEquals(ref.validBytes(), log.validBytes(), what);
		for (int i = 0; i < ref.entryCount(); i++) {
			assertEquals(ref.headerOffset(i), log.headerOffset(i), what);
			assertEquals(ref.diskOffset(i), log.diskOffset(i), what);
			assertEquals(ref.length(i), log.length(i), what);
			assertEquals(ref.flags(i), log.flags(i), what);
			assertEquals(ref.mark(i), log.mark(i), what);
		}
	}

	@Test
	void blockMajorSortIsAStableSortByBlock() {
		Random rnd = new Random(13);
		for (int t = 0; t < 200; t++) {
			int n = rnd.nextInt(3000);
			long max = switch (t % 4) {
			case 0 -> 1 + rnd.nextInt(50);
			case 1 -> 1L << (11 + rnd.nextInt(12)); // one, two or three radix passes
			case 2 -> (1L << 33) - 1;
			default -> Long.MAX_VALUE >> 12; // too large to pack: sorted by position
			};
			long[] blocks = new long[n + 3], masks = new long[n + 3];
			int[] entries = new int[n + 3];
			for (int i = 0; i < n; i++) {
				blocks[i] = (long) (rnd.nextDouble() * max);
				entries[i] = i;
				masks[i] = rnd.nextLong();
			}
			long[][] want = new long[n][];
			for (int i = 0; i < n; i++) want[i] = new long[] { blocks[i], entries[i], masks[i] };
			Arrays.sort(want, (a, b) -> Long.compare(a[0], b[0])); // stable
			BlockMajorSort.sort(blocks, entries, t % 5 == 0 ? null : masks, n, max);
			for (int i = 0; i < n; i++) {
				assertEquals(want[i][0], blocks[i], "trial " + t + " at " + i);
				assertEquals(want[i][1], entries[i], "trial " + t + " at " + i);
				if (t % 5 != 0) assertEquals(want[i][2], masks[i], "trial " + t + " at " + i);
			}
		}
	}
}
