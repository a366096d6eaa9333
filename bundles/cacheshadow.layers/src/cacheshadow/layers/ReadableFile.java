package cacheshadow.layers;

import java.io.IOException;
import java.util.zip.Checksum;

/**
 * A read-only file read at positions: a local file ({@link MappedFile}) or one elsewhere read in ranges (a journal in
 * HDFS). What the write-journal readers need, so they read either in place. {@link BoundedFile} checks the ranges
 * asked of one.
 */
public interface ReadableFile extends AutoCloseable {
	/** The file's path or URL, for messages. */
	String name();

	long size();

	/** The last part of {@link #name()}, for progress messages. */
	default String fileName() {
		String n = name();
		return n.substring(n.lastIndexOf('/') + 1);
	}

	/** Copies {@code len} bytes at {@code pos}; the range must lie inside the file. */
	void read(long pos, byte[] buf, int off, int len) throws IOException;

	/** The little-endian u64 at {@code pos}. */
	default long u64(long pos) throws IOException {
		byte[] b = new byte[8];
		read(pos, b, 0, 8);
		return LittleEndian.u64(b, 0);
	}

	/** The little-endian u32 at {@code pos}. */
	default long u32(long pos) throws IOException {
		byte[] b = new byte[4];
		read(pos, b, 0, 4);
		return LittleEndian.u32(b, 0);
	}

	/** Feeds {@code len} bytes at {@code pos} to {@code c}. */
	void update(Checksum c, long pos, long len) throws IOException;

	@Override
	void close();
}
