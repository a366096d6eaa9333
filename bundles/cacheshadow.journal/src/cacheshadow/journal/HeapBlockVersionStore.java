package cacheshadow.journal;

import java.util.Arrays;

import cacheshadow.layers.Progress;

/**
 * A {@link BlockVersionStore} in three arrays (compressed-row layout): ascending block numbers, where each block's
 * versions start, and the versions' (entry, mask) pairs. Built from a journal in one pass plus a stable radix
 * sort by block, O(n) in the number of (block, entry) pairs.
 */
public final class HeapBlockVersionStore implements BlockVersionStore {
	final int blockSize;
	final int unitSize;
	final int entryCount;
	final long[] blocks;
	final int[] starts; // blocks.length + 1
	final int[] entries;
	final long[] masks;
	/** Blocks (by position in {@link #blocks}) with more than {@link MaskSummary#G} versions, ascending. */
	final int[] summarized;
	/** Where each summarized block's {@link MaskSummary} levels start in {@link #summary}. */
	final int[] summaryStart;
	final long[] summary;

	HeapBlockVersionStore(int blockSize, int unitSize, int entryCount, long[] blocks, int[] starts, int[] entries, long[] masks) {
		this.blockSize = blockSize;
		this.unitSize = unitSize;
		this.entryCount = entryCount;
		this.blocks = blocks;
		this.starts = starts;
		this.entries = entries;
		this.masks = masks;
		int n = 0, total = 0;
		for (int k = 0; k < blocks.length; k++) {
			int c = starts[k + 1] - starts[k];
			if (c > MaskSummary.G) {
				n++;
				total += MaskSummary.size(c);
			}
		}
		summarized = new int[n];
		summaryStart = new int[n];
		summary = new long[total];
		for (int k = 0, i = 0, at = 0; k < blocks.length; k++) {
			int c = starts[k + 1] - starts[k];
			if (c <= MaskSummary.G) continue;
			summarized[i] = k;
			summaryStart[i++] = at;
			MaskSummary.build(masks, starts[k], c, summary, at);
			at += MaskSummary.size(c);
		}
	}

