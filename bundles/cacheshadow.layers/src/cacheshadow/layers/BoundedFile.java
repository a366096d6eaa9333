package cacheshadow.layers;

import java.io.IOException;
import java.util.zip.Checksum;

/**
 * A {@link ReadableFile} of the name and size it had when opened: a read or checksum of a range that does not lie
 * inside that size is refused here, naming the file, so a subclass reads only ranges it holds (a mapping's windows,
 * a remote file's ranges, a stream's buffer).
 */
public abstract class BoundedFile implements ReadableFile {
	private final String name;
	private final long size;

	protected BoundedFile(String name, long size) {
		this.name = name;
		this.size = size;
	}

	@Override
	public final String name() {
		return name;
	}

	@Override
	public final long size() {
		return size;
	}

	@Override
	public final void read(long pos, byte[] buf, int off, int len) throws IOException {
		checkRange(pos, len);
		readInside(pos, buf, off, len);
	}

	@Override
	public final void update(Checksum c, long pos, long len) throws IOException {
		checkRange(pos, len);
		updateInside(c, pos, len);
	}

	/** Copies {@code len} bytes at {@code pos}, a range inside the file. */
	protected abstract void readInside(long pos, byte[] buf, int off, int len) throws IOException;

	/** Feeds {@code len} bytes at {@code pos}, a range inside the file, to {@code c}. */
	protected abstract void updateInside(Checksum c, long pos, long len) throws IOException;

	private void checkRange(long pos, long len) throws EvidenceFormatException {
		if (pos < 0 || len < 0 || pos + len > size || pos + len < pos) {
			throw new EvidenceFormatException(name, String.format("read of %d bytes at 0x%x past the end of the file (%d bytes)", len, pos, size));
		}
	}
}
