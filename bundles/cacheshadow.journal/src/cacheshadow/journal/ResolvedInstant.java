package cacheshadow.journal;

import java.time.Instant;

/**
 * An {@link InstantSpec} tied to a journal: the disk after {@code entryCount} entries. {@code epochNanos} is the
 * wall-clock time of that state when known ({@link WriteLog#NO_TIME} otherwise) and {@code timeQuality} says how it
 * is known; for {@code time:} instants it qualifies the entry count instead (measured when no entry completed
 * between the samples around the time, else interpolated between {@code lowerBound} and {@code upperBound}).
 */
public record ResolvedInstant(InstantSpec spec, int entryCount, int lowerBound, int upperBound, long epochNanos,
		TimeQuality timeQuality, String description) {

	static ResolvedInstant resolve(InstantSpec spec, WriteLog log, Timeline timeline, JournalLandmarks landmarks) {
		int n = log.entryCount();
		switch (spec.kind()) {
		case END:
			return at(spec, n, log, timeline, "after all " + n + " entries");
		case ENTRY: {
			if (spec.number() > n) throw new IllegalArgumentException(spec + " is past the end of " + log.name() + " (" + n + " entries)");
			return at(spec, (int) spec.number(), log, timeline, "after " + spec.number() + " of " + n + " entries");
		}
		case FLUSH: {
			if (spec.number() == 0) return at(spec, 0, log, timeline, "before any entry");
			JournalLandmarks lm = landmarks != null ? landmarks : JournalLandmarks.of(log);
			if (spec.number() > lm.flushCount()) throw new IllegalArgumentException(spec + ": " + log.name() + " has only " + lm.flushCount() + " flushes");
			int i = lm.flushEntry((int) spec.number());
			return at(spec, i + 1, log, timeline, "after flush " + spec.number() + " (entry " + i + ")");
		}
		case MARK: {
			JournalLandmarks lm = landmarks != null ? landmarks : JournalLandmarks.of(log);
			int i = lm.firstMark(spec.text());
			if (i < 0) throw new IllegalArgumentException(spec + ": no such mark in " + log.name());
			return at(spec, i + 1, log, timeline, "after mark '" + spec.text() + "' (entry " + i + ")");
		}
		case TIME: {
			long t = spec.epochNanos();
			if (timeline != null) {
				Timeline.CountAt c = timeline.entriesAt(t, n);
				String d = switch (c.quality()) {
				case MEASURED -> c.entries() + " entries complete (measured: no entry completed between the samples around it)";
				case INTERPOLATED -> c.entries() + " entries complete (interpolated between " + c.lowerBound() + " and " + c.upperBound() + " at the samples around it)";
				default -> c.entries() + " entries complete (outside the samples: between " + c.lowerBound() + " and " + c.upperBound() + ")";
				};
				return new ResolvedInstant(spec, c.entries(), c.lowerBound(), c.upperBound(), t, c.quality(), d);
			}
			if (n > 0 && log.epochNanos(0) != WriteLog.NO_TIME) {
				int lo = 0, hi = n; // entries with time <= t (journal times are non-decreasing)
				while (lo < hi) {
					int m = (lo + hi) >>> 1;
					if (log.epochNanos(m) <= t) lo = m + 1;
					else hi = m;
				}
				TimeQuality q = TimeQuality.MEASURED; // as good as the journal times around it
				if (lo > 0 && log.timeQuality(lo - 1) != TimeQuality.MEASURED) q = log.timeQuality(lo - 1);
				if (lo < n && log.timeQuality(lo) != TimeQuality.MEASURED) q = log.timeQuality(lo);
				return new ResolvedInstant(spec, lo, lo, lo, t, q, lo + " entries recorded at or before it (journal times, " + q.word() + ")");
			}
			throw new IllegalArgumentException(spec + ": " + log.name() + " carries no time; give its timing sidecar (timeline.tsv)");
		}
		default:
			throw new AssertionError(spec);
		}
	}

	private static ResolvedInstant at(InstantSpec spec, int count, WriteLog log, Timeline timeline, String what) {
		if (count == 0) return new ResolvedInstant(spec, 0, 0, 0, WriteLog.NO_TIME, TimeQuality.NONE, what);
		long own = log.epochNanos(count - 1);
		if (own != WriteLog.NO_TIME) {
			TimeQuality q = log.timeQuality(count - 1);
			return new ResolvedInstant(spec, count, count, count, own, q, what + ", at " + iso(own) + " (journal time, " + q.word() + ")");
		}
		if (timeline != null) {
			Timeline.EntryTime et = timeline.timeOfEntry(count - 1);
			return new ResolvedInstant(spec, count, count, count, et.estimateNanos(), et.quality(),
					what + ", ~" + iso(et.estimateNanos()) + " (" + et.quality().word() + ")");
		}
		return new ResolvedInstant(spec, count, count, count, WriteLog.NO_TIME, TimeQuality.NONE, what + " (no time: the journal has none and no sidecar)");
	}

	public static String iso(long epochNanos) {
		return Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L), Math.floorMod(epochNanos, 1_000_000_000L)).toString();
	}

	@Override
	public String toString() {
		return spec + " = " + description;
	}
}
