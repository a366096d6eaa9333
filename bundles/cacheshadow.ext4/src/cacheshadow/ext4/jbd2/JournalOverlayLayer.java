package cacheshadow.ext4.jbd2;

import java.io.IOException;
import java.util.Collections;
import java.util.NavigableMap;
import java.util.TreeMap;

import cacheshadow.layers.BlockOverlayLayer;
import cacheshadow.layers.Layer;

/**
 * The device as a mount sees it after jbd2 recovery, in memory: each file-system block some committed,
 * unrevoked transaction logged reads from its newest journal copy (escaped copies get their magic back);
 * every other byte reads from the layer below. The layer below is never written.
 */
public final class JournalOverlayLayer extends BlockOverlayLayer {
	/**
	 * Where the newest copy of a block sits: a byte offset in the base layer, whether it was escaped, and the
	 * transaction that logged it.
	 */
	public record Copy(long baseOffset, boolean escaped, long sequence) {
	}

	private static final byte[] MAGIC = { (byte) 0xC0, 0x3B, 0x39, (byte) 0x98 };

	private final NavigableMap<Long, Copy> copies;

	JournalOverlayLayer(Layer base, int blockSize, TreeMap<Long, Copy> copies) {
		super(base, blockSize);
		this.copies = Collections.unmodifiableNavigableMap(copies);
	}

	private JournalOverlayLayer(Layer base, int blockSize, NavigableMap<Long, Copy> copies) {
		super(base, blockSize);
		this.copies = copies;
	}

	/** The same replay over {@code base}, a layer holding the same bytes as this one's (a later copy of an unwritten disk). */
	public JournalOverlayLayer over(Layer base) {
		return new JournalOverlayLayer(base, blockSize, copies);
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
	protected boolean holdsAny(long firstBlock, long lastBlock) {
		Long k = copies.ceilingKey(firstBlock); // a key, not an entry: the read-only view wraps every entry it returns
		return k != null && k <= lastBlock;
	}

	@Override
	protected boolean readOverlaid(long block, int inBlock, byte[] buf, int off, int len) throws IOException {
		Copy c = copies.get(block);
		if (c == null) return false;
		base.read(c.baseOffset() + inBlock, buf, off, len);
		if (c.escaped()) {
			for (int i = inBlock; i < 4 && i - inBlock < len; i++) buf[off + i - inBlock] = MAGIC[i];
		}
		return true;
	}
}
