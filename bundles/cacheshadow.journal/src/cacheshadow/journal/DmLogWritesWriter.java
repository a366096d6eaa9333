package cacheshadow.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import cacheshadow.layers.LittleEndian;

/**
 * Writes a dm-log-writes log in the layout {@link DmLogWritesReader} documents: for synthetic journals (bench,
 * tests, exports). Like QEMU, the super block's {@code nr_entries} is rewritten on each flush and on close.
 */
public final class DmLogWritesWriter implements AutoCloseable {
	private final FileChannel ch;
	private final int sectorSize;
	private final ByteBuffer buf;
	private long pos;
	private long entries;

	public DmLogWritesWriter(Path path, int sectorSize) throws IOException {
		if (sectorSize < DmLogWritesReader.ENTRY_HEADER_BYTES || Integer.bitCount(sectorSize) != 1) {
			throw new IllegalArgumentException("sector size " + sectorSize);
		}
		this.sectorSize = sectorSize;
		this.ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
		this.buf = ByteBuffer.allocate(Math.max(1 << 20, sectorSize * 2));
		this.pos = sectorSize;
		writeSuper();
	}

	public int sectorSize() {
		return sectorSize;
	}

	public long entries() {
		return entries;
	}

	/** Logs a write of {@code data} (a whole number of sectors) at sector {@code sector}. */
	public void write(long sector, byte[] data, int off, int len, int flags) throws IOException {
		if (len % sectorSize != 0) throw new IllegalArgumentException("write of " + len + " bytes is not whole sectors");
		header(sector, len / sectorSize, flags & ~WriteLog.MARK, null);
		put(data, off, len);
		entries++;
		if ((flags & WriteLog.FLUSH) != 0) flushSuper();
	}

	/**
	 * Logs every entry of {@code from} again (writes, flushes, discards, marks; flags kept), in its order. An entry's
	 * data is copied through a buffer of at most 1 MiB: its length is a long (a logged write may exceed an array).
	 */
	public void writeAll(WriteLog from) throws IOException {
		int ss = from.sectorSize();
		if (ss != sectorSize) throw new IllegalArgumentException("sector sizes differ: " + ss + " vs " + sectorSize);
		byte[] chunk = new byte[Math.max(1 << 20, ss)];
		for (int i = 0; i < from.entryCount(); i++) {
			int flags = from.flags(i);
			long len = from.length(i);
			if ((flags & WriteLog.MARK) != 0) mark(from.mark(i));
			else if ((flags & WriteLog.DISCARD) != 0) discard(from.diskOffset(i) / ss, len / ss);
			else if (len == 0 && (flags & WriteLog.FLUSH) != 0) flush();
			else {
				header(from.diskOffset(i) / ss, len / ss, flags & ~WriteLog.MARK, null);
				for (long at = 0; at < len; at += chunk.length) {
					int n = (int) Math.min(chunk.length, len - at);
					from.readData(i, at, chunk, 0, n);
					put(chunk, 0, n);
				}
				entries++;
				if ((flags & WriteLog.FLUSH) != 0) flushSuper();
			}
		}
	}

	public void flush() throws IOException {
		header(0, 0, WriteLog.FLUSH, null);
		entries++;
		flushSuper();
	}

	public void discard(long sector, long nrSectors) throws IOException {
		header(sector, nrSectors, WriteLog.DISCARD, null);
		entries++;
	}

	public void mark(String text) throws IOException {
		byte[] t = text.getBytes(StandardCharsets.UTF_8);
		if (t.length > sectorSize - DmLogWritesReader.ENTRY_HEADER_BYTES - 1) throw new IllegalArgumentException("mark too long");
		header(0, 0, WriteLog.MARK, t);
		entries++;
	}

	private void header(long sector, long nrSectors, int flags, byte[] markText) throws IOException {
		byte[] h = new byte[sectorSize];
		LittleEndian.put64(h, 0, sector);
		LittleEndian.put64(h, 8, nrSectors);
		LittleEndian.put64(h, 16, flags);
		LittleEndian.put64(h, 24, markText == null ? 0 : markText.length);
		if (markText != null) System.arraycopy(markText, 0, h, DmLogWritesReader.ENTRY_HEADER_BYTES, markText.length);
		put(h, 0, h.length);
	}

	private void put(byte[] b, int off, int len) throws IOException {
		while (len > 0) {
			if (!buf.hasRemaining()) drain();
			int n = Math.min(len, buf.remaining());
			buf.put(b, off, n);
			off += n;
			len -= n;
		}
	}

	private void drain() throws IOException {
		buf.flip();
		while (buf.hasRemaining()) pos += ch.write(buf, pos);
		buf.clear();
	}

	private void flushSuper() throws IOException {
		drain();
		writeSuper();
	}

	private void writeSuper() throws IOException {
		byte[] s = new byte[sectorSize];
		LittleEndian.put64(s, 0, DmLogWritesReader.MAGIC);
		LittleEndian.put64(s, 8, DmLogWritesReader.VERSION);
		LittleEndian.put64(s, 16, entries);
		LittleEndian.put32(s, 24, sectorSize);
		ByteBuffer b = ByteBuffer.wrap(s);
		long p = 0;
		while (b.hasRemaining()) p += ch.write(b, p);
	}

	@Override
	public void close() throws IOException {
		flushSuper();
		ch.close();
	}
}
