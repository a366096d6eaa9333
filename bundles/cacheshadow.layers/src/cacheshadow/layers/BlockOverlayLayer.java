package cacheshadow.layers;

import java.io.IOException;
import java.util.List;

/**
 * A layer that shows some fixed-size blocks from somewhere else and every other byte from the layer below: the
 * disk after jbd2 recovery (blocks from the journal), the disk at an instant (blocks from a write log), the disk
 * as the guest's block-device cache has it (blocks from cached pages). Subclasses say which blocks they hold and
 * how to read them; splitting reads at block boundaries is done once, here. The layer below is never written.
 */
public abstract class BlockOverlayLayer implements Layer {
	protected final Layer base;
	protected final int blockSize;

	protected BlockOverlayLayer(Layer base, int blockSize) {
		if (blockSize <= 0) throw new IllegalArgumentException("block size " + blockSize);
		this.base = base;
		this.blockSize = blockSize;
	}

	public Layer base() {
		return base;
	}

	public int blockSize() {
		return blockSize;
	}

	/**
	 * Copies {@code len} bytes from offset {@code inBlock} of overlaid block {@code block} into {@code buf}, or returns
	 * false when this overlay does not hold that block (the base is read instead).
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
	public void read(long offset, byte[] buf, int off, int len) throws IOException {
		if (len <= 0) return;
		if (offset < 0 || offset + len > size() || offset + len < offset) throw new UnmappedAddressException(name(), offset < 0 ? offset : size());
		long first = offset / blockSize, last = (offset + len - 1) / blockSize;
		if (!holdsAny(first, last)) {
			base.read(offset, buf, off, len);
			return;
		}
		int done = 0;
		while (done < len) {
			long pos = offset + done;
			long blk = pos / blockSize;
			int in = (int) (pos - blk * blockSize);
			int n = Math.min(len - done, blockSize - in);
			if (!readOverlaid(blk, in, buf, off + done, n)) base.read(pos, buf, off + done, n);
			done += n;
		}
	}

	@Override
	public void close() throws IOException {
		// the base belongs to whoever opened it
	}
}
