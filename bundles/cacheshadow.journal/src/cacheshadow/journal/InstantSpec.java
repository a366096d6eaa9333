package cacheshadow.journal;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * A named instant of a journal, as the CLI and the workbench accept it:
 * <ul>
 * <li>{@code entry:N} — after the first N entries (the count {@code rounds.tsv} gives);</li>
 * <li>{@code flush:K} — after the K-th flush entry (1-based; {@code flush:0} = before any entry);</li>
 * <li>{@code mark:TEXT} — after the first MARK entry whose text is TEXT;</li>
 * <li>{@code time:ISO} — the entries complete at that wall-clock time: ISO-8601 ({@code 2026-11-23T14:09:38.2Z},
 * an offset, or no zone = UTC) or {@code @EPOCH_SECONDS[.fraction]};</li>
 * <li>{@code end} — after every valid entry.</li>
 * </ul>
 */
public record InstantSpec(Kind kind, long number, String text, long epochNanos) {
	public enum Kind {
		ENTRY, FLUSH, MARK, TIME, END
	}

	public static InstantSpec end() {
		return new InstantSpec(Kind.END, 0, null, 0);
	}

	public static InstantSpec entry(long n) {
		return new InstantSpec(Kind.ENTRY, n, null, 0);
	}

	/** Parses an instant name; the message of the exception says what is accepted. */
	public static InstantSpec parse(String s) {
		if (s == null) throw new IllegalArgumentException("no instant given");
		String t = s.strip();
		if (t.equals("end")) return end();
		int c = t.indexOf(':');
		if (c < 0) throw bad(s);
		String kind = t.substring(0, c).toLowerCase(Locale.ROOT), arg = t.substring(c + 1);
		try {
			switch (kind) {
			case "entry":
				return new InstantSpec(Kind.ENTRY, nonNegative(arg), null, 0);
			case "flush":
				return new InstantSpec(Kind.FLUSH, nonNegative(arg), null, 0);
			case "mark":
				if (arg.isEmpty()) throw bad(s);
				return new InstantSpec(Kind.MARK, 0, arg, 0);
			case "time":
				return new InstantSpec(Kind.TIME, 0, arg, parseTime(arg));
			default:
				throw bad(s);
			}
		} catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
			throw new IllegalArgumentException("bad instant '" + s + "': " + e.getMessage() + " (" + FORMS + ")");
		}
	}

	static final String FORMS = "use entry:N, flush:K, mark:TEXT, time:ISO-8601 or time:@EPOCH, or end";

	private static IllegalArgumentException bad(String s) {
		return new IllegalArgumentException("bad instant '" + s + "': " + FORMS);
	}

	private static long nonNegative(String a) {
		long v = Long.parseLong(a.strip());
		if (v < 0) throw new NumberFormatException("negative");
		return v;
	}

	/** Nanoseconds since the epoch of an ISO-8601 time (no zone = UTC) or {@code @seconds[.fraction]}. */
	static long parseTime(String a) {
		String t = a.strip();
		if (t.startsWith("@") || t.matches("[0-9]+(\\.[0-9]+)?")) {
			return new BigDecimal(t.startsWith("@") ? t.substring(1) : t).movePointRight(9).setScale(0, java.math.RoundingMode.FLOOR).longValueExact();
		}
		Instant i;
		try {
			i = OffsetDateTime.parse(t).toInstant();
		} catch (DateTimeParseException e) {
			i = LocalDateTime.parse(t.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
		}
		return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000_000L), i.getNano());
	}

	/**
	 * Resolves this instant against a journal and, for times, its sidecar (or the journal's own times). Flushes and
	 * marks are found by a scan; resolve many with {@link #resolve(WriteLog, Timeline, JournalLandmarks)}.
	 */
	public ResolvedInstant resolve(WriteLog log, Timeline timeline) {
		return ResolvedInstant.resolve(this, log, timeline, null);
	}

	/** As {@link #resolve(WriteLog, Timeline)}, with the journal's flushes and marks already found (O(1)). */
	public ResolvedInstant resolve(WriteLog log, Timeline timeline, JournalLandmarks landmarks) {
		return ResolvedInstant.resolve(this, log, timeline, landmarks);
	}

	@Override
	public String toString() {
		return switch (kind) {
		case ENTRY -> "entry:" + number;
		case FLUSH -> "flush:" + number;
		case MARK -> "mark:" + text;
		case TIME -> "time:" + text;
		case END -> "end";
		};
	}
}
