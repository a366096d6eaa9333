package cacheshadow.merge;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A POSIX (pax) tar stream: each entry's name, link target, owner and times (with nanoseconds) go into a pax extended
 * header, so long paths, large ids and sub-second times survive; the ustar header carries what fits as a fallback.
 * <p>
 * Names come from {@link ViewExport}: relative, '/'-separated, no empty, {@code .} or {@code ..} component, valid
 * UTF-8 (the pax {@code path} record holds them whole, in UTF-8 as POSIX requires). The ustar fallback for a reader
 * that ignores pax headers never cuts a name into something else: it is the ustar prefix/name split of the whole
 * name where that fits, else the last whole components that fit in 99 bytes (or the first 99 bytes of the last
 * component, at a character boundary: never {@code ..}, never absolute); the pax header's own member name is built
 * the same way under {@code PaxHeaders/}.
 */
final class TarWriter implements AutoCloseable {
	static final byte REGULAR = '0', HARDLINK = '1', SYMLINK = '2', DIRECTORY = '5', FIFO = '6';
	private static final int BLOCK = 512;

	private final OutputStream out;
	private long written;

	TarWriter(OutputStream out) {
		this.out = out;
	}

	/**
	 * Writes one entry's headers; a regular file's {@code size} bytes must follow through {@link #data} and then
	 * {@link #endData}.
	 */
	void entry(String name, byte type, int mode, long uid, long gid, long size, long mtime, long mtimeNanos, long atime, long ctime,
			String link) throws IOException {
		entry(name, type, mode, uid, gid, size, mtime, mtimeNanos, atime, ctime, link, Map.of());
	}

	/** As above, with extra pax records (such as a {@code comment}) after the standard ones. */
	void entry(String name, byte type, int mode, long uid, long gid, long size, long mtime, long mtimeNanos, long atime, long ctime,
			String link, Map<String, String> extra) throws IOException {
		Map<String, String> pax = new LinkedHashMap<>();
		pax.put("path", name);
		if (link != null) pax.put("linkpath", link);
		pax.put("uid", Long.toString(uid));
		pax.put("gid", Long.toString(gid));
		pax.put("size", Long.toString(size));
		pax.put("mtime", mtime + "." + String.format("%09d", mtimeNanos));
		pax.put("atime", Long.toString(atime));
		pax.put("ctime", Long.toString(ctime));
		pax.putAll(extra);
		byte[] body = paxBody(pax);
		header(new String[] { "", "PaxHeaders/" + tailComponents(name, 80) }, (byte) 'x', 0644, 0, 0, body.length, mtime, null);
		write(body);
		pad();
		String ustarLink = link == null ? null : type == HARDLINK ? tailComponents(link, 99) : cut(link, 99);
		header(ustarName(name), type, mode, uid, gid, type == REGULAR ? size : 0, mtime, ustarLink);
	}

	/**
	 * {prefix, name} of the ustar header: the whole name split at a '/' (prefix at most 155 bytes, name at most 100)
	 * where it fits, else {"", last whole components in 99 bytes}.
	 */
	static String[] ustarName(String name) {
		byte[] b = name.getBytes(StandardCharsets.UTF_8);
		if (b.length <= 100) return new String[] { "", name };
		for (int i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) {
			int prefix = name.substring(0, i).getBytes(StandardCharsets.UTF_8).length;
			if (prefix <= 155 && b.length - prefix - 1 <= 100 && b.length - prefix - 1 > 0) {
				return new String[] { name.substring(0, i), name.substring(i + 1) };
			}
		}
		return new String[] { "", tailComponents(name, 99) };
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
		written += len;
	}

	void endData() throws IOException {
		pad();
	}

	private static byte[] paxBody(Map<String, String> records) {
		StringBuilder sb = new StringBuilder();
		for (Map.Entry<String, String> e : records.entrySet()) {
			String rest = " " + e.getKey() + "=" + e.getValue() + "\n";
			int restLen = rest.getBytes(StandardCharsets.UTF_8).length;
			int len = restLen + 1;
			while (Integer.toString(len).length() + restLen != len) len++;
			sb.append(len).append(rest);
		}
		return sb.toString().getBytes(StandardCharsets.UTF_8);
	}

	private void header(String[] name, byte type, int mode, long uid, long gid, long size, long mtime, String link) throws IOException {
		byte[] h = new byte[BLOCK];
		put(h, 0, 100, name[1]);
		octal(h, 100, 8, mode & 07777);
		octal(h, 108, 8, Math.min(uid, 07777777));
		octal(h, 116, 8, Math.min(gid, 07777777));
		octal(h, 124, 12, Math.min(size, 077777777777L));
		octal(h, 136, 12, Math.max(0, Math.min(mtime, 077777777777L)));
		Arrays.fill(h, 148, 156, (byte) ' ');
		h[156] = type;
		if (link != null) put(h, 157, 100, link);
		put(h, 257, 6, "ustar\0");
		put(h, 263, 2, "00");
		put(h, 345, 155, name[0]);
		long sum = 0;
		for (byte x : h) sum += x & 0xff;
		byte[] c = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
		System.arraycopy(c, 0, h, 148, 8);
		write(h);
	}

	private static void put(byte[] h, int off, int len, String s) {
		byte[] b = s.getBytes(StandardCharsets.UTF_8);
		System.arraycopy(b, 0, h, off, Math.min(len, b.length));
	}

	private static void octal(byte[] h, int off, int len, long v) {
		String s = String.format("%0" + (len - 1) + "o", v);
		put(h, off, len - 1, s);
	}

	private void write(byte[] b) throws IOException {
		out.write(b);
		written += b.length;
	}

	private void pad() throws IOException {
		int r = (int) (written % BLOCK);
		if (r != 0) write(new byte[BLOCK - r]);
	}

	@Override
	public void close() throws IOException {
		write(new byte[2 * BLOCK]);
		out.close();
	}
}
