package cacheshadow.journal;

/**
 * Block versions (block, entry, unit mask) in the order a parser meets them, appended to the partition of
 * {@link #BLOCKS} consecutive blocks each falls in. Counting versions per block straight into one counter per
 * block of the disk (a million counters for 4 GiB) missed the cache on almost every entry and cost twice what
 * reading the entry headers costs; appending is sequential per partition (fixed-size chunks: nothing is copied as
 * a partition grows), and {@link BlockVersionsBuilder} then sorts each partition by block with a counter array
 * small enough for a core's own cache.
 */
final class VersionPartitions {
	static final int SHIFT = 14;
	/** Blocks per partition: its counters (64 KiB) and its slice of the store stay in a core's cache. */
	static final int BLOCKS = 1 << SHIFT;
	/** Versions per chunk; each takes two longs: {@code entry << SHIFT | block - first block of the partition}, mask. */
	private static final int CHUNK = 4096;
	private static final long[][] NO_CHUNKS = new long[0][];

	private long[][][] chunks = new long[0][][];
	private int[] size = new int[0];

	void add(long block, int entryIndex, long unitMask) {
		int p = (int) (block >>> SHIFT);
		if (p >= size.length) grow(p + 1);
		int n = size[p], c = n / CHUNK, k = 2 * (n % CHUNK);
		long[][] cs = chunks[p];
		if (c == cs.length) {
			cs = chunks[p] = java.util.Arrays.copyOf(cs, c + 1);
			cs[c] = new long[2 * CHUNK];
		}
		long[] chunk = cs[c];
		chunk[k] = (long) entryIndex << SHIFT | (block & (BLOCKS - 1));
		chunk[k + 1] = unitMask;
		size[p] = n + 1;
	}

	private void grow(int partitions) {
		int old = size.length;
		chunks = java.util.Arrays.copyOf(chunks, partitions);
		size = java.util.Arrays.copyOf(size, partitions);
		for (int p = old; p < partitions; p++) chunks[p] = NO_CHUNKS;
	}

	int partitions() {
		return size.length;
	}

	int size(int p) {
		return p < size.length ? size[p] : 0;
	}

	/** Appends {@code later}'s versions, whose entry indices count from {@code entryOffset} here. */
	void append(VersionPartitions later, int entryOffset) {
		for (int p = 0; p < later.size.length; p++) {
			for (int n = 0; n < later.size[p]; n++) {
				long[] chunk = later.chunks[p][n / CHUNK];
				long key = chunk[2 * (n % CHUNK)];
				add(((long) p << SHIFT) + (key & (BLOCKS - 1)), (int) (key >>> SHIFT) + entryOffset, chunk[2 * (n % CHUNK) + 1]);
			}
		}
	}

	/**
	 * Partition {@code p}'s versions, this one's then {@code later}'s (may be null; its entry indices plus
	 * {@code laterFrom}), sorted by block (stable: entries stay ascending within a block) into {@code entries} and
	 * {@code masks} from {@code at}. {@code counts} is {@link #BLOCKS} zeros and is left so. Returns the distinct
	 * blocks' lows, each followed by its first slot (relative to {@code at}), as pairs.
	 */
	int[] sortInto(int p, VersionPartitions later, int laterFrom, int[] counts, int[] entries, long[] masks, int at) {
		int n1 = size(p), n2 = later == null ? 0 : later.size(p);
		if (n1 + n2 == 0) return new int[0];
		count(p, n1, counts);
		if (n2 > 0) later.count(p, n2, counts);
		int distinct = 0;
		for (int b = 0; b < BLOCKS; b++) if (counts[b] != 0) distinct++;
		int[] blocks = new int[2 * distinct];
		for (int b = 0, d = 0, slot = 0; b < BLOCKS; b++) {
			int c = counts[b];
			if (c == 0) continue;
			blocks[d++] = b;
			blocks[d++] = slot;
			counts[b] = slot; // from here on: the block's next free slot
			slot += c;
		}
		place(p, n1, 0, counts, entries, masks, at);
		if (n2 > 0) later.place(p, n2, laterFrom, counts, entries, masks, at);
		for (int d = 0; d < blocks.length; d += 2) counts[blocks[d]] = 0;
		return blocks;
	}

	private void count(int p, int n, int[] counts) {
		long[][] cs = chunks[p];
		for (int c = 0; c * CHUNK < n; c++) {
			long[] chunk = cs[c];
			for (int k = 0, end = 2 * Math.min(CHUNK, n - c * CHUNK); k < end; k += 2) counts[(int) (chunk[k] & (BLOCKS - 1))]++;
		}
	}

	private void place(int p, int n, int entryOffset, int[] next, int[] entries, long[] masks, int at) {
		long[][] cs = chunks[p];
		for (int c = 0; c * CHUNK < n; c++) {
			long[] chunk = cs[c];
			for (int k = 0, end = 2 * Math.min(CHUNK, n - c * CHUNK); k < end; k += 2) {
				long key = chunk[k];
				int s = at + next[(int) (key & (BLOCKS - 1))]++;
				entries[s] = (int) (key >>> SHIFT) + entryOffset;
				masks[s] = chunk[k + 1];
			}
		}
	}
}
