package cacheshadow.merge;

import java.io.IOException;
import java.util.List;

import cacheshadow.journal.DiskHistory;
import cacheshadow.journal.FileChanges;
import cacheshadow.journal.ResolvedInstant;
import cacheshadow.layers.Progress;
import cacheshadow.listing.FileRecord;

/** The file-level changes between two instants, as {@code ./cacheshadow changes} prints them. */
public final class InstantChanges {
	private InstantChanges() {
	}

	/**
	 * Lists ext4 at {@code a} and at {@code b} (both hashed: {@link InstantTree#listing}) and diffs them with
	 * {@link FileChanges#diff}, byte ranges included for regular files whose content changed.
	 */
	public static List<FileChanges.FileChange> between(DiskHistory h, ResolvedInstant a, ResolvedInstant b, String mountPrefix, boolean replayJournal,
			Progress p) throws IOException {
		try (InstantTree x = InstantTree.open(h, a, mountPrefix, replayJournal); InstantTree y = InstantTree.open(h, b, mountPrefix, replayJournal)) {
			return between(x, y, p);
		}
	}

	/** As above, on two open trees. */
	public static List<FileChanges.FileChange> between(InstantTree x, InstantTree y, Progress p) throws IOException {
		List<FileRecord> before = x.listing(true, p), after = y.listing(true, p);
		return FileChanges.diff(before, after, x.content(), y.content());
	}
}
