package cacheshadow.layers;

import java.io.IOException;
import java.util.List;

/**
 * A layer that shows some fixed-size blocks from somewhere else and every other byte from the layer below: the
 * disk after jbd2 recovery (blocks from the journal), the disk as the guest's block-device cache has it (pages of a
 * partition, counted from where the partition starts). Subclasses say which blocks they hold and how to read
 * them; splitting reads at block boundaries, and reading the bytes between held blocks from the base in one call
 * per run, is done once, here. The layer below is never written. (The disk at a journal instant, whose blocks mix
 * units from many log entries and discards, keeps its own unit-wise read: {@code DiskAtInstant}.)
 */
public abstract class BlockOverlayLayer implements Layer {
	protected final Layer base;
	protected final int blockSize;
	/** Offset in the base where block 0 starts; bytes before it are always the base's. */
	protected final long origin;

	protected BlockOverlayLayer(Layer base, int blockSize) {
		this(base, blockSize, 0);
	}

	protected BlockOverlayLayer(Layer base, int blockSize, long origin) {
		if (blockSize <= 0) throw new IllegalArgumentException("block size " + blockSize);
		if (origin < 0) throw new IllegalArgumentException("origin " + origin);
		this.base = base;
		this.blockSize = blockSize;
		this.origin = origin;
	}

	public Layer base() {
		return base;
	}

	public int blockSize() {
		return blockSize;
	}

	/**
	 * Copies {@code len} bytes from offset {@code inBlock} of overlaid block {@code block} into {@code buf} (reading
	 * from {@link #base} itself for parts of the block it holds only in part), or returns false when this overlay
	 * holds none of these bytes (the base is read instead).
	 */
	protected abstract boolean readOverlaid(long block, int inBlock, byte[] buf, int off, int len) throws IOException;

	/** Cheap check used to pass whole reads through to the base; must not be false for a block that is held. */
	protected abstract boolean holdsAny(long firstBlock, long lastBlock);

	@Override
	public String source() {
		return base.name();
	}

	@Override
	public long size() {
		return base.size();
	}

	@Override
	public List<Extent> extents() {
		return base.extents();
	}

	@Override
	public List<Extent> missing() {
		return base.missing();
	}

	@Override
	public void read(long offset, byte[] buf, int off, int len) throws IOException {
		if (len <= 0) return;
		if (offset < 0 || offset + len > size() || offset + len < offset) throw new UnmappedAddressException(name(), offset < 0 ? offset : size());
		int done = (int) Math.min(len, Math.max(0, origin - offset)); // before block 0
		if (offset + len <= origin || !holdsAny((offset + done - origin) / blockSize, (offset + len - 1 - origin) / blockSize)) {
			base.read(offset, buf, off, len);
			return;
		}
		int runFrom = 0, runLen = done; // bytes [runFrom, runFrom + runLen) of this read still to come from the base
		while (done < len) {
			long rel = offset + done - origin;
			long blk = rel / blockSize;
			int in = (int) (rel - blk * blockSize);
			int n = Math.min(len - done, blockSize - in);
			if (readOverlaid(blk, in, buf, off + done, n)) {
				if (runLen > 0) base.read(offset + runFrom, buf, off + runFrom, runLen);
				runLen = 0;
			} else {
				if (runLen == 0) runFrom = done;
				runLen += n;
			}
			done += n;
		}
		if (runLen > 0) base.read(offset + runFrom, buf, off + runFrom, runLen);
	}

	@Override
	public void close() throws IOException {
		// the base belongs to whoever opened it
	}
}
