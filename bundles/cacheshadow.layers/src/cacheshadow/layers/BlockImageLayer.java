package cacheshadow.layers;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An address space stored as fixed-size blocks in a container file, each located (and decoded) on its own: a virtual
 * disk's VMDK grains, VHD/VHDX blocks, EWF chunks, qcow2 clusters, a compressed kdump's pages. Each format says where
 * a block's bytes are; the reads across blocks and the bounds are done here. A disk's unallocated blocks read as
 * zeros — what the guest saw, so not a hole; a dump's pages not dumped are holes, which its reader reports. Blocks
 * whose bytes (or the tables locating them) lie past the end of the file make the evidence truncated: refused, or
 * opened as partial evidence, where they are {@linkplain #missing() missing}.
 */
abstract class BlockImageLayer extends FileBackedLayer {
	/** Decoded blocks kept per layer (inflated chunks, pages, tables): a 64 MiB image or 16,384 pages stay decoded. */
	static final long CACHE_BYTES = 64L << 20;

	protected final long blockSize;

	protected BlockImageLayer(MappedFile file, String kind, long size, long blockSize) {
		super(file, kind, size, List.of(new Extent(0, size)), List.of());
		this.blockSize = blockSize;
	}

	/**
	 * Sets the guest ranges whose blocks lie past the end of the file ({@code truncated}: ascending ranges of block
	 * numbers, made with {@link #addRange}); without {@code partial} any such block refuses the image, naming
	 * {@code what}.
	 */
	protected final void cutShort(List<Extent> truncated, boolean partial, String what) throws TruncatedEvidenceException {
		if (truncated.isEmpty()) return;
		List<Extent> miss = new ArrayList<>();
		for (Extent b : truncated) {
			long start = b.start() * blockSize, len = Math.min(b.length() * blockSize, size - start);
			if (len > 0) miss.add(new Extent(start, len));
		}
		if (miss.isEmpty()) return;
		if (!partial) {
			long bytes = 0;
			for (Extent e : miss) bytes += e.length();
			throw new TruncatedEvidenceException(file.path(), String.format("%d bytes of the disk (first at offset 0x%x) have their %s past the end of the file (%d bytes)",
					bytes, miss.get(0).start(), what, file.size()));
		}
		List<Extent> ext = new ArrayList<>();
		long at = 0;
		for (Extent m : miss) {
			if (m.start() > at) ext.add(new Extent(at, m.start() - at));
			at = m.end();
		}
		if (at < size) ext.add(new Extent(at, size - at));
		coverage(Collections.unmodifiableList(ext), Collections.unmodifiableList(miss));
	}

	/**
	 * Copies {@code n} bytes at {@code inBlock} of block {@code block} (the range lies inside the block and the
	 * disk) into {@code buf[off..]}.
	 */
	protected abstract void readBlock(long block, int inBlock, byte[] buf, int off, int n) throws IOException;

	@Override
	public void read(long offset, byte[] buf, int off, int len) throws IOException {
		checkRead(offset, len);
		while (len > 0) {
			long block = offset / blockSize;
			int inBlock = (int) (offset - block * blockSize);
			int n = (int) Math.min(len, blockSize - inBlock);
			readBlock(block, inBlock, buf, off, n);
			offset += n;
			off += n;
			len -= n;
		}
	}

	/** Reads file bytes that the format's tables place at {@code pos}: outside the file is corrupt evidence. */
	protected final void readFile(long pos, byte[] buf, int off, int n, long block) throws IOException {
		if (pos < 0 || pos + n > file.size() || pos + n < pos) {
			throw new EvidenceFormatException(file.path(), String.format("data of disk offset 0x%x lies outside the file (at 0x%x)", block * blockSize, pos));
		}
		file.read(pos, buf, off, n);
	}
}
