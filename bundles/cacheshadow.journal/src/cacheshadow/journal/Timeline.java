package cacheshadow.journal;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import cacheshadow.layers.EvidenceFormatException;

/**
 * The timing sidecar of a journal that carries no time (dm-log-writes): samples of host wall-clock time and the
 * number of complete log entries at that moment ({@code timeline.tsv} of the evidence generator: columns
 * {@code host_epoch} and {@code entries_complete}, optional {@code event} and {@code detail}). Times between samples
 * are interpolated linearly and say so ({@link TimeQuality}).
 */
public final class Timeline implements java.io.Serializable {
	private static final long serialVersionUID = 1L;
	/** One measured sample: at {@code epochNanos}, {@code entries} entries were complete. */
	public record Sample(long epochNanos, int entries, String event, String detail) implements java.io.Serializable {
	}

	/** When entry {@code i} became complete: in {@code (notBefore, notAfter]}, best estimate {@code estimate}. */
	public record EntryTime(long estimateNanos, long notBeforeNanos, long notAfterNanos, TimeQuality quality) {
	}

	/** Entries complete at a time: between {@code lowerBound} and {@code upperBound}, best estimate {@code entries}. */
	public record CountAt(int entries, int lowerBound, int upperBound, TimeQuality quality) {
	}

	private final String source;
	private final List<Sample> samples;
	private final long[] times;
	private final int[] counts;

	public Timeline(String source, List<Sample> samples) {
		if (samples.isEmpty()) throw new IllegalArgumentException(source + ": no samples");
		List<Sample> s = new ArrayList<>(samples);
		s.sort((a, b) -> Long.compare(a.epochNanos, b.epochNanos));
		this.source = source;
		this.samples = Collections.unmodifiableList(s);
		times = new long[s.size()];
		counts = new int[s.size()];
		int max = 0;
		for (int i = 0; i < s.size(); i++) {
			times[i] = s.get(i).epochNanos;
			max = Math.max(max, s.get(i).entries); // a count never decreases; keep the envelope
			counts[i] = max;
		}
	}

	/** Reads a {@code timeline.tsv}; the header names the columns. */
	public static Timeline read(Path path) throws IOException {
		List<String> lines;
		try {
			lines = Files.readAllLines(path);
		} catch (IOException e) {
			throw new EvidenceFormatException(path, "cannot be read (" + e.getMessage() + ")");
		}
		if (lines.isEmpty()) throw new EvidenceFormatException(path, "empty timing sidecar");
		List<String> head = List.of(lines.get(0).split("\t", -1));
		int ct = head.indexOf("host_epoch"), ce = head.indexOf("entries_complete");
		int cv = head.indexOf("event"), cd = head.indexOf("detail");
		if (ct < 0 || ce < 0) throw new EvidenceFormatException(path, "timing sidecar needs host_epoch and entries_complete columns");
		List<Sample> out = new ArrayList<>();
		for (int i = 1; i < lines.size(); i++) {
			if (lines.get(i).isBlank()) continue;
			String[] f = lines.get(i).split("\t", -1);
			try {
				long t = new BigDecimal(f[ct]).movePointRight(9).longValueExact();
				int n = Integer.parseInt(f[ce]);
				if (n < 0) throw new NumberFormatException("negative");
				out.add(new Sample(t, n, cv >= 0 && cv < f.length ? f[cv] : "", cd >= 0 && cd < f.length ? f[cd] : ""));
			} catch (RuntimeException e) {
				throw new EvidenceFormatException(path, "line " + (i + 1) + ": bad sample (" + e.getMessage() + ")");
			}
		}
		if (out.isEmpty()) throw new EvidenceFormatException(path, "timing sidecar has no samples");
		return new Timeline(path.toString(), out);
	}

	public String source() {
		return source;
	}

	public List<Sample> samples() {
		return samples;
	}

	/**
	 * The first sample of {@code event} whose detail starts with {@code detailPrefix}, e.g. the evidence generator's
	 * {@code qmp} / {@code stopped} (the guest paused for its memory snapshot).
	 */
	public java.util.Optional<Sample> firstEvent(String event, String detailPrefix) {
		return samples.stream().filter(s -> s.event().equals(event) && s.detail().startsWith(detailPrefix)).findFirst();
	}

	/** When entry {@code i} (0-based) became complete. */
	public EntryTime timeOfEntry(int i) {
		int need = i + 1;
		// first sample with count >= need
		int hi = lowerBoundCount(need);
		if (hi == times.length) {
			long last = times[times.length - 1];
			return new EntryTime(last, last, Long.MAX_VALUE, TimeQuality.EXTRAPOLATED);
		}
		if (hi == 0) return new EntryTime(times[0], Long.MIN_VALUE, times[0], TimeQuality.EXTRAPOLATED);
		int lo = hi - 1; // count[lo] < need <= count[hi]
		long t0 = times[lo], t1 = times[hi];
		double frac = (double) (need - counts[lo]) / (counts[hi] - counts[lo]);
		long est = t0 + Math.round((t1 - t0) * frac);
		return new EntryTime(est, t0, t1, TimeQuality.INTERPOLATED);
	}

	private int lowerBoundCount(int need) {
		int lo = 0, hi = counts.length;
		while (lo < hi) {
			int m = (lo + hi) >>> 1;
			if (counts[m] < need) lo = m + 1;
			else hi = m;
		}
		return lo;
	}

	/** Entries complete at {@code epochNanos}, interpolated between the samples around it. */
	public CountAt entriesAt(long epochNanos, int logEntries) {
		// last sample at or before the time
		int lo = -1, a = 0, b = times.length - 1;
		while (a <= b) {
			int m = (a + b) >>> 1;
			if (times[m] <= epochNanos) {
				lo = m;
				a = m + 1;
			} else b = m - 1;
		}
		if (lo < 0) {
			int c = Math.min(counts[0], logEntries);
			return new CountAt(0, 0, c, c == 0 ? TimeQuality.MEASURED : TimeQuality.EXTRAPOLATED);
		}
		int cLo = Math.min(counts[lo], logEntries);
		if (times[lo] == epochNanos) return new CountAt(cLo, cLo, cLo, TimeQuality.MEASURED);
		if (lo == times.length - 1) {
			return cLo >= logEntries ? new CountAt(cLo, cLo, cLo, TimeQuality.MEASURED)
					: new CountAt(cLo, cLo, logEntries, TimeQuality.EXTRAPOLATED);
		}
		int cHi = Math.min(counts[lo + 1], logEntries);
		if (cHi == cLo) return new CountAt(cLo, cLo, cLo, TimeQuality.MEASURED);
		double frac = (double) (epochNanos - times[lo]) / (times[lo + 1] - times[lo]);
		int est = cLo + (int) Math.floor((cHi - cLo) * frac);
		return new CountAt(est, cLo, cHi, TimeQuality.INTERPOLATED);
	}
}
