package cacheshadow.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

import cacheshadow.layers.EvidenceFormatException;

/**
 * Entry headers read in place through a read-only mapping: only the pages holding headers are touched, never the
 * entry data between them (nothing the parser checks or keeps depends on it: dm-log-writes has no data checksum,
 * and the index fingerprint covers offsets, lengths and flags only), and nothing is copied as a read would.
 *
 * <p>Mapping the pages (page-table entries; the kernel maps a batch of cached pages around each fault) still costs
 * about what copying them would, so a second thread shares that work: it claims chunks ahead of the parser and
 * maps them by touching a byte per page, while the parser, entering a chunk the helper has not begun, claims it and
 * maps it itself as it goes. Both walk forwards, neither maps a chunk the other took, and with no second core free
 * the parser simply does it all.
 *
 * <p>The file is mapped in windows that overlap by {@code maxLen} bytes, so a header never spans two windows.
 */
final class MappedEntryHeaders implements EntryHeaders {
	private static final int WINDOW_SHIFT = 30;
	private static final long WINDOW = 1L << WINDOW_SHIFT;
	/** Unit of work shared with the helper: thousands of headers, a millisecond or so of mapping. */
	private static final int CHUNK_SHIFT = 24;
	private static final int PAGE = 4096;

	private final Path path;
	private final long size;
	private final int maxLen;
	private final FileChannel ch;
	private final MappedByteBuffer[] windows;
	private final AtomicLong nextChunk = new AtomicLong(); // the first chunk neither the helper nor the parser took
	private final Thread helper;
	private volatile boolean closed;
	private long parserChunk = -1;

	/** Headers of at most {@code maxLen} bytes of the first {@code size} bytes of {@code path}. */
	MappedEntryHeaders(Path path, long size, int maxLen) throws IOException {
		this.path = path;
		this.size = size;
		this.maxLen = maxLen;
		this.ch = FileChannel.open(path, StandardOpenOption.READ);
		this.windows = new MappedByteBuffer[(int) ((size + WINDOW - 1) >>> WINDOW_SHIFT)];
		try {
			for (int wi = 0; wi < windows.length; wi++) windows[wi] = map(wi);
		} catch (IOException | RuntimeException e) {
			ch.close();
			throw e;
		}
		helper = new Thread(this::mapAhead, "map-ahead " + path.getFileName());
		helper.setDaemon(true);
		helper.start();
	}

	/** The helper: touches one byte per page of each chunk it claims, which makes the kernel map the page. */
	private void mapAhead() {
		long chunks = (size + (1L << CHUNK_SHIFT) - 1) >>> CHUNK_SHIFT;
		int sum = 0;
		try {
			for (long c; !closed && (c = nextChunk.getAndIncrement()) < chunks;) {
				long start = c << CHUNK_SHIFT, end = Math.min(size, start + (1L << CHUNK_SHIFT));
				for (long p = start; p < end && !closed; p += PAGE) sum += windows[(int) (p >>> WINDOW_SHIFT)].get((int) (p & (WINDOW - 1)));
			}
		} catch (RuntimeException | InternalError e) {
			// a file cut while mapped (SIGBUS): only a hint was lost; the parser meets the cut and reports it
		}
		if (sum == 42) Thread.onSpinWait(); // keeps the reads
	}

	@Override
	public ByteBuffer at(long pos, int len) throws IOException {
		if (pos < 0 || len < 0 || len > maxLen || pos + len > size) {
			throw new EvidenceFormatException(path, String.format("read of %d bytes at 0x%x past the end (%d bytes)", len, pos, size));
		}
		long c = pos >>> CHUNK_SHIFT;
		if (c != parserChunk) { // entering a chunk: from now on the helper skips it if it has not begun it
			parserChunk = c;
			nextChunk.accumulateAndGet(c + 1, Math::max);
		}
		return windows[(int) (pos >>> WINDOW_SHIFT)].position((int) (pos & (WINDOW - 1)));
	}

	/** Maps window {@code wi} (address space only: no page is touched). */
	private MappedByteBuffer map(int wi) throws IOException {
		long start = (long) wi << WINDOW_SHIFT;
		long len = Math.min(WINDOW + maxLen, size - start);
		MappedByteBuffer w = ch.map(FileChannel.MapMode.READ_ONLY, start, len);
		w.order(ByteOrder.LITTLE_ENDIAN);
		return w;
	}

	@Override
	public void close() throws IOException {
		closed = true;
		try {
			helper.join();
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
		ch.close(); // the windows are unmapped by the garbage collector
	}
}
