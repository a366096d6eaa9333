package cacheshadow.fleet.spark;

import java.io.EOFException;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.Checksum;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import cacheshadow.layers.BoundedFile;
import cacheshadow.layers.EvidenceFormatException;

/**
 * A journal read in place through Hadoop's file system (HDFS by {@code hdfs://}, {@code webhdfs://}, ...): no local
 * copy. Each reading thread (a Spark task) has its own {@link FSDataInputStream} and read-ahead buffer, since the
 * journal readers and the search read forward in small pieces (entry headers, 4 KiB windows): a forward read in the
 * buffer is a copy, a read past it refills the buffer from the stream, which stays open on its block, so a share is
 * read as one stream rather than one positioned read (one data node request) per piece. Shared by the tasks of one
 * executor ({@link ExecutorJournals}), hence the per-thread cursors. They are held by the file, not by the threads
 * (a {@link ThreadLocal} value pointing back at its file is never freed while the pooled task thread lives: every
 * journal it ever read kept its 4 MiB buffer), and go with it when it is closed.
 */
final class HadoopFile extends BoundedFile {
	/** Read-ahead per reading thread: several HDFS packets, few enough refills for a GB-sized share. */
	static final int BUFFER = 4 << 20;

	private final FileSystem fs;
	private final Path path;
	/** Each reading thread's cursor: looked up without a lock on every read; made and dropped under its monitor. */
	private final Map<Thread, Cursor> cursors = new ConcurrentHashMap<>();
	private boolean closed; // guarded by cursors

	private HadoopFile(FileSystem fs, Path path, long size) {
		super(path.toString(), size);
		this.fs = fs;
		this.path = path;
	}

	/** Opens {@code location}, refusing a file whose length is not the {@code listed} one (changed since listed). */
	static HadoopFile open(String location, long listed, Configuration conf) throws IOException {
		Path p = new Path(location);
		FileSystem fs = p.getFileSystem(conf);
		FileStatus st = fs.getFileStatus(p);
		if (st.getLen() != listed) throw new IOException(location + ": " + st.getLen() + " bytes where the listing gave " + listed + " (changed while searched?)");
		return new HadoopFile(fs, st.getPath(), listed);
	}

	@Override
	protected void readInside(long pos, byte[] buf, int off, int len) throws IOException {
		Cursor c = cursor();
		while (len > 0) {
			int at = c.holding(pos);
			int n = Math.min(len, c.filled - at);
			System.arraycopy(c.buf, at, buf, off, n);
			pos += n;
			off += n;
			len -= n;
		}
	}

	@Override
	protected void updateInside(Checksum sum, long pos, long len) throws IOException {
		Cursor c = cursor();
		while (len > 0) {
			int at = c.holding(pos);
			int n = (int) Math.min(len, c.filled - at);
			sum.update(c.buf, at, n);
			pos += n;
			len -= n;
		}
	}

	private Cursor cursor() throws IOException {
		Cursor c = cursors.get(Thread.currentThread());
		if (c != null) return c;
		synchronized (cursors) {
			if (closed) throw new IOException(name() + ": closed");
			c = new Cursor(fs.open(path));
			cursors.put(Thread.currentThread(), c);
			return c;
		}
	}

	/** How many threads have a cursor open on this file. */
	int cursorCount() {
		return cursors.size();
	}

	@Override
	public void close() {
		synchronized (cursors) {
			closed = true;
			for (Cursor c : cursors.values()) {
				try {
					c.in.close();
				} catch (IOException e) {
					// nothing more is read from it
				}
			}
			cursors.clear();
		}
	}

	/** One thread's stream and the bytes {@code [start, start + filled)} of the file it last read. */
	private final class Cursor {
		final FSDataInputStream in;
		final byte[] buf = new byte[BUFFER];
		long start;
		int filled;

		Cursor(FSDataInputStream in) {
			this.in = in;
		}

		/** {@code pos}'s index in {@link #buf}, reading from {@code pos} on when the buffer does not hold it. */
		int holding(long pos) throws IOException {
			if (pos >= start && pos < start + filled) return (int) (pos - start);
			int n = (int) Math.min(BUFFER, size() - pos);
			filled = 0;
			// a forward seek within the stream's block skips; only a jump elsewhere opens a new block reader
			if (in.getPos() != pos) in.seek(pos);
			try {
				in.readFully(buf, 0, n);
			} catch (EOFException e) {
				throw new EvidenceFormatException(name(), "ends before " + (pos + n) + " bytes, shorter than the " + size() + " listed (changed while searched?)");
			}
			start = pos;
			filled = n;
			return 0;
		}
	}
}