	/** Indexes every entry of {@code log} that changes the disk, except large discards (see {@link JournalIndex}). */
	public static HeapBlockVersionStore build(WriteLog log, Progress progress) {
		int unit = log.sectorSize();
		int bs = BlockVersionStore.blockSizeFor(unit);
		int n = log.entryCount();
		progress.begin("Indexing " + log.name(), n);
		long pairs = 0; // exact count first: one allocation, no copies
		for (int i = 0; i < n; i++) {
			if (!log.changesDisk(i) || JournalIndex.isLargeDiscard(log, i)) continue;
			long start = log.diskOffset(i), end = start + log.length(i);
			pairs += (end - 1) / bs - start / bs + 1;
		}
		if (pairs > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(log.name() + ": too many block versions for one in-memory index");
		long[] pb = new long[(int) pairs];
		int[] pe = new int[(int) pairs];
		long[] pm = new long[(int) pairs];
		int p = 0;
		long maxBlock = 0;
		for (int i = 0; i < n; i++) {
			if (!log.changesDisk(i) || JournalIndex.isLargeDiscard(log, i)) continue;
			long start = log.diskOffset(i);
			long end = start + log.length(i);
			for (long b = start / bs; b * bs < end; b++) {
				long bStart = b * bs;
				int u0 = (int) ((Math.max(start, bStart) - bStart) / unit);
				int u1 = (int) ((Math.min(end, bStart + bs) - bStart + unit - 1) / unit); // exclusive
				long mask = (u1 - u0 == 64 ? -1L : ((1L << (u1 - u0)) - 1)) << u0;
				pb[p] = b;
				pe[p] = i;
				pm[p] = mask;
				p++;
				if (b > maxBlock) maxBlock = b;
			}
			if ((i & 0xffff) == 0) {
				progress.worked(Math.min(0x10000, n - i));
				progress.checkCanceled();
			}
		}
		int[] order = radixOrder(pb, p, maxBlock);
		int blockCount = 0;
		for (int k = 0; k < p; k++) {
			if (k == 0 || pb[order[k]] != pb[order[k - 1]]) blockCount++;
		}
		long[] blocks = new long[blockCount];
		int[] starts = new int[blockCount + 1];
		int[] entries = new int[p];
		long[] masks = new long[p];
		int bi = -1;
		for (int k = 0; k < p; k++) {
			int o = order[k];
			if (k == 0 || pb[o] != pb[order[k - 1]]) {
				blocks[++bi] = pb[o];
				starts[bi] = k;
			}
			entries[k] = pe[o];
			masks[k] = pm[o];
		}
		starts[blockCount] = p;
		return new HeapBlockVersionStore(bs, unit, n, blocks, starts, entries, masks);
	}

	/**
	 * Stable LSD radix sort of {@code keys[0..n)} (non-negative): the permutation that orders them. Keys and positions
	 * are packed into one long ({@code key << 31 | position}) and sorted by the key bits in 11-bit digits, so every
	 * pass streams through memory; keys too large to pack fall back to sorting positions indirectly.
	 */
	static int[] radixOrder(long[] keys, int n, long maxKey) {
		int bits = 64 - Long.numberOfLeadingZeros(maxKey);
		if (bits > 33) return radixOrderIndirect(keys, n, bits);
		long[] a = new long[n], b = new long[n];
		for (int i = 0; i < n; i++) a[i] = keys[i] << 31 | i;
		int[] count = new int[1 << 11];
		for (int shift = 31; shift < 31 + bits; shift += 11) {
			Arrays.fill(count, 0);
			for (int i = 0; i < n; i++) count[(int) ((a[i] >>> shift) & 0x7ff)]++;
			for (int d = 0, sum = 0; d < count.length; d++) {
				int c = count[d];
				count[d] = sum;
				sum += c;
			}
			for (int i = 0; i < n; i++) b[count[(int) ((a[i] >>> shift) & 0x7ff)]++] = a[i];
			long[] t = a;
			a = b;
			b = t;
		}
		int[] order = new int[n];
		for (int i = 0; i < n; i++) order[i] = (int) (a[i] & 0x7fffffffL);
		return order;
	}

	private static int[] radixOrderIndirect(long[] keys, int n, int bits) {
		int[] a = new int[n];
		for (int i = 0; i < n; i++) a[i] = i;
		int[] b = new int[n];
		int[] count = new int[1 << 16];
		for (int shift = 0; shift < bits; shift += 16) {
			Arrays.fill(count, 0);
			for (int i = 0; i < n; i++) count[(int) ((keys[a[i]] >>> shift) & 0xffff)]++;
			int sum = 0;
			for (int d = 0; d < count.length; d++) {
				int c = count[d];
				count[d] = sum;
				sum += c;
			}
			for (int i = 0; i < n; i++) b[count[(int) ((keys[a[i]] >>> shift) & 0xffff)]++] = a[i];
			int[] t = a;
			a = b;
			b = t;
		}
		return a;
	}

	@Override
	public int blockSize() {
		return blockSize;
	}

	@Override
	public int unitSize() {
		return unitSize;
	}

	@Override
	public int entryCount() {
		return entryCount;
	}

	@Override
	public long writtenBlockCount() {
		return blocks.length;
	}

	@Override
	public long writtenBlock(long k) {
		return blocks[Math.toIntExact(k)];
	}

	@Override
	public long versionCount() {
		return entries.length;
	}

	@Override
	public BlockVersions versions(long block) {
		int k = Arrays.binarySearch(blocks, block);
		if (k < 0) return null;
		int s = starts[k], c = starts[k + 1] - s;
		int si = c > MaskSummary.G ? Arrays.binarySearch(summarized, k) : -1;
		MaskSummary.Longs sum = si < 0 ? null : i -> summary[summaryStart[si] + i];
		MaskSummary.Longs own = i -> masks[s + i];
		return new VersionSlice(block, c, i -> entries[s + i], own, sum);
	}

	@Override
	public void close() {
	}
}
