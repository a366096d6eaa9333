package cacheshadow.journal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

import cacheshadow.layers.EvidenceFormatException;

/**
 * The first {@code size} bytes of a file, read front to back in large chunks by a background thread, for a parser
 * that walks the file forwards. Why: a parser that only needs a small header every few KiB (dm-log-writes) pays a
 * page fault or a system call per header when it reads them in place; a plain sequential read costs one system
 * call per chunk, and here that copy runs on another core while the parser works on the previous chunk.
 *
 * <p>{@link #read} serves a range that lies inside the current chunk by a copy; a range that spans two chunks or
 * lies behind the current one (rare for a forward walk: at most once per chunk) by a positional read. Chunks wholly
 * before a requested position are skipped.
 */
final class ReadAheadFile implements AutoCloseable {
	/** Large enough that the system call per chunk is noise, small enough that a chunk is still in cache when parsed. */
	static final int DEFAULT_CHUNK = 1 << 20;
	private static final int BUFFERS = 4;
	private static final ByteBuffer END = ByteBuffer.allocate(0);

	private final Path path;
	private final FileChannel ch;
	private final long size;
	private final BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(BUFFERS);
	private final BlockingQueue<ByteBuffer> filled = new ArrayBlockingQueue<>(BUFFERS + 1);
	private final Thread reader;
	private volatile IOException failure;
	private volatile boolean closed;

	private ByteBuffer current; // null before the first chunk and after the last
	private long currentStart, currentEnd;
	private boolean ended;

	ReadAheadFile(Path path, long size, int chunkBytes) throws IOException {
		if (chunkBytes <= 0) throw new IllegalArgumentException("chunk size " + chunkBytes);
		this.path = path;
		this.size = size;
		this.ch = FileChannel.open(path, StandardOpenOption.READ);
		for (int i = 0; i < BUFFERS; i++) free.add(ByteBuffer.allocateDirect(chunkBytes));
		this.reader = new Thread(this::readAhead, "read-ahead " + path.getFileName());
		reader.setDaemon(true);
		reader.start();
	}

	private void readAhead() {
		try {
			for (long pos = 0; pos < size && !closed;) {
				ByteBuffer b = free.take();
				b.clear().limit((int) Math.min(b.capacity(), size - pos));
				while (b.hasRemaining()) {
					if (ch.read(b, pos + b.position()) < 0) throw new EvidenceFormatException(path, "shrank while being read (" + size + " bytes expected)");
				}
				pos += b.flip().limit();
				filled.put(b);
			}
		} catch (InterruptedException e) {
			return; // closed
		} catch (IOException e) {
			if (!closed) failure = e;
		}
		filled.offer(END); // room guaranteed: BUFFERS + 1 slots
	}

	/** Copies {@code len} bytes at {@code pos} (inside the first {@code size} bytes) into {@code buf[off..]}. */
	void read(long pos, byte[] buf, int off, int len) throws IOException {
		if (pos < 0 || len < 0 || pos + len > size) {
			throw new EvidenceFormatException(path, String.format("read of %d bytes at 0x%x past the end (%d bytes)", len, pos, size));
		}
		while (pos >= currentEnd && !ended) advance();
		if (current != null && pos >= currentStart && pos + len <= currentEnd) {
			current.get((int) (pos - currentStart), buf, off, len);
			return;
		}
		ByteBuffer b = ByteBuffer.wrap(buf, off, len);
		while (b.hasRemaining()) {
			if (ch.read(b, pos + (b.position() - off)) < 0) throw new EvidenceFormatException(path, "shrank while being read (" + size + " bytes expected)");
		}
	}

	private void advance() throws IOException {
		if (current != null) free.add(current);
		try {
			current = filled.take();
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new InterruptedIOException("reading " + path);
		}
		if (current == END) {
			current = null;
			ended = true;
			if (failure != null) throw failure;
			return;
		}
		currentStart = currentEnd;
		currentEnd += current.limit();
	}

	@Override
	public void close() throws IOException {
		closed = true;
		reader.interrupt();
		try {
			reader.join();
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
		ch.close();
	}
}
