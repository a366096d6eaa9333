package cacheshadow.journal;

import java.util.Arrays;

/**
 * Sorts (block, entry, mask) triples, held in parallel arrays, by block number, stably: triples generated in
 * entry order come out grouped by block with each block's entries still ascending, which is the layout of a
 * {@link BlockVersionStore}.
 *
 * <p>Why a radix sort that moves the triples themselves: ordering a permutation and then gathering the arrays
 * through it costs a cache miss per triple and array, which for a million-write journal took longer than parsing
 * it. Here block and entry are packed into one long ({@code block << 31 | entry}) and the packed keys and the masks
 * are scattered together, digit by digit, so every pass streams through memory. Block numbers too large to pack
 * (a hostile or exabyte-sized disk) fall back to sorting positions and gathering.
 */
final class BlockMajorSort {
	private static final int MAX_DIGIT_BITS = 11;
	private static final int PACKABLE_BLOCK_BITS = 33;

	private BlockMajorSort() {
	}

	/**
	 * Sorts triples {@code [0, n)} by {@code blocks[i]} (non-negative, at most {@code maxBlock}), stably, in place.
	 * {@code entries} are non-negative; {@code masks} may be null.
	 */
	static void sort(long[] blocks, int[] entries, long[] masks, int n, long maxBlock) {
		if (n == 0) return;
		int bits = 64 - Long.numberOfLeadingZeros(maxBlock);
		if (bits > PACKABLE_BLOCK_BITS) {
			sortIndirect(blocks, entries, masks, n, bits);
			return;
		}
		long[] keys = blocks; // packed in place: one scratch array fewer to allocate and fault in
		for (int i = 0; i < n; i++) keys[i] = blocks[i] << 31 | entries[i];
		long[] keysTmp = new long[n];
		long[] sortedMasksHome = masks;
		long[] masksTmp = masks == null ? null : new long[n];
		int passes = Math.max(1, (bits + MAX_DIGIT_BITS - 1) / MAX_DIGIT_BITS);
		int digitBits = Math.max(1, (bits + passes - 1) / passes);
		int radix = 1 << digitBits, digitMask = radix - 1;
		int[][] counts = new int[passes][radix];
		for (int i = 0; i < n; i++) { // all digits' histograms in one pass
			long k = keys[i] >>> 31;
			for (int p = 0; p < passes; p++) counts[p][(int) (k >>> (p * digitBits)) & digitMask]++;
		}
		for (int p = 0; p < passes; p++) {
			int[] c = counts[p];
			int shift = 31 + p * digitBits;
			if (c[(int) (keys[0] >>> shift) & digitMask] == n) continue; // one digit value: nothing to move
			for (int d = 0, sum = 0; d < radix; d++) {
				int v = c[d];
				c[d] = sum;
				sum += v;
			}
			for (int i = 0; i < n; i++) {
				int at = c[(int) (keys[i] >>> shift) & digitMask]++;
				keysTmp[at] = keys[i];
				if (masks != null) masksTmp[at] = masks[i];
			}
			long[] t = keys;
			keys = keysTmp;
			keysTmp = t;
			if (masks != null) {
				t = masks;
				masks = masksTmp;
				masksTmp = t;
			}
		}
		for (int i = 0; i < n; i++) {
			long k = keys[i];
			blocks[i] = k >>> 31;
			entries[i] = (int) (k & 0x7fffffffL);
		}
		if (masks != sortedMasksHome) System.arraycopy(masks, 0, sortedMasksHome, 0, n); // odd number of moves
	}

	/** Stable LSD sort of positions by 16-bit digits of the block, then a gather. */
	private static void sortIndirect(long[] blocks, int[] entries, long[] masks, int n, int bits) {
		int[] a = new int[n], b = new int[n];
		for (int i = 0; i < n; i++) a[i] = i;
		int[] count = new int[1 << 16];
		for (int shift = 0; shift < bits; shift += 16) {
			Arrays.fill(count, 0);
			for (int i = 0; i < n; i++) count[(int) ((blocks[a[i]] >>> shift) & 0xffff)]++;
			for (int d = 0, sum = 0; d < count.length; d++) {
				int c = count[d];
				count[d] = sum;
				sum += c;
			}
			for (int i = 0; i < n; i++) b[count[(int) ((blocks[a[i]] >>> shift) & 0xffff)]++] = a[i];
			int[] t = a;
			a = b;
			b = t;
		}
		long[] sb = new long[n];
		int[] se = new int[n];
		for (int i = 0; i < n; i++) {
			sb[i] = blocks[a[i]];
			se[i] = entries[a[i]];
		}
		System.arraycopy(sb, 0, blocks, 0, n);
		System.arraycopy(se, 0, entries, 0, n);
		if (masks != null) {
			long[] sm = new long[n];
			for (int i = 0; i < n; i++) sm[i] = masks[a[i]];
			System.arraycopy(sm, 0, masks, 0, n);
		}
	}
}
