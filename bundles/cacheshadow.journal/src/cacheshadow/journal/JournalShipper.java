package cacheshadow.journal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Ships a local journal (either format) to a file in HDFS over WebHDFS, appending what it has that HDFS has not,
 * once or while the journal grows ({@link #follow}). Only whole entries are shipped (the journal's valid prefix,
 * {@link WriteLog#validBytes()}), after the local file is forced to stable storage: HDFS never holds bytes the local
 * journal could lose in a crash, nor a torn record the recorder is about to cut.
 *
 * <p>Resuming: the remote file's length says where to go on, byte for byte, so nothing is lost or sent twice. A
 * failure (connection reset, a data node restarted, HDFS busy) may leave the remote file open under the lost
 * writer's lease and its length not yet final; the shipper then appends nothing until HDFS accepts an empty APPEND
 * (which recovers the lease and closes the file) and reads the length after that. Before appending it checks that
 * the remote file's last bytes are the journal's bytes there: another journal at the URL is refused, not extended.
 */
public final class JournalShipper {
	/** Bytes per APPEND request. */
	static final int CHUNK = 32 << 20;
	/** Remote bytes compared with the local journal before appending. */
	static final int CHECKED = 4096;

	/** A refusal that trying again cannot mend (the URL holds another file). */
	public static final class RefusedException extends IOException {
		private static final long serialVersionUID = 1L;

		RefusedException(String message) {
			super(message);
		}
	}

	private final Path journal;
	private final WebHdfs remote;
	private final Duration retryFor;
	private final int chunk;
	private final Consumer<String> log;
	private long shipped = -1;
	private boolean mayBeOpen = true;
	private int retries;

	/**
	 * {@code retryFor}: how long failures are retried (since the last progress) before {@link #shipOnce} gives up;
	 * {@code log} hears of each failure and resume.
	 */
	public JournalShipper(Path journal, String url, Duration retryFor, Consumer<String> log) {
		this(journal, WebHdfs.of(url), retryFor, CHUNK, log);
	}

	JournalShipper(Path journal, WebHdfs remote, Duration retryFor, int chunk, Consumer<String> log) {
		this.journal = journal;
		this.remote = remote;
		this.retryFor = retryFor;
		this.chunk = chunk;
		this.log = log;
	}

	/** Bytes HDFS holds, as of the last request (-1 before the first). */
	public long shipped() {
		return shipped;
	}

	/** Failures retried so far. */
	public int retries() {
		return retries;
	}

	/** Ships every whole entry the journal holds now; returns the remote file's length (= the bytes shipped). */
	public long shipOnce() throws IOException {
		long end = durableWholeEntries();
		long deadline = System.nanoTime() + retryFor.toNanos();
		long backoff = 100;
		while (true) {
			long before = shipped;
			try {
				return shipUpTo(end);
			} catch (RefusedException e) {
				throw e;
			} catch (IOException e) {
				if (e instanceof InterruptedIOException) throw e;
				mayBeOpen = true;
				if (shipped > before) {
					deadline = System.nanoTime() + retryFor.toNanos();
					backoff = 100;
				}
				if (System.nanoTime() > deadline) throw new IOException("shipping " + journal + " to " + remote.url() + " failed for " + retryFor.toSeconds() + " s: " + e.getMessage(), e);
				retries++;
				log.accept("ship: " + e.getMessage() + "; retrying in " + backoff + " ms");
				sleep(backoff);
				backoff = Math.min(backoff * 2, 2000);
			}
		}
	}

	/**
	 * Ships as the journal grows, polling every {@code poll}, until it has not grown for {@code idle} (null: until
	 * interrupted); returns the bytes shipped.
	 */
	public long follow(Duration poll, Duration idle) throws IOException {
		long last = System.nanoTime();
		long had = -1, size = -1;
		while (true) {
			// a journal whose size has not changed since the last pass is not read again (a pass reads its entries:
			// O(its size)); the size is taken before the pass, so bytes written during it are seen next time
			long before = java.nio.file.Files.size(journal);
			long now = before == size ? had : shipOnce();
			size = before;
			if (now != had) {
				had = now;
				last = System.nanoTime();
			} else if (idle != null && System.nanoTime() - last >= idle.toNanos()) {
				return now;
			}
			sleep(poll.toMillis());
		}
	}

	private long shipUpTo(long end) throws IOException {
		WebHdfs.Status s = remote.status();
		if (s == null) {
			// a new file: created with the first bytes (a failure mid-way leaves it open: recovered as any other)
			byte[] first = local(0, (int) Math.min(end, chunk));
			remote.create(first, 0, first.length);
			shipped = first.length;
			mayBeOpen = false;
			s = new WebHdfs.Status(shipped, 0);
		} else if (mayBeOpen) {
			remote.append(new byte[0], 0, 0);
			s = remote.status();
			if (s == null) throw new IOException(remote.url() + ": vanished while shipping");
		}
		mayBeOpen = false;
		long at = s.length();
		if (at != shipped) {
			if (shipped >= 0) log.accept("ship: resuming at byte " + at + " (HDFS kept " + (at - Math.max(0, shipped)) + " bytes of the interrupted request)");
			if (at > end) {
				throw new RefusedException(remote.url() + " holds " + at + " bytes, more than the " + end + " bytes of whole entries of " + journal
						+ ": another journal, or this one cut back after a crash; not extended");
			}
			int n = (int) Math.min(at, CHECKED);
			byte[] theirs = new byte[n];
			remote.read(at - n, theirs, 0, n);
			if (!Arrays.equals(theirs, local(at - n, n))) {
				throw new RefusedException(remote.url() + " differs from " + journal + " in its last " + n + " bytes (before byte " + at + "): another journal; not extended");
			}
			shipped = at;
		}
		while (shipped < end) {
			byte[] b = local(shipped, (int) Math.min(end - shipped, chunk));
			mayBeOpen = true; // until HDFS answers, the request may have reached it in part
			remote.append(b, 0, b.length);
			mayBeOpen = false;
			shipped += b.length;
		}
		return shipped;
	}

	/** The end of the journal's whole entries, once the file is forced to stable storage. */
	private long durableWholeEntries() throws IOException {
		try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.READ)) {
			ch.force(false);
		}
		try (WriteLog w = JournalFormat.open(journal)) {
			return w.validBytes();
		}
	}

	private byte[] local(long pos, int len) throws IOException {
		byte[] b = new byte[len];
		try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.READ)) {
			ByteBuffer buf = ByteBuffer.wrap(b);
			while (buf.hasRemaining()) {
				if (ch.read(buf, pos + buf.position()) < 0) throw new IOException(journal + ": ends before byte " + (pos + len));
			}
		}
		return b;
	}

	private static void sleep(long ms) throws InterruptedIOException {
		try {
			Thread.sleep(ms);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new InterruptedIOException("interrupted");
		}
	}
}
