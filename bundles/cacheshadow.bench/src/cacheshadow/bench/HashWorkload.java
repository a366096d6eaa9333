package cacheshadow.bench;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

import cacheshadow.listing.FileRecord;
import cacheshadow.merge.FileContent;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.View;
import cacheshadow.merge.ViewTree;

/**
 * The seed's Figure 8 workload, one definition for every way it is measured: SHA-256 of one file, read
 * {@code buffer} bytes at a time until the read at the end of file, in {@code passes} whole-file passes (a file
 * smaller than 4 MiB is read again until 4 MiB went through), each pass through a fresh open as a tool hashing
 * the file would; one digest loop over a buffer for every source. Each pass is digested on its own: every pass must read {@code expected} bytes and digest alike,
 * so a short or stale read fails the run instead of skewing it.
 *
 * @param path     guest path of the file
 * @param fileSize its size in the merged view (what {@code passes} is counted from)
 */
public record HashWorkload(String path, long fileSize, int passes, int buffer) {
	public static final long VOLUME = 4L << 20;

	/** One open of the file. */
	public interface Reader extends Closeable {
		/** Reads at {@code offset} into {@code dst} (from its position up to its limit); the count, 0 or -1 at the end of file. */
		int read(long offset, ByteBuffer dst) throws IOException;

		@Override
		default void close() throws IOException {
		}
	}

	/** Positional reads into an array, as {@link FileContent} and ext4 offer them. */
	public interface ArrayReader {
		int read(long offset, byte[] buf, int off, int len) throws IOException;
	}

	/**
	 * Opens the file afresh, once per pass. {@code direct}: reads go through the kernel, so a direct buffer takes
	 * them as a native tool's buffer would (into a Java array the JDK copies once more, which is not the source's cost).
	 */
	public interface Source {
		Reader open() throws IOException;

		default boolean direct() {
			return false;
		}
	}

	/** A reader over a heap buffer's array. */
	public static Reader of(ArrayReader r) {
		return (offset, dst) -> {
			int k = r.read(offset, dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
			if (k > 0) dst.position(dst.position() + k);
			return k;
		};
	}

	/** {@code path} (null: the largest regular file the disk has at the same size in the merged view), read {@code buffer} bytes at a time. */
	public static HashWorkload of(MergedFileSystem m, String path, int buffer) throws IOException {
		ViewTree disk = m.tree(View.DISK_ONLY), merged = m.tree(View.MERGED);
		if (path == null) {
			long best = -1;
			for (FileRecord r : disk.listing(false)) {
				FileRecord v = r.type().isRegular() && r.size() > best ? merged.getattr(r.path()) : null;
				if (v != null && v.size() == r.size()) {
					best = r.size();
					path = r.path();
				}
			}
			if (path == null) throw new IOException("no regular file on the disk to benchmark");
		}
		FileRecord d = disk.getattr(path);
		if (d == null || !d.type().isRegular()) throw new NoSuchFileException(path, null, "not a regular file on the disk");
		return of(merged, path, buffer);
	}

	/** {@code path} as {@code view} has it, whether or not the disk image has it too, read {@code buffer} bytes at a time. */
	public static HashWorkload of(ViewTree view, String path, int buffer) throws IOException {
		FileRecord v = view.getattr(path);
		if (v == null || !v.type().isRegular()) throw new NoSuchFileException(path, null, "not a regular file in the " + view.view().label() + " view");
		int passes = (int) Math.max(1, (VOLUME + v.size() - 1) / Math.max(1, v.size()));
		return new HashWorkload(path, v.size(), passes, buffer);
	}

	/** The file's lowercase hex SHA-256, after {@link #passes} passes that each read {@code expected} bytes. */
	public String hash(Source source, long expected) throws IOException {
		MessageDigest md = sha256();
		ByteBuffer buf = source.direct() ? ByteBuffer.allocateDirect(buffer) : ByteBuffer.allocate(buffer);
		byte[] first = null;
		for (int p = 0; p < passes; p++) {
			long pos = 0;
			try (Reader r = source.open()) {
				int k;
				while ((k = r.read(pos, buf.clear())) > 0) {
					md.update(buf.flip());
					pos += k;
				}
			}
			byte[] digest = md.digest();
			if (pos != expected) throw new IOException(path + ": pass " + p + " read " + pos + " bytes, not " + expected);
			if (first == null) first = digest;
			else if (!Arrays.equals(first, digest)) throw new IOException(path + ": pass " + p + " digests differently from pass 0");
		}
		return HexFormat.of().formatHex(first);
	}

	private static MessageDigest sha256() {
		try {
			return MessageDigest.getInstance("SHA-256");
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}
}
