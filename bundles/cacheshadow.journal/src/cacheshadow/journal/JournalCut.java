package cacheshadow.journal;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

import cacheshadow.layers.Extent;
import cacheshadow.layers.Shortfall;
import cacheshadow.layers.TruncatedEvidenceException;
import cacheshadow.listing.Finding;

/**
 * Where a write journal is cut short (its last entry torn or truncated, its tail damaged), as the command line's
 * journal commands and the workbench both treat it: refused unless the examiner accepts a partial journal; then used
 * up to its last whole entry, the bytes after it counted as missing, and every result at an instant that may reach
 * the cut flagged.
 */
public record JournalCut(WriteLog log, LogDamage damage, Shortfall shortfall) {

	/** The cut of {@code log}, empty for a whole journal. */
	public static Optional<JournalCut> of(WriteLog log) throws IOException {
		LogDamage d = log.damage().orElse(null);
		if (d == null) return Optional.empty();
		long size = log.fileSize();
		long cut = Math.min(d.fileOffset(), size);
		return Optional.of(new JournalCut(log, d, new Shortfall(log.name(), size, size - cut, size > cut ? List.of(new Extent(cut, size - cut)) : List.of())));
	}

	/** Why the journal is refused without --partial (exit 2 on the command line, a question in the workbench). */
	public TruncatedEvidenceException refusal() {
		return new TruncatedEvidenceException(damage.file(), String.format("the journal is cut short at entry %d, byte %d (0x%x): %s; only the %d entries before it are whole",
				damage.entryIndex(), damage.fileOffset(), damage.fileOffset(), damage.problem().replaceFirst("^truncated: ", ""), damage.entryIndex()));
	}

	/**
	 * Whether what is read at {@code i} rests on the missing part: an instant that may lie at or past the cut
	 * ({@code end}, a time after the last whole entry, an interval reaching it); {@code entry:N} counts whole entries
	 * and flushes and marks are found among them, so those are exact.
	 */
	public boolean reaches(ResolvedInstant i) {
		return reaches(log, i);
	}

	/** {@link #reaches(ResolvedInstant)} of {@code log}'s cut; false for a whole journal. */
	public static boolean reaches(WriteLog log, ResolvedInstant i) {
		return i != null && log.damage().isPresent() && i.spec().kind() != InstantSpec.Kind.ENTRY && i.upperBound() >= log.entryCount();
	}

	/** The finding a result at an instant the cut reaches gets, at {@code where}. */
	public static Finding finding(WriteLog log, ResolvedInstant i, String where) {
		return new Finding(Finding.Severity.WARNING, "evidence-missing", where, "the instant " + i.spec() + " may lie past the journal's cut (after its "
				+ log.entryCount() + " whole entries): shown as of the last whole entry; writes after it are missing");
	}

	/** e.g. {@code partial journal: writes.log: 100 of 2000 declared bytes missing …; its end is its last whole entry (entry 118)}. */
	@Override
	public String toString() {
		return "partial journal: " + shortfall + "; its end is its last whole entry (entry " + log.entryCount() + ")";
	}
}
