package cacheshadow.ext4;

import java.io.EOFException;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

import cacheshadow.layers.Layer;

/**
 * The content of one inode read through the file system's layer: holes and unwritten extents read as zeros,
 * inline data ({@code i_block} + {@code system.data}) from the inode itself. Reads stop at {@code i_size}.
 * Safe for concurrent readers (no mutable state).
 */
public final class Ext4File {
	private final Ext4FileSystem fs;
	private final Ext4Inode inode;
	private final BlockMap map;
	private final byte[] inline;

	Ext4File(Ext4FileSystem fs, Ext4Inode inode, BlockMap map, byte[] inline) {
		this.fs = fs;
		this.inode = inode;
		this.map = map;
		this.inline = inline;
	}

	/** This file read through {@code other}: the same file system over a layer holding the same bytes ({@link Ext4FileSystem#over}). */
	public Ext4File in(Ext4FileSystem other) {
		return new Ext4File(other, inode, map, inline);
	}

	/** The file system it is read through. */
	public Ext4FileSystem fileSystem() {
		return fs;
	}

	public Ext4Inode inode() {
		return inode;
	}

	public long size() {
		return inode.size;
	}

	/** Logical → device block map; empty for inline data. */
	public BlockMap blockMap() {
		return map;
	}

	public boolean isInline() {
		return inline != null;
	}

	/**
	 * Reads up to {@code len} bytes at {@code offset}; returns the count read, -1 at or past the end of file.
	 */
	public int read(long offset, byte[] buf, int off, int len) throws IOException {
		if (offset < 0) throw new IllegalArgumentException("negative offset");
		long size = inode.size;
		if (offset >= size) return len == 0 ? 0 : -1;
		int n = (int) Math.min(len, size - offset);
		if (inline != null) {
			int avail = (int) Math.max(0, Math.min(n, inline.length - offset));
			if (avail > 0) System.arraycopy(inline, (int) offset, buf, off, avail);
			Arrays.fill(buf, off + Math.max(avail, 0), off + n, (byte) 0);
			return n;
		}
		readMapped(fs.layer(), offset, buf, off, n);
		return n;
	}

	/**
	 * Reads {@code len} bytes at {@code offset} through the block map alone, whatever {@code i_size} says: holes and
	 * unwritten extents as zeros, data blocks from {@code data} (the file system's layer, or one with the same block
	 * addresses, e.g. the disk below a cache overlay). The merge reads past the disk's end of file this way when the
	 * cached inode is larger and its blocks are already allocated. Not for inline-data files.
	 */
	public void readMapped(Layer data, long offset, byte[] buf, int off, int len) throws IOException {
		if (inline != null) throw new IllegalStateException("inode " + inode.number + " keeps its data inline");
		int bs = fs.blockSize();
		int done = 0;
		while (done < len) {
			long pos = offset + done;
			long lb = pos / bs;
			int inBlock = (int) (pos % bs);
			BlockRun r = map.runAt(lb);
			if (r == null) {
				// hole up to the next run
				int idx = map.firstRunEndingAfter(lb);
				long holeEnd = idx < map.runs().size() ? map.runs().get(idx).logical() * bs : Long.MAX_VALUE;
				int k = (int) Math.min(len - done, holeEnd - pos);
				Arrays.fill(buf, off + done, off + done + k, (byte) 0);
				done += k;
				continue;
			}
			long runBytesLeft = (r.logicalEnd() - lb) * bs - inBlock;
			int k = (int) Math.min(len - done, runBytesLeft);
			if (r.unwritten()) {
				Arrays.fill(buf, off + done, off + done + k, (byte) 0);
			} else {
				long dev = (r.physical() + (lb - r.logical())) * bs + inBlock;
				data.read(dev, buf, off + done, k);
			}
			done += k;
		}
	}

	public void readFully(long offset, byte[] buf, int off, int len) throws IOException {
		int done = 0;
		while (done < len) {
			int k = read(offset + done, buf, off + done, len - done);
			if (k <= 0) throw new EOFException("inode " + inode.number + ": read past end of file at " + (offset + done));
			done += k;
		}
	}

	/** Whole content (for directories, symlinks, small files); refuses more than {@code max} bytes. */
	public byte[] readAll(int max) throws IOException {
		// i_size is 64 bits the kernel reads as a signed loff_t: past 2^63 it is no size at all
		if (inode.size < 0 || inode.size > max) {
			throw new IOException("inode " + inode.number + ": " + Long.toUnsignedString(inode.size) + " bytes exceed the limit of " + max);
		}
		byte[] b = new byte[(int) inode.size];
		readFully(0, b, 0, b.length);
		return b;
	}

	/** Lowercase hex sha256 of the content. */
	public String sha256() throws IOException {
		MessageDigest md;
		try {
			md = MessageDigest.getInstance("SHA-256");
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
		byte[] buf = new byte[(int) Math.max(1, Math.min(1 << 20, inode.size))];
		long pos = 0;
		while (pos < inode.size) {
			int k = read(pos, buf, 0, buf.length);
			if (k <= 0) break;
			md.update(buf, 0, k);
			pos += k;
		}
		return HexFormat.of().formatHex(md.digest());
	}
}
