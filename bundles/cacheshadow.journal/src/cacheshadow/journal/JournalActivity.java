package cacheshadow.journal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A journal's write activity along an axis, for a timeline chart and its cursor: wall-clock time when the journal or
 * its timing sidecar gives one, else the entry index. Built in one pass over the entries; afterwards a bucket, an
 * axis position and a step to the next write, flush or mark cost a binary search, whatever the journal's length.
 *
 * <p>A position {@code x} on the axis names the state "after every entry completed at or before {@code x}"; entry
 * {@code i}'s own position is when it completed (for a dm-log-writes journal with a sidecar, the estimate between
 * the two samples that bound it). A bucket is {@link TimeQuality#MEASURED} only when every entry counted in it is
 * known to have completed inside it; otherwise its counts are estimates and it says so.
 */
public final class JournalActivity {
	/** What the axis measures. */
	public enum Axis {
		/** Nanoseconds since the epoch. */
		TIME,
		/** Entry counts: position {@code n} is the state after the first {@code n} entries. */
		ENTRY
	}

	/**
	 * Writes (and their bytes) whose completion is placed in {@code [start, end)} of the axis; {@code exactWrites}
	 * and {@code exactBytes} of them are known to have completed inside it (the rest are placed by an interpolated
	 * time). {@code quality} is {@link TimeQuality#MEASURED} when the counts are exact: every counted write surely
	 * inside, and no uncounted one possibly inside.
	 */
	public record Bucket(long start, long end, int writes, long bytes, int exactWrites, long exactBytes, TimeQuality quality) {
	}

	private final Axis axis;
	private final int n;
	/** Axis position of each entry's completion, non-decreasing. */
	private final long[] x;
	/** Bounds of each entry's completion time ({@code (notBefore, notAfter]}); null when times are exact or absent. */
	private final long[] notBefore, notAfter;
	/** Quality of each entry's own time (journals with time of their own); null otherwise. */
	private final TimeQuality[] ownQuality;
	/** Writes and written bytes among the first {@code k} entries (discards, flushes and marks excluded). */
	private final int[] writesBefore;
	private final long[] bytesBefore;
	private final int[] markEntries;
	private final JournalLandmarks landmarks;

	private JournalActivity(Axis axis, long[] x, long[] notBefore, long[] notAfter, TimeQuality[] ownQuality, int[] writesBefore,
			long[] bytesBefore, int[] markEntries, JournalLandmarks landmarks) {
		this.axis = axis;
		this.n = x.length;
		this.x = x;
		this.notBefore = notBefore;
		this.notAfter = notAfter;
		this.ownQuality = ownQuality;
		this.writesBefore = writesBefore;
		this.bytesBefore = bytesBefore;
		this.markEntries = markEntries;
		this.landmarks = landmarks;
	}

	/** The activity of {@code log}; {@code timeline} (may be null) dates a journal that carries no time. */
	public static JournalActivity of(WriteLog log, Timeline timeline, JournalLandmarks landmarks) {
		int n = log.entryCount();
		boolean own = n > 0 && log.epochNanos(0) != WriteLog.NO_TIME;
		Axis axis = own || timeline != null ? Axis.TIME : Axis.ENTRY;
		long[] x = new long[n];
		long[] lo = !own && timeline != null ? new long[n] : null, hi = lo == null ? null : new long[n];
		TimeQuality[] q = own ? new TimeQuality[n] : null;
		int[] writes = new int[n + 1];
		long[] bytes = new long[n + 1];
		int[] marks = new int[16];
		int nMarks = 0;
		long prev = Long.MIN_VALUE;
		for (int i = 0; i < n; i++) {
			long t;
			if (own) {
				t = log.epochNanos(i);
				q[i] = log.timeQuality(i);
			} else if (timeline != null) {
				Timeline.EntryTime et = timeline.timeOfEntry(i);
				t = et.estimateNanos();
				lo[i] = et.notBeforeNanos();
				hi[i] = et.notAfterNanos();
			} else t = i + 1L;
			// a guest-supplied or damaged time must not make the axis go backwards (binary searches rely on order)
			if (t < prev) t = prev;
			x[i] = prev = t;
			int f = log.flags(i);
			boolean write = log.changesDisk(i) && (f & WriteLog.DISCARD) == 0;
			writes[i + 1] = writes[i] + (write ? 1 : 0);
			bytes[i + 1] = bytes[i] + (write ? log.length(i) : 0);
			if ((f & WriteLog.MARK) != 0) {
				if (nMarks == marks.length) marks = Arrays.copyOf(marks, nMarks * 2);
				marks[nMarks++] = i;
			}
		}
		return new JournalActivity(axis, x, lo, hi, q, writes, bytes, Arrays.copyOf(marks, nMarks),
				landmarks != null ? landmarks : JournalLandmarks.of(log));
	}

	public Axis axis() {
		return axis;
	}

	public int entryCount() {
		return n;
	}

	/** The first position of the axis: where the base image stands (the first entry's completion, or 0). */
	public long start() {
		return axis == Axis.ENTRY ? 0 : n == 0 ? 0 : x[0];
	}

	/** The last position of the axis (the last entry's completion). */
	public long end() {
		return axis == Axis.ENTRY ? n : n == 0 ? 0 : x[n - 1];
	}

	/** The axis position of the state after {@code entries} entries ({@link #start()} for none). */
	public long position(int entries) {
		if (entries < 0 || entries > n) throw new IllegalArgumentException("state after " + entries + " entries outside [0, " + n + "]");
		if (axis == Axis.ENTRY) return entries;
		return entries == 0 ? start() : x[entries - 1];
	}

	/** The state at axis position {@code pos}: the number of entries completed at or before it. */
	public int entriesAt(long pos) {
		if (axis == Axis.ENTRY) return (int) Math.max(0, Math.min(n, pos));
		return upperBound(pos);
	}

	/** Number of entries whose position is {@code <= pos}. */
	private int upperBound(long pos) {
		int lo = 0, hi = n;
		while (lo < hi) {
			int m = (lo + hi) >>> 1;
			if (x[m] <= pos) lo = m + 1;
			else hi = m;
		}
		return lo;
	}

	/** Number of entries whose position is {@code < pos}. */
	private int lowerBound(long pos) {
		int lo = 0, hi = n;
		while (lo < hi) {
			int m = (lo + hi) >>> 1;
			if (x[m] < pos) lo = m + 1;
			else hi = m;
		}
		return lo;
	}

	/**
	 * {@code count} equal buckets over {@code [from, to)} of the axis, each with the writes completed in it. Costs
	 * two binary searches per bucket.
	 */
	public List<Bucket> buckets(long from, long to, int count) {
		if (count <= 0 || to <= from) throw new IllegalArgumentException("need count > 0 and from < to");
		List<Bucket> out = new ArrayList<>(count);
		double width = (double) (to - from) / count;
		long s = from;
		int a = axis == Axis.ENTRY ? (int) Math.max(0, Math.min(n, from)) : lowerBound(from);
		for (int k = 0; k < count; k++) {
			long e = k == count - 1 ? to : from + (long) Math.ceil(width * (k + 1));
			if (e <= s) continue;
			// entries [a, b) lie in [s, e); on the entry axis entry i sits at position i + 1
			int b = axis == Axis.ENTRY ? (int) Math.max(0, Math.min(n, e - 1)) : lowerBound(e);
			if (axis == Axis.ENTRY) a = (int) Math.max(0, Math.min(n, s - 1));
			int c = a, d = b; // the exactly placed entries [c, d) of [a, b)
			if (notBefore != null && b > a) {
				c = Math.max(a, firstAtLeast(notBefore, s));
				d = Math.min(b, firstAtLeast(notAfter, e));
			}
			int exactW = d > c ? writesBefore[d] - writesBefore[c] : 0;
			long exactB = d > c ? bytesBefore[d] - bytesBefore[c] : 0;
			if (ownQuality != null) { // own times: per entry
				exactW = 0;
				exactB = 0;
				for (int i = a; i < b; i++) {
					if (ownQuality[i] != TimeQuality.MEASURED) continue;
					exactW += writesBefore[i + 1] - writesBefore[i];
					exactB += bytesBefore[i + 1] - bytesBefore[i];
				}
			}
			out.add(new Bucket(s, e, writesBefore[b] - writesBefore[a], bytesBefore[b] - bytesBefore[a], exactW, exactB, quality(a, b, s, e)));
			a = b;
			s = e;
		}
		return out;
	}

	/** The first index whose value is {@code >= v} in a non-decreasing array. */
	private static int firstAtLeast(long[] values, long v) {
		int lo = 0, hi = values.length;
		while (lo < hi) {
			int m = (lo + hi) >>> 1;
			if (values[m] < v) lo = m + 1;
			else hi = m;
		}
		return lo;
	}

	private TimeQuality quality(int a, int b, long s, long e) {
		if (axis == Axis.ENTRY) return TimeQuality.NONE;
		if (ownQuality != null) {
			TimeQuality worst = TimeQuality.MEASURED;
			for (int i = a; i < b && worst == TimeQuality.MEASURED; i++) worst = ownQuality[i];
			return worst;
		}
		// Exact only if every counted entry surely completed in [s, e) and no uncounted one may have. Bounds are
		// non-decreasing with the entry index, so the counted run's ends and its two neighbours decide.
		if (b > a && (notBefore[a] == Long.MIN_VALUE || notAfter[b - 1] == Long.MAX_VALUE)) return TimeQuality.EXTRAPOLATED;
		boolean counted = b == a || (notBefore[a] >= s && notAfter[b - 1] < e);
		boolean before = a == 0 || notAfter[a - 1] < s;
		boolean after = b == n || notBefore[b] >= e;
		return counted && before && after ? TimeQuality.MEASURED : TimeQuality.INTERPOLATED;
	}

	/** Writes among the first {@code entries} entries. */
	public int writesBefore(int entries) {
		return writesBefore[entries];
	}

	/** Bytes written by the first {@code entries} entries. */
	public long bytesBefore(int entries) {
		return bytesBefore[entries];
	}

	/** The state right after the next write that is not yet applied at {@code entries}, or {@code entries} if none. */
	public int nextWrite(int entries) {
		int k = writesBefore[entries];
		if (k == writesBefore[n]) return entries;
		return firstStateWithWrites(k + 1);
	}

	/** The state right after the last write applied before {@code entries}' own last write, i.e. one write back. */
	public int previousWrite(int entries) {
		if (entries == 0) return 0;
		int k = writesBefore[entries - 1];
		return k == 0 ? 0 : firstStateWithWrites(k);
	}

	private int firstStateWithWrites(int k) {
		int lo = 0, hi = n;
		while (lo < hi) {
			int m = (lo + hi) >>> 1;
			if (writesBefore[m] < k) lo = m + 1;
			else hi = m;
		}
		return lo;
	}

	/** The state right after the next flush entry not yet applied at {@code entries}, or {@code entries} if none. */
	public int nextFlush(int entries) {
		int f = landmarks.flushesBefore(entries);
		return f < landmarks.flushCount() ? landmarks.flushEntry(f + 1) + 1 : entries;
	}

	/** The state right after the flush before the one {@code entries} may sit on, or 0. */
	public int previousFlush(int entries) {
		if (entries == 0) return 0;
		int f = landmarks.flushesBefore(entries - 1);
		return f == 0 ? 0 : landmarks.flushEntry(f) + 1;
	}

	/** The state right after the next mark entry not yet applied, or {@code entries} if none. */
	public int nextMark(int entries) {
		int i = Arrays.binarySearch(markEntries, entries);
		int k = i >= 0 ? i : -i - 1; // first mark entry >= entries
		return k < markEntries.length ? markEntries[k] + 1 : entries;
	}

	/** The state right after the mark before the one {@code entries} may sit on, or 0. */
	public int previousMark(int entries) {
		if (entries == 0) return 0;
		int i = Arrays.binarySearch(markEntries, entries - 1);
		int k = i >= 0 ? i : -i - 1; // marks with entry < entries - 1 are [0, k)
		return k == 0 ? 0 : markEntries[k - 1] + 1;
	}

	/** How the completion time of entry {@code i} is known. */
	public TimeQuality timeQuality(int i) {
		if (axis == Axis.ENTRY) return TimeQuality.NONE;
		if (ownQuality != null) return ownQuality[i];
		if (notBefore[i] == Long.MIN_VALUE || notAfter[i] == Long.MAX_VALUE) return TimeQuality.EXTRAPOLATED;
		return notBefore[i] == notAfter[i] ? TimeQuality.MEASURED : TimeQuality.INTERPOLATED;
	}
}
