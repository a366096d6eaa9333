package cacheshadow.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.journal.DiskAtInstant;
import cacheshadow.journal.DiskHistory;
import cacheshadow.journal.FileChanges;
import cacheshadow.layers.Progress;
import cacheshadow.listing.FileRecord;

/**
 * What {@code replay} and {@code changes} share: opening the base image + journal (+ timing sidecar), and reading
 * ext4 at an instant as a mount would (jbd2 applied in memory) with a mount prefix on its paths.
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

	/** ext4 on the disk at an instant, journal replayed unless {@code --no-journal-replay}. */
	static Ext4FileSystem ext4(DiskAtInstant disk, Args a) throws IOException {
		return Ext4FileSystem.open(disk, a.flag("no-journal-replay") ? Ext4FileSystem.Options.AS_IT_LIES : Ext4FileSystem.Options.REPLAYED);
	}

	static List<FileRecord> listing(Ext4FileSystem fs, String prefix) throws IOException {
		return fs.listing(prefix, true);
	}

	/** File contents of a listing made with {@code prefix}, for {@link FileChanges}. */
	static FileChanges.Content content(Ext4FileSystem fs, String prefix) {
		return (path, offset, buf, off, len) -> {
			String inFs = prefix.equals("/") ? path : path.substring(prefix.length());
			if (inFs.isEmpty()) inFs = "/";
			return fs.open(fs.lookup(inFs)).read(offset, buf, off, len);
		};
	}
}
