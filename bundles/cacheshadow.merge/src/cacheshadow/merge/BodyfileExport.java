package cacheshadow.merge;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import cacheshadow.layers.AtomicFile;
import cacheshadow.listing.FileRecord;

/**
 * One view as a body file in The Sleuth Kit's format ({@code fls -m}, TSK 3.0+), for {@code mactime}:
 * {@code MD5|name|inode|mode_as_string|UID|GID|size|atime|mtime|ctime|crtime}, one line per path in byte order. MD5 is
 * {@code 0} (as {@code fls} writes it: not computed; the DFXML export has the SHA-256), crtime the inode's creation time
 * ({@link MergedFileSystem#crtime}: the cached inode's, else the disk's) or {@code 0} where none holds it, a symbolic link's name is {@code PATH -> TARGET} as {@code fls} writes it. Names are the model's text
 * form ({@link cacheshadow.listing.GuestName}); a {@code |} in one, which would split the line, is written
 * {@code \x7c} (the text form's own escape, so {@code GuestName.raw} still gives the guest's bytes).
 *
 * <p>
 * The times are the view's: in the merged view the cached inode's wherever the guest's caches hold the path, so a
 * file created, written or touched only in memory shows its new times although the disk still holds older ones. A
 * second file says which: {@code SOURCES} (TSV, header {@code line path times_from disk_atime disk_mtime disk_ctime
 * cache_differs}), one row per body-file line in the same order ({@code line} counts from 1): {@code times_from} is
 * {@code cache} or {@code disk}; {@code disk_*} the disk-only view's times of the path ({@code -} where the disk lacks
 * it or no disk was given); {@code cache_differs} the times the line holds from the cache that differ from the disk's
 * ({@code atime,mtime,ctime} in that order), {@code not-on-disk} for a path of the disk's file system that only the
 * caches have, or {@code -} (also for the paths of file systems no disk holds: tmpfs, proc, the initramfs).
 */
public final class BodyfileExport {
	public static final String SOURCES_HEADER = "line\tpath\ttimes_from\tdisk_atime\tdisk_mtime\tdisk_ctime\tcache_differs";

	/** What the export wrote: lines, and of them the ones whose times came from the caches and differ from the disk's. */
	public record Result(int lines, int fromCache, int cacheDiffers) {
	}

	private BodyfileExport() {
	}

	/** The crtime column: seconds, or 0 where no inode holds it (as {@code fls} writes a file system without one). */
	private static long crtime(MergedFileSystem m, View view, String path) {
		MergedFileSystem.Crtime c = m.crtime(view, path);
		return c == null ? 0 : c.seconds();
	}

	/** Writes the view of {@code m} to {@code out} and the sources table to {@code sources}, each whole or not at all. */
	public static Result write(MergedFileSystem m, View view, Path out, Path sources) throws IOException {
		ViewTree tree = m.tree(view);
		ViewTree disk = m.views().get(View.DISK_ONLY);
		List<FileRecord> rows = tree.listing(false);
		java.util.Set<Long> diskFileSystems = new java.util.HashSet<>();
		for (MergedFileSystem.DiskMatch d : m.disks()) diskFileSystems.add(d.mount().superBlock());
		List<String> source = new ArrayList<>(rows.size());
		int[] counts = new int[2];
		AtomicFile.writeText(out, w -> {
			int line = 0;
			for (FileRecord r : rows) {
				line++;
				String name = field(r.path()) + (r.symlinkTarget() != null && r.type() == cacheshadow.listing.FileType.SYMLINK ? " -> " + field(r.symlinkTarget()) : "");
				w.write("0|" + name + "|" + r.inode() + "|" + modeString(r) + "|" + r.uid() + "|" + r.gid() + "|" + r.size() + "|" + r.atime() + "|" + r.mtime()
						+ "|" + r.ctime() + "|" + crtime(m, view, r.path()) + "\n");
				boolean cached = view == View.CACHE_ONLY || (view == View.MERGED && tree.fromCache(r.path()));
				FileRecord d = disk == null ? null : disk.getattr(r.path());
				String differs = "-";
				if (cached) {
					counts[0]++;
					// a path of a file system the disk does not hold (tmpfs, proc, the initramfs) has no disk side to differ from
					if (disk != null && d == null && diskFileSystems.contains(tree.node(r.path()).superBlock())) differs = "not-on-disk";
					else if (d != null) {
						List<String> c = new ArrayList<>();
						if (d.atime() != r.atime()) c.add("atime");
						if (d.mtime() != r.mtime()) c.add("mtime");
						if (d.ctime() != r.ctime()) c.add("ctime");
						if (!c.isEmpty()) differs = String.join(",", c);
					}
					if (!differs.equals("-")) counts[1]++;
				}
				source.add(line + "\t" + r.path() + "\t" + (cached ? "cache" : "disk") + "\t" + (d == null ? "-\t-\t-" : d.atime() + "\t" + d.mtime() + "\t" + d.ctime())
						+ "\t" + differs);
			}
		});
		AtomicFile.writeText(sources, w -> {
			w.write(SOURCES_HEADER + "\n");
			for (String s : source) w.write(s + "\n");
		});
		return new Result(rows.size(), counts[0], counts[1]);
	}

	/** A name for a '|'-separated field: the text form with '|' escaped (it never holds a newline or other control). */
	private static String field(String text) {
		return text.replace("|", "\\x7c");
	}

	/** {@code ls -l}'s mode string after TSK's name-type letter: {@code r/rrw-r--r--}, {@code d/drwxr-xr-x}, {@code l/lrwxrwxrwx}. */
	static String modeString(FileRecord r) {
		char t = DfxmlExport.typeLetter(r);
		char meta = t; // TSK's meta-type letter is its name-type letter: 'r' for a regular file, not ls's '-'
		int m = r.permissions();
		StringBuilder s = new StringBuilder().append(t).append('/').append(meta);
		String rwx = "rwxrwxrwx";
		for (int i = 0; i < 9; i++) s.append((m & (1 << (8 - i))) != 0 ? rwx.charAt(i) : '-');
		if ((m & 04000) != 0) s.setCharAt(5, s.charAt(5) == 'x' ? 's' : 'S');
		if ((m & 02000) != 0) s.setCharAt(8, s.charAt(8) == 'x' ? 's' : 'S');
		if ((m & 01000) != 0) s.setCharAt(11, s.charAt(11) == 'x' ? 't' : 'T');
		return s.toString();
	}
}
