package cacheshadow.journal;

import java.io.IOException;

/**
 * OR-summaries over one block's version masks, so "the newest version before position p that wrote any of these
 * sectors" is found in O(G log_G V) instead of a walk back over every partial write (the guarantee behind
 * {@link DiskAtInstant}'s per-sector resolution). Level 1 holds the OR of each group of {@link #G} masks, level 2 the
 * OR of each group of G level-1 summaries, and so on until a level has at most G values. Blocks with at most G
 * versions need no summary. Like the nodes of a state history tree, a summary tells which sectors a whole range of
 * history touched, so a query skips ranges that cannot hold the answer.
 */
final class MaskSummary {
	static final int G = 16;

	/** Reads the {@code i}-th long of some array (heap or mapped file). */
	interface Longs {
		long at(int i) throws IOException;
	}

	private MaskSummary() {
	}

	/** Number of summary longs for {@code count} versions (0 when {@code count <= G}). */
	static int size(int count) {
		int total = 0;
		for (int len = count; len > G;) {
			len = (len + G - 1) / G;
			total += len;
		}
		return total;
	}

	/** Builds the levels (1, 2, ...) for {@code masks[from, from+count)}, flattened, into {@code out[at...]}. */
	static void build(long[] masks, int from, int count, long[] out, int at) {
		int prevStart = -1, prevLen = count;
		int w = at;
		while (prevLen > G) {
			int len = (prevLen + G - 1) / G;
			for (int k = 0; k < len; k++) {
				long or = 0;
				for (int c = k * G; c < Math.min(prevLen, k * G + G); c++) or |= prevStart < 0 ? masks[from + c] : out[prevStart + c];
				out[w + k] = or;
			}
			prevStart = w;
			w += len;
			prevLen = len;
		}
	}

	/**
	 * The largest version index {@code j < pos} whose mask intersects {@code need}, or -1. {@code masks} gives the
	 * block's masks (index 0 = its first version), {@code summary} its flattened levels (null if none).
	 */
	static int findPrev(Longs masks, int count, Longs summary, int pos, long need) throws IOException {
		if (summary == null || count <= G) {
			for (int j = pos - 1; j >= 0; j--) if ((masks.at(j) & need) != 0) return j;
			return -1;
		}
		int[] start = new int[8], len = new int[8]; // level L values: summary[start[L] + i], L >= 1; level 0 = masks
		int levels = 0;
		for (int l = count, s = 0; l > G;) {
			l = (l + G - 1) / G;
			levels++;
			start[levels] = s;
			len[levels] = l;
			s += l;
		}
		len[0] = count;
		int level = 0, h = pos;
		while (h > 0) {
			int gs = level == levels ? 0 : ((h - 1) / G) * G;
			for (int j = h - 1; j >= gs; j--) {
				if ((value(masks, summary, start, level, j) & need) != 0) return descend(masks, summary, start, len, level, j, need);
			}
			if (gs == 0) return -1;
			h = gs / G;
			level++;
		}
		return -1;
	}

	private static int descend(Longs masks, Longs summary, int[] start, int[] len, int level, int j, long need) throws IOException {
		while (level > 0) {
			int cs = j * G, ce = Math.min(cs + G, len[level - 1]);
			int found = -1;
			for (int k = ce - 1; k >= cs; k--) {
				if ((value(masks, summary, start, level - 1, k) & need) != 0) {
					found = k;
					break;
				}
			}
			if (found < 0) throw new cacheshadow.layers.EvidenceFormatException("block version index", "mask summary inconsistent with its masks (damaged index)");
			j = found;
			level--;
		}
		return j;
	}

	private static long value(Longs masks, Longs summary, int[] start, int level, int i) throws IOException {
		return level == 0 ? masks.at(i) : summary.at(start[level] + i);
	}
}
