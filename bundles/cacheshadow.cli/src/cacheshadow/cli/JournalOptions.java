package cacheshadow.cli;

import java.io.IOException;
import java.nio.file.Path;

import cacheshadow.journal.DiskHistory;
import cacheshadow.journal.JournalCut;
import cacheshadow.journal.WriteLog;
import cacheshadow.layers.Progress;
import cacheshadow.layers.Shortfall;

/**
 * The options {@code replay} and {@code changes} share: the base image + journal (+ timing sidecar, index file), the
 * mount prefix and whether jbd2 is replayed. Reading ext4 at an instant is {@link cacheshadow.merge.InstantTree}'s.
 */
final class JournalOptions {
	static final java.util.Set<String> OPTIONS = java.util.Set.of("disk", "journal", "timeline", "index", "mount-prefix");

	private JournalOptions() {
	}

	/** The --partial option as every command that reads a write journal and writes a manifest describes it. */
	static final String PARTIAL_USAGE = partialUsage("an evidence-missing finding and 'journal' in the 'missing' column");
	/** The same for a command without a manifest ({@code changes}). */
	static final String PARTIAL_USAGE_NO_MANIFEST = partialUsage("an evidence-missing finding");

	private static String partialUsage(String flag) {
		return """
				  --partial         use a journal cut short (its last entry torn or truncated, its tail damaged) up to
				                    its last whole entry: a summary says where it is cut and how many bytes after that
				                    are not used, and every result at an instant the cut may reach ('end', a time after
				                    the last whole entry) is flagged with
				                    %s.
				                    Without it such a journal is refused (exit 2)\
				""".formatted(flag);
	}

	/** The journal's history; a journal cut short is refused unless --partial ({@link #cut}). */
	static DiskHistory open(Args a, Progress p) throws Exception {
		Path timeline = a.path("timeline");
		DiskHistory h = DiskHistory.open(a.requiredPath("disk"), a.required("journal"), timeline, a.path("index"), p);
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
	 * file's bytes, those after its last whole entry are the missing ones ({@link JournalCut}); null for a whole
	 * journal. Refused as evidence cut short ({@link cacheshadow.layers.TruncatedEvidenceException}: exit 2 and the hint
	 * to add --partial) unless {@code partial}.
	 */
	static Shortfall cut(WriteLog log, boolean partial) throws IOException {
		JournalCut c = JournalCut.of(log).orElse(null);
		if (c == null) return null;
		if (!partial) throw c.refusal();
		return c.shortfall();
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
