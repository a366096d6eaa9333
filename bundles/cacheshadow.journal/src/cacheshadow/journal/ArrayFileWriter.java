package cacheshadow.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * Writes primitive arrays little-endian to a channel through one direct buffer: each array is copied once into
 * the buffer (a bulk copy, no per-element work on a little-endian machine) and the buffer goes to the kernel as is.
 * An index file of tens of MiB is written in a few copies instead of through a stream's chain of heap buffers.
 * Closing writes what is buffered; the channel stays open (its owner forces and closes it).
 */
final class ArrayFileWriter implements AutoCloseable {
	private static final int BUFFER = 1 << 20;

	private final FileChannel ch;
	private final ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER).order(ByteOrder.LITTLE_ENDIAN);

	ArrayFileWriter(FileChannel ch) {
		this.ch = ch;
	}

	void write(byte[] a) throws IOException {
		for (int i = 0; i < a.length;) {
			int c = Math.min(a.length - i, room(1));
			buf.put(a, i, c);
			i += c;
		}
	}

	/** {@code a[0, n)}. */
	void write(long[] a, int n) throws IOException {
		for (int i = 0; i < n;) {
			int c = Math.min(n - i, room(8) / 8);
			buf.asLongBuffer().put(a, i, c);
			buf.position(buf.position() + c * 8);
			i += c;
		}
	}

	/** {@code a[0, n)}. */
	void write(int[] a, int n) throws IOException {
		for (int i = 0; i < n;) {
			int c = Math.min(n - i, room(4) / 4);
			buf.asIntBuffer().put(a, i, c);
			buf.position(buf.position() + c * 4);
			i += c;
		}
	}

	/** Each int as a u64. */
	void writeAsLongs(int[] a) throws IOException {
		for (int i = 0; i < a.length;) {
			int c = Math.min(a.length - i, room(8) / 8);
			for (int k = 0; k < c; k++) buf.putLong(a[i + k]);
			i += c;
		}
	}

	/** Bytes free in the buffer after draining it if fewer than {@code atLeast} were. */
	private int room(int atLeast) throws IOException {
		if (buf.remaining() < atLeast) drain();
		return buf.remaining();
	}

	private void drain() throws IOException {
		buf.flip();
		while (buf.hasRemaining()) ch.write(buf);
		buf.clear();
	}

	@Override
	public void close() throws IOException {
		drain();
	}
}
