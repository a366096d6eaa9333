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
		Map<String, String> pax = new LinkedHashMap<>();
		pax.put("path", name);
		if (link != null) pax.put("linkpath", link);
		pax.put("uid", Long.toString(uid));
		pax.put("gid", Long.toString(gid));
		pax.put("size", Long.toString(size));
		pax.put("mtime", mtime + "." + String.format("%09d", mtimeNanos));
		pax.put("atime", Long.toString(atime));
		pax.put("ctime", Long.toString(ctime));
		byte[] body = paxBody(pax);
		header("PaxHeaders/" + tail(name, 80), (byte) 'x', 0644, 0, 0, body.length, mtime, null);
		write(body);
		pad();
		header(name, type, mode, uid, gid, type == REGULAR ? size : 0, mtime, link);
	}

	void data(byte[] b, int off, int len) throws IOException {
		out.write(b, off, len);
		written += len;
	}

	void endData() throws IOException {
		pad();
	}

	private static String tail(String s, int max) {
		byte[] b = s.getBytes(StandardCharsets.UTF_8);
		return b.length <= max ? s : new String(b, b.length - max, max, StandardCharsets.UTF_8);
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

	private void header(String name, byte type, int mode, long uid, long gid, long size, long mtime, String link) throws IOException {
		byte[] h = new byte[BLOCK];
		put(h, 0, 100, tail(name, 99));
		octal(h, 100, 8, mode & 07777);
		octal(h, 108, 8, Math.min(uid, 07777777));
		octal(h, 116, 8, Math.min(gid, 07777777));
		octal(h, 124, 12, Math.min(size, 077777777777L));
		octal(h, 136, 12, Math.max(0, Math.min(mtime, 077777777777L)));
		Arrays.fill(h, 148, 156, (byte) ' ');
		h[156] = type;
		if (link != null) put(h, 157, 100, tail(link, 99));
		put(h, 257, 6, "ustar\0");
		put(h, 263, 2, "00");
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
