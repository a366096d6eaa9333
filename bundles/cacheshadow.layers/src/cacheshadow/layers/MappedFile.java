package cacheshadow.layers;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A file mapped read-only in 1 GiB windows, so files past 2 GiB work and reads need no system call and no
 * allocation. Bulk reads (a search through the whole snapshot) go through the file channel instead: pages of the
 * mapping count in the process's resident set once touched and stay there while it is mapped, so a sweep of a
 * 16 GiB snapshot would hold 16 GiB of it resident; a positional read leaves them in the page cache only. The file
 * is opened {@code READ} only: evidence is never written.
 */
public final class MappedFile extends BoundedFile {
	private static final int WINDOW_SHIFT = 30;
	private static final long WINDOW = 1L << WINDOW_SHIFT;
	/** Reads from this size on go through the channel (the small ones, most of them, stay system-call free). */
	private static final int BULK = 256 << 10;

	private final Path path;
	private final MappedByteBuffer[] windows;
	private final FileChannel channel;

	private MappedFile(Path path, long size, MappedByteBuffer[] windows, FileChannel channel) {
		super(path.toString(), size);
		this.path = path;
		this.windows = windows;
		this.channel = channel;
	}

	/** Opens {@code path} read-only; failures become one-line messages naming the file. */
	public static MappedFile open(Path path) throws IOException {
		FileChannel ch = null;
		try {
			ch = FileChannel.open(path, StandardOpenOption.READ);
			long size = ch.size();
			int n = (int) ((size + WINDOW - 1) >>> WINDOW_SHIFT);
			MappedByteBuffer[] w = new MappedByteBuffer[n];
			for (int i = 0; i < n; i++) {
				long start = (long) i << WINDOW_SHIFT;
				w[i] = ch.map(FileChannel.MapMode.READ_ONLY, start, Math.min(WINDOW, size - start));
			}
			return new MappedFile(path, size, w, ch);
		} catch (NoSuchFileException e) {
			throw new EvidenceFormatException(path, "no such file");
		} catch (AccessDeniedException e) {
			throw new EvidenceFormatException(path, "permission denied");
		} catch (IOException e) {
			if (ch != null) ch.close();
			if (e instanceof EvidenceFormatException) throw e;
			throw new EvidenceFormatException(path, "cannot be read (" + e.getMessage() + ")");
		}
	}

	public Path path() {
		return path;
	}

	@Override
	protected void readInside(long pos, byte[] buf, int off, int len) {
		if (len >= BULK) {
			int n = readThroughChannel(pos, buf, off, len);
			pos += n;
			off += n;
			len -= n;
		}
		while (len > 0) {
			int wi = (int) (pos >>> WINDOW_SHIFT);
			int wo = (int) (pos & (WINDOW - 1));
			int n = (int) Math.min(len, WINDOW - wo);
			windows[wi].get(wo, buf, off, n);
			pos += n;
			off += n;
			len -= n;
		}
	}

	/** Feeds {@code len} bytes at {@code pos} to {@code c} straight from the mapping (no copy: a direct buffer's checksum is intrinsic). */
	@Override
	protected void updateInside(java.util.zip.Checksum c, long pos, long len) {
		while (len > 0) {
			int wo = (int) (pos & (WINDOW - 1));
			int n = (int) Math.min(len, WINDOW - wo);
			c.update(windows[(int) (pos >>> WINDOW_SHIFT)].slice(wo, n));
			pos += n;
			len -= n;
		}
	}

	@Override
	public long u64(long pos) throws IOException {
		int wo = (int) (pos & (WINDOW - 1));
		if (pos >= 0 && pos <= size() - 8 && wo <= WINDOW - 8) {
			// in one window: read in place (the windows are big-endian buffers), no copy; the sector-hash search's inner loop
			return Long.reverseBytes(windows[(int) (pos >>> WINDOW_SHIFT)].getLong(wo));
		}
		byte[] b = Scratch.get();
		read(pos, b, 0, 8);
		return LittleEndian.u64(b, 0);
	}

	@Override
	public long u32(long pos) throws IOException {
		byte[] b = Scratch.get();
		read(pos, b, 0, 4);
		return LittleEndian.u32(b, 0);
	}

	/** How many of the bytes a positional read gave (the rest, after a short read or once closed, come from the mapping). */
	private int readThroughChannel(long pos, byte[] buf, int off, int len) {
		ByteBuffer b = ByteBuffer.wrap(buf, off, len);
		try {
			while (b.hasRemaining()) {
				if (channel.read(b, pos + b.position() - off) < 0) break;
			}
		} catch (IOException e) {
			// closed (a read after close() still works from the mapping, as before) or failed: the mapping decides
		}
		return b.position() - off;
	}

	@Override
	public void close() {
		// Mapped windows are released by the garbage collector; nothing to write back (read-only).
		try {
			channel.close();
		} catch (IOException e) {
			// a read-only descriptor: nothing was lost
		}
	}
}
