package cacheshadow.journal;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * The flushes and marks of a journal, found in one pass, so {@code flush:K} and {@code mark:TEXT} resolve in O(1)
 * instead of a scan of the whole journal per query.
 */
public final class JournalLandmarks {
	private final int[] flushes;
	private final Map<String, Integer> firstMark;

	private JournalLandmarks(int[] flushes, Map<String, Integer> firstMark) {
		this.flushes = flushes;
		this.firstMark = firstMark;
	}

	public static JournalLandmarks of(WriteLog log) {
		int[] f = new int[64];
		int n = 0;
		Map<String, Integer> marks = new HashMap<>();
		for (int i = 0; i < log.entryCount(); i++) {
			int flags = log.flags(i);
			if ((flags & WriteLog.FLUSH) != 0) {
				if (n == f.length) f = Arrays.copyOf(f, n * 2);
				f[n++] = i;
			}
			if ((flags & WriteLog.MARK) != 0) marks.putIfAbsent(log.mark(i), i);
		}
		return new JournalLandmarks(Arrays.copyOf(f, n), Collections.unmodifiableMap(marks));
	}

	public int flushCount() {
		return flushes.length;
	}

	/** Entry index of the {@code k}-th flush (1-based). */
	public int flushEntry(int k) {
		return flushes[k - 1];
	}

	/** Number of flushes among the first {@code entryLimit} entries. */
	public int flushesBefore(int entryLimit) {
		int lo = 0, hi = flushes.length;
		while (lo < hi) {
			int m = (lo + hi) >>> 1;
			if (flushes[m] < entryLimit) lo = m + 1;
			else hi = m;
		}
		return lo;
	}

	/** Entry index of the first mark with this text, or -1. */
	public int firstMark(String text) {
		return firstMark.getOrDefault(text, -1);
	}

	/** Mark texts and the entry index of each one's first occurrence. */
	public Map<String, Integer> marks() {
		return firstMark;
	}
}
