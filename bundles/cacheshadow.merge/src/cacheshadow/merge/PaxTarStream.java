package cacheshadow.merge;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * The export's POSIX (pax) tar, written by Apache Commons Compress: header blocks, checksums, padding, and pax records
 * for what the ustar fields cannot hold (ids and sizes past their octal fields — files over 8 GiB —, atime, ctime).
 * <p>
 * Two records are set here rather than left to the library. {@code path} (and {@code linkpath}), for every member: the library would put
 * the first 99 bytes of a long name in the ustar name field, which can end in a {@code ..} cut from a longer
 * component; here a reader that ignores pax headers sees the last whole components that fit in 99 bytes (or the first
 * bytes of the last component, at a character boundary: never {@code ..}, never absolute), and the pax record holds
 * the whole name, in UTF-8 as POSIX requires. {@code mtime}: all nine digits of the nanoseconds (the library keeps
 * seven). Names come from {@link ViewExport}: relative, '/'-separated, no empty, {@code .} or {@code ..} component.
 * Owner and group names are left empty: the archive speaks of the guest's numeric ids, not of the examiner's account.
 */
final class PaxTarStream implements AutoCloseable {
	static final byte REGULAR = TarConstants.LF_NORMAL, HARDLINK = TarConstants.LF_LINK, SYMLINK = TarConstants.LF_SYMLINK,
			DIRECTORY = TarConstants.LF_DIR, FIFO = TarConstants.LF_FIFO;
	private static final int USTAR_NAME = 99; // the library moves names of 100 bytes and more to pax itself

	private final TarArchiveOutputStream out;

	PaxTarStream(OutputStream out) {
		this.out = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name());
		this.out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
		this.out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
	}

	/** A member whose extra pax records are ours, in our order, and replace the library's records of the same key. */
	private static final class Member extends TarArchiveEntry {
		private final Map<String, String> records;

		Member(String ustarName, byte type, Map<String, String> records) {
			super(ustarName, type, true);
			this.records = records;
		}

		@Override
		public Map<String, String> getExtraPaxHeaders() {
			return records;
		}
	}

	/**
	 * Writes one member's headers; a regular file's {@code size} bytes must follow through {@link #data} and then
	 * {@link #endData}. {@code extra}: pax records (such as a {@code comment}) after the standard ones.
	 */
	void entry(String name, byte type, int mode, long uid, long gid, long size, long mtime, long mtimeNanos, long atime, long ctime,
			String link, Map<String, String> extra) throws IOException {
		Map<String, String> pax = new LinkedHashMap<>();
		String ustarName = tailComponents(name, USTAR_NAME);
		pax.put("path", name); // every member's, as before the library: a reader of the raw archive finds each name whole
		String ustarLink = null;
		if (link != null) {
			ustarLink = type == HARDLINK ? tailComponents(link, USTAR_NAME) : cut(link, USTAR_NAME);
			pax.put("linkpath", link);
		}
		if (mtimeNanos != 0) pax.put("mtime", mtime + "." + String.format("%09d", mtimeNanos));
		pax.putAll(extra);
		Member m = new Member(ustarName, type, pax);
		m.setMode(mode & 07777);
		m.setUserId(uid);
		m.setGroupId(gid);
		m.setUserName("");
		m.setGroupName("");
		m.setSize(type == REGULAR ? size : 0);
		m.setLastModifiedTime(FileTime.from(mtime, TimeUnit.SECONDS));
		m.setLastAccessTime(FileTime.from(atime, TimeUnit.SECONDS));
		m.setStatusChangeTime(FileTime.from(ctime, TimeUnit.SECONDS));
		if (ustarLink != null) m.setLinkName(ustarLink);
		out.putArchiveEntry(m);
		if (type != REGULAR) out.closeArchiveEntry();
	}

	/**
	 * The last whole '/'-separated components of {@code name} within {@code max} bytes (a directory's trailing '/'
	 * kept); when even the last is longer, its first bytes up to {@code max}, cut at a character boundary.
	 */
	static String tailComponents(String name, int max) {
		if (name.getBytes(StandardCharsets.UTF_8).length <= max) return name;
		boolean dir = name.endsWith("/");
		String n = dir ? name.substring(0, name.length() - 1) : name;
		String out = "";
		int at = n.length();
		while (at > 0) {
			int slash = n.lastIndexOf('/', at - 1);
			String candidate = n.substring(slash + 1);
			if (candidate.getBytes(StandardCharsets.UTF_8).length + (dir ? 1 : 0) > max) break;
			out = candidate;
			if (slash < 0) break;
			at = slash;
		}
		if (out.isEmpty()) out = cut(n.substring(n.lastIndexOf('/') + 1), max - (dir ? 1 : 0));
		return dir ? out + "/" : out;
	}

	/** The longest prefix of {@code s} within {@code max} UTF-8 bytes that ends at a character boundary. */
	static String cut(String s, int max) {
		int used = 0, i = 0;
		while (i < s.length()) {
			int cp = s.codePointAt(i);
			int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
			if (used + n > max) break;
			used += n;
			i += Character.charCount(cp);
		}
		return s.substring(0, i);
	}

	void data(byte[] b, int off, int len) throws IOException {
		out.write(b, off, len);
	}

	void endData() throws IOException {
		out.closeArchiveEntry();
	}

	@Override
	public void close() throws IOException {
		out.finish();
		out.close();
	}
}
