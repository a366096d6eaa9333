package cacheshadow.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import cacheshadow.journal.DiskHistory;
import cacheshadow.journal.InstantSpec;
import cacheshadow.journal.LogDamage;
import cacheshadow.journal.ResolvedInstant;
import cacheshadow.journal.WriteLog;
import cacheshadow.layers.Extent;
import cacheshadow.layers.Progress;
import cacheshadow.layers.Shortfall;
import cacheshadow.layers.TruncatedEvidenceException;

/**
 * The options {@code replay} and {@code changes} share: the base image + journal (+ timing sidecar, index file), the
 * mount prefix and whether jbd2 is replayed. Reading ext4 at an instant is {@link cacheshadow.merge.InstantTree}'s.
 */
final class JournalOptions {
	static final java.util.Set<String> OPTIONS = java.util.Set.of("disk", "journal", "timeline", "index", "mount-prefix");

	private JournalOptions() {
	}

	/** The --partial option as every command that reads a write journal describes it. */
	static final String PARTIAL_USAGE = """
			  --partial         use a journal cut short (its last entry torn or truncated, its tail damaged) up to
			                    its last whole entry: a summary says where it is cut and how many bytes after that
			                    are not used, and every result at an instant the cut may reach ('end', a time after
			                    the last whole entry) is flagged ('missing' column 'journal', an evidence-missing
			                    finding). Without it such a journal is refused (exit 2)""";

	/** The journal's history; a journal cut short is refused unless --partial ({@link #cut}). */
	static DiskHistory open(Args a, Progress p) throws Exception {
		Path timeline = a.path("timeline");
		DiskHistory h = DiskHistory.open(a.requiredPath("disk"), a.requiredPath("journal"), timeline, a.path("index"), p);
		try {
			cut(h.journal(), a.flag("partial"));
			return h;
		} catch (IOException | RuntimeException e) {
			h.close();
			throw e;
		}
	}

	/**
	 * Where {@code log} is cut short, as analyze --partial says it of a snapshot ({@link PartialSummary}): of the
	 * file's bytes, those after its last whole entry are the missing ones (a torn entry's part, a damaged tail); null
	 * for a whole journal. Refused as evidence cut short ({@link TruncatedEvidenceException}: exit 2 and the hint to
	 * add --partial) unless {@code partial}.
	 */
	static Shortfall cut(WriteLog log, boolean partial) throws IOException {
		LogDamage d = log.damage().orElse(null);
		if (d == null) return null;
		Path file = Path.of(d.file());
		if (!partial) {
			throw new TruncatedEvidenceException(file, String.format("the journal is cut short at entry %d, byte %d (0x%x): %s; only the %d entries before it are whole",
					d.entryIndex(), d.fileOffset(), d.fileOffset(), d.problem().replaceFirst("^truncated: ", ""), d.entryIndex()));
		}
		long size = Files.size(file);
		long cut = Math.min(d.fileOffset(), size);
		return new Shortfall(log.name(), size, size - cut, size > cut ? List.of(new Extent(cut, size - cut)) : List.of());
	}

	/**
	 * Whether what is read at {@code i} of a journal cut short rests on its missing part: an instant that may lie at
	 * or past the cut ({@code end}, a time after the last whole entry, an interval reaching it); {@code entry:N}
	 * counts whole entries and flushes and marks are found among them, so those are exact.
	 */
	static boolean reachesCut(WriteLog log, ResolvedInstant i) {
		return log.damage().isPresent() && i.spec().kind() != InstantSpec.Kind.ENTRY && i.upperBound() >= log.entryCount();
	}

	/** The finding a result at an instant the cut reaches gets, at {@code where}. */
	static cacheshadow.listing.Finding cutFinding(WriteLog log, ResolvedInstant i, String where) {
		return new cacheshadow.listing.Finding(cacheshadow.listing.Finding.Severity.WARNING, "evidence-missing", where, "the instant " + i.spec()
				+ " may lie past the journal's cut (after its " + log.entryCount() + " whole entries): shown as of the last whole entry; writes after it are missing");
	}

	static String prefix(Args a) {
		String p = a.option("mount-prefix", "/");
		return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
	}

	/** jbd2 replayed in memory (as a mount would) unless {@code --no-journal-replay}. */
	static boolean replayJbd2(Args a) {
		return !a.flag("no-journal-replay");
	}
}
