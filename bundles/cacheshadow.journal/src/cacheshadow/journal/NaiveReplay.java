package cacheshadow.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Replays entries {@code [0, n)} in order onto a disk copy, the O(n) way of xfstests' replay-log: the reference
 * {@link DiskAtInstant} is checked against, and the baseline of the bench.
 */
public final class NaiveReplay {
	private NaiveReplay() {
	}

	/** Applies the first {@code n} entries to {@code disk} (a whole in-memory image); bytes past its end are dropped. */
	public static void replay(WriteLog log, int from, int n, byte[] disk) throws IOException {
		for (int i = from; i < n; i++) {
			if (!log.changesDisk(i)) continue;
			long off = log.diskOffset(i), len = log.length(i);
			if (off >= disk.length) continue;
			int l = (int) Math.min(len, disk.length - off);
			log.readData(i, 0, disk, (int) off, l);
		}
	}

	/** Applies the first {@code n} entries to a disk image file, entry by entry; returns the bytes written. */
	public static long replay(WriteLog log, int n, FileChannel disk) throws IOException {
		byte[] buf = new byte[1 << 20];
		long written = 0;
		for (int i = 0; i < n; i++) {
			if (!log.changesDisk(i)) continue;
			long off = log.diskOffset(i), len = log.length(i);
			for (long w = 0; w < len;) {
				int c = (int) Math.min(buf.length, len - w);
				log.readData(i, w, buf, 0, c);
				ByteBuffer bb = ByteBuffer.wrap(buf, 0, c);
				long p = off + w;
				while (bb.hasRemaining()) p += disk.write(bb, p);
				w += c;
				written += c;
			}
		}
		return written;
	}
}
