package cacheshadow.cli;

import java.nio.file.Path;

import cacheshadow.journal.DiskHistory;
import cacheshadow.layers.Progress;

/**
 * The options {@code replay} and {@code changes} share: the base image + journal (+ timing sidecar, index file), the
 * mount prefix and whether jbd2 is replayed. Reading ext4 at an instant is {@link cacheshadow.merge.InstantTree}'s.
 */
final class JournalOptions {
	static final java.util.Set<String> OPTIONS = java.util.Set.of("disk", "journal", "timeline", "index", "mount-prefix");

	private JournalOptions() {
	}

	static DiskHistory open(Args a, Progress p) throws Exception {
		Path timeline = a.path("timeline");
		return DiskHistory.open(a.requiredPath("disk"), a.requiredPath("journal"), timeline, a.path("index"), p);
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
