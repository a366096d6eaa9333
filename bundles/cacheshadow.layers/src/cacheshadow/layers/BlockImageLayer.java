package cacheshadow.layers;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A virtual disk stored as fixed-size blocks in a container file (VMDK grains, VHD/VHDX blocks, EWF chunks): each
 * format says where a block's bytes are, the reads across blocks and the bounds are done here. Unallocated blocks
 * read as zeros — what the guest saw, so not a hole. Blocks whose bytes (or the tables locating them) lie past the
 * end of the file make the image truncated: refused, or opened as partial evidence, where they are
 * {@linkplain #missing() missing}.
 */
abstract class BlockImageLayer implements Layer {
	/** Decoded blocks kept per layer (inflated chunks, pages, tables): a 64 MiB image or 16,384 pages stay decoded. */
	static final long CACHE_BYTES = 64L << 20;

	protected final MappedFile file;
	protected final long size;
	protected final long blockSize;
	private final String kind;
	private List<Extent> missing = List.of(), extents;

	protected BlockImageLayer(MappedFile file, String kind, long size, long blockSize) {
		this.file = file;
		this.kind = kind;
		this.size = size;
		this.blockSize = blockSize;
		this.extents = List.of(new Extent(0, size));
	}

	/** Adds blocks {@code [first, first+count)} to ascending ranges of blocks, joining it to the last one when they touch. */
	protected static void addBlocks(List<Extent> blocks, long first, long count) {
		if (count <= 0) return;
		if (!blocks.isEmpty() && blocks.get(blocks.size() - 1).end() == first) {
			Extent last = blocks.remove(blocks.size() - 1);
			blocks.add(new Extent(last.start(), last.length() + count));
		} else {
			blocks.add(new Extent(first, count));
		}
	}

	/**
	 * Sets the guest ranges whose blocks lie past the end of the file ({@code truncated}: ascending ranges of block
	 * numbers, made with {@link #addBlocks}); without {@code partial} any such block refuses the image, naming
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
		this.missing = Collections.unmodifiableList(miss);
		this.extents = Collections.unmodifiableList(ext);
	}

	/**
	 * Copies {@code n} bytes at {@code inBlock} of block {@code block} (the range lies inside the block and the
	 * disk) into {@code buf[off..]}.
	 */
	protected abstract void readBlock(long block, int inBlock, byte[] buf, int off, int n) throws IOException;

	@Override
	public String name() {
		return file.path().getFileName() + " (" + kind + ")";
	}

	@Override
	public String source() {
		return file.path().toString();
	}

	@Override
	public long size() {
		return size;
	}

	@Override
	public List<Extent> extents() {
		return extents;
	}

	@Override
	public List<Extent> missing() {
		return missing;
	}

	@Override
	public void read(long offset, byte[] buf, int off, int len) throws IOException {
		if (offset < 0 || offset + len > size || offset + len < offset) {
			throw new UnmappedAddressException(name(), offset < 0 || offset >= size ? offset : size);
		}
		if (!missing.isEmpty() && isMissing(offset, len)) {
			for (Extent m : missing) {
				if (m.end() > offset && m.start() < offset + len) throw MissingReads.missing(name(), Math.max(offset, m.start()));
			}
		}
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

	@Override
	public void close() throws IOException {
		file.close();
	}
}
