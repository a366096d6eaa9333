package cacheshadow.ext4.jbd2;

import java.io.IOException;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;

/**
 * The device as a mount sees it after jbd2 recovery, in memory: each file-system block some committed,
 * unrevoked transaction logged reads from its newest journal copy (escaped copies get their magic back);
 * every other byte reads from the layer below. The layer below is never written.
 */
public final class JournalOverlayLayer implements Layer {
	/** Where the newest copy of a block sits: a byte offset in the base layer, and whether it was escaped. */
	public record Copy(long baseOffset, boolean escaped, long sequence) {
	}

	private static final byte[] MAGIC = { (byte) 0xC0, 0x3B, 0x39, (byte) 0x98 };

	private final Layer base;
	private final int blockSize;
	private final NavigableMap<Long, Copy> copies;

	JournalOverlayLayer(Layer base, int blockSize, TreeMap<Long, Copy> copies) {
		this.base = base;
		this.blockSize = blockSize;
		this.copies = Collections.unmodifiableNavigableMap(copies);
	}

	public Layer base() {
		return base;
	}

	/** File-system block number → its journal copy, ascending. */
	public NavigableMap<Long, Copy> copies() {
		return copies;
	}

	public int overlaidBlocks() {
		return copies.size();
	}

	@Override
	public String name() {
		return base.name() + " + jbd2 replay";
	}

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
		long first = offset / blockSize, last = (offset + len - 1) / blockSize;
		Map.Entry<Long, Copy> e = copies.ceilingEntry(first);
		if (e == null || e.getKey() > last) {
			base.read(offset, buf, off, len);
			return;
		}
		int done = 0;
		while (done < len) {
			long pos = offset + done;
			long blk = pos / blockSize;
			int in = (int) (pos % blockSize);
			Copy c = copies.get(blk);
			if (c == null) {
				// read through to the next overlaid block
				Long next = copies.higherKey(blk);
				long end = next == null ? Long.MAX_VALUE : next * blockSize;
				int k = (int) Math.min(len - done, end - pos);
				base.read(pos, buf, off + done, k);
				done += k;
				continue;
			}
			int k = Math.min(len - done, blockSize - in);
			base.read(c.baseOffset() + in, buf, off + done, k);
			if (c.escaped() && in < 4) {
				for (int i = in; i < 4 && i - in < k; i++) buf[off + done + i - in] = MAGIC[i];
			}
			done += k;
		}
	}

	@Override
	public void close() {
		// the base layer belongs to the caller
	}
}
