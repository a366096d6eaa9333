package cacheshadow.journal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import cacheshadow.listing.FileRecord;
import cacheshadow.listing.FileType;
import cacheshadow.listing.ManifestFormat;

/**
 * The file-level difference between two listings of the same file system at two instants (e.g. ext4 read from two
 * {@link DiskAtInstant}s): files added, removed and changed, which manifest columns changed, and for regular files
 * whose content changed, which byte ranges. File contents come through {@link Content}, so this class needs no file
 * system reader of its own.
 */
public final class FileChanges {
	/** Reads a file's content as it was at one instant. */
	@FunctionalInterface
	public interface Content {
		/** Reads up to {@code len} bytes of {@code path} from {@code offset}; returns the count (less at the end). */
		int read(String path, long offset, byte[] buf, int off, int len) throws IOException;
	}

	public enum Kind {
		ADDED, REMOVED, CHANGED;

		public String word() {
			return name().toLowerCase(java.util.Locale.ROOT);
		}
	}

	/** {@code [offset, offset+length)} of a file. */
	public record ByteRange(long offset, long length) {
		@Override
		public String toString() {
			return offset + "+" + length;
		}
	}

	/** One path's change; {@code columns} are manifest column names, {@code ranges} changed content bytes. */
	public record FileChange(String path, Kind kind, List<String> columns, List<ByteRange> ranges, FileRecord before, FileRecord after) {
	}

	private FileChanges() {
	}

	/** Compares two listings; contents may be null (then no byte ranges are computed). */
	public static List<FileChange> diff(List<FileRecord> before, List<FileRecord> after, Content beforeContent, Content afterContent)
			throws IOException {
		Map<String, FileRecord> a = new TreeMap<>(ManifestFormat.PATH_ORDER), b = new TreeMap<>(ManifestFormat.PATH_ORDER);
		for (FileRecord r : before) a.put(r.path(), r);
		for (FileRecord r : after) b.put(r.path(), r);
		TreeMap<String, Boolean> paths = new TreeMap<>(ManifestFormat.PATH_ORDER);
		a.keySet().forEach(p -> paths.put(p, true));
		b.keySet().forEach(p -> paths.put(p, true));
		List<FileChange> out = new ArrayList<>();
		for (String p : paths.keySet()) {
			FileRecord x = a.get(p), y = b.get(p);
			if (x == null) out.add(new FileChange(p, Kind.ADDED, List.of(), List.of(), null, y));
			else if (y == null) out.add(new FileChange(p, Kind.REMOVED, List.of(), List.of(), x, null));
			else {
				List<String> cols = differingColumns(x, y);
				if (cols.isEmpty()) continue;
				List<ByteRange> ranges = List.of();
				boolean regular = isRegular(x) && isRegular(y);
				boolean contentChanged = cols.contains("sha256") || cols.contains("size") || (x.sha256() == null && cols.contains("mtime_full"));
				if (regular && contentChanged && beforeContent != null && afterContent != null) {
					ranges = byteRanges(p, x.size(), y.size(), beforeContent, afterContent);
				}
				out.add(new FileChange(p, Kind.CHANGED, cols, ranges, x, y));
			}
		}
		return out;
	}

	private static boolean isRegular(FileRecord r) {
		return r.type() == FileType.REGULAR || r.type() == FileType.REGULAR_EMPTY;
	}

	/**
	 * The manifest columns in which two rows of the same path differ, in manifest order ({@code mtime_full} beside
	 * {@code mtime} when either seconds or nanoseconds differ; {@code sha256} only when both rows carry a different hash
	 * or one carries none).
	 */
	public static List<String> differingColumns(FileRecord x, FileRecord y) {
		List<String> c = new ArrayList<>();
		if (x.type() != y.type()) c.add("type");
		if (x.permissions() != y.permissions()) c.add("mode");
		if (x.uid() != y.uid()) c.add("uid");
		if (x.gid() != y.gid()) c.add("gid");
		if (x.size() != y.size()) c.add("size");
		if (x.nlink() != y.nlink()) c.add("nlink");
		if (x.inode() != y.inode()) c.add("inode");
		if (x.atime() != y.atime()) c.add("atime");
		if (x.mtime() != y.mtime()) c.add("mtime");
		if (x.ctime() != y.ctime()) c.add("ctime");
		if (x.mtime() != y.mtime() || x.mtimeNanos() != y.mtimeNanos()) c.add("mtime_full");
		if (!Objects.equals(x.sha256(), y.sha256())) c.add("sha256");
		if (!Objects.equals(x.symlinkTarget(), y.symlinkTarget())) c.add("symlink_target");
		return c;
	}

	/** Byte ranges where the two contents differ; bytes past the shorter file count as changed. */
	public static List<ByteRange> byteRanges(String path, long sizeA, long sizeB, Content a, Content b) throws IOException {
		List<ByteRange> out = new ArrayList<>();
		long common = Math.min(sizeA, sizeB);
		byte[] x = new byte[1 << 16], y = new byte[1 << 16];
		long start = -1;
		for (long pos = 0; pos < common;) {
			int n = (int) Math.min(x.length, common - pos);
			readFully(a, path, pos, x, n);
			readFully(b, path, pos, y, n);
			for (int i = 0; i < n; i++) {
				boolean d = x[i] != y[i];
				if (d && start < 0) start = pos + i;
				else if (!d && start >= 0) {
					out.add(new ByteRange(start, pos + i - start));
					start = -1;
				}
			}
			pos += n;
		}
		if (start >= 0) out.add(new ByteRange(start, common - start));
		long longer = Math.max(sizeA, sizeB);
		if (longer > common) {
			if (!out.isEmpty() && out.get(out.size() - 1).offset() + out.get(out.size() - 1).length() == common) {
				ByteRange last = out.remove(out.size() - 1);
				out.add(new ByteRange(last.offset(), longer - last.offset()));
			} else out.add(new ByteRange(common, longer - common));
		}
		return out;
	}

	private static void readFully(Content c, String path, long pos, byte[] buf, int n) throws IOException {
		int got = 0;
		while (got < n) {
			int r = c.read(path, pos + got, buf, got, n - got);
			if (r <= 0) throw new IOException(path + ": content ends at " + (pos + got) + " before its listed size");
			got += r;
		}
	}

	/** TSV: {@code change path columns byte_ranges} ({@code -} when empty). */
	public static void writeTsv(List<FileChange> changes, Appendable out) throws IOException {
		out.append("change\tpath\tcolumns\tbyte_ranges\n");
		for (FileChange c : changes) {
			out.append(c.kind().word()).append('\t').append(c.path()).append('\t')
					.append(c.columns().isEmpty() ? "-" : String.join(",", c.columns())).append('\t');
			if (c.ranges().isEmpty()) out.append('-');
			else {
				for (int i = 0; i < c.ranges().size(); i++) out.append(i == 0 ? "" : ",").append(c.ranges().get(i).toString());
			}
			out.append('\n');
		}
	}
}
