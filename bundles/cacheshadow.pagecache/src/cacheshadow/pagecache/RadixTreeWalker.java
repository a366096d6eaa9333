package cacheshadow.pagecache;

import java.io.IOException;
import java.util.List;

import cacheshadow.kernel.Btf;
import cacheshadow.kernel.BtfType;
import cacheshadow.kernel.KernelLayoutException;
import cacheshadow.kernel.LinuxKernel;
import cacheshadow.layers.Layer;
import cacheshadow.layers.LittleEndian;
import cacheshadow.listing.Finding;

/**
 * Visits every entry of a page cache radix tree, the {@code struct radix_tree_root} before the XArray
 * ({@code address_space.i_pages} 4.17–4.19, {@code page_tree} earlier; include/linux/radix-tree.h,
 * lib/radix-tree.c). Every offset, the slot count ({@code RADIX_TREE_MAP_SIZE}) and the tag layout
 * ({@code tags[RADIX_TREE_MAX_TAGS][RADIX_TREE_TAG_LONGS]}) come from BTF; so does how a node states its level:
 * <ul>
 * <li>{@code shift} (4.7+, and RHEL 7's backport): bits of the index below this node's slots;</li>
 * <li>{@code path} (3.15–4.6): the height from the bottom in the low {@code RADIX_TREE_MAX_PATH + 1} bits, the
 * offset in the parent above;</li>
 * <li>{@code height} (before): the height from the bottom, 1 for a leaf.</li>
 * </ul>
 * Slot encoding, from the low two bits: {@code 00} a data pointer (a {@code struct page}), {@code 10} an
 * exceptional entry ({@code RADIX_TREE_EXCEPTIONAL_ENTRY}, content above {@code RADIX_TREE_EXCEPTIONAL_SHIFT} 2):
 * a workingset shadow of an evicted page, or a shmem swap entry; {@code 01} internal
 * ({@code RADIX_TREE_INTERNAL_NODE}, 4.7+; {@code RADIX_TREE_INDIRECT_PTR} before): a node pointer + 1, a
 * multi-order sibling (a pointer to the canonical slot in the same node, + 1) or the retry marker (1). Kernels
 * before 4.6 tag only the root's node pointer and store child nodes untagged, which height/path layouts allow.
 * A node only at index 0 may sit in {@code rnode} directly. Tag 0 is {@code PAGECACHE_TAG_DIRTY}, tag 1
 * {@code PAGECACHE_TAG_WRITEBACK}; the root's tags live in {@code gfp_mask} from {@code __GFP_BITS_SHIFT} up.
 *
 * <p>Hostile trees end in findings, never in a loop ({@link BoundedTreeWalk}): a node seen twice, a child whose
 * level is not its parent's minus one, an unreadable node, a reserved encoding ({@code 11}), or more entries
 * than {@link #MAX_ENTRIES}.
 */
public final class RadixTreeWalker implements PageIndexWalker {
	/** {@code RADIX_TREE_RETRY}: {@code node_to_entry(NULL)}. */
	private static final long RETRY = 1;
	/** {@code __GFP_BITS_SHIFT} has stayed within 20..27 since 2.6; nothing below this is a tag bit. */
	private static final int MIN_GFP_BITS_SHIFT = 16;

	/** How {@code struct radix_tree_node} states its level. */
	private enum Level {
		SHIFT, PATH, HEIGHT
	}

	private final Layer vm;
	private final long gfpMaskOff, rnodeOff, levelOff, slotsOff, tagsOff;
	private final int gfpMaskBytes, levelBytes;
	private final Level level;
	private final String levelName;
	private final int chunk, chunkShift, maxHeight, tagCount, tagLongs, nodeSize;
	/** Bit of tag 0 in {@code gfp_mask} ({@code __GFP_BITS_SHIFT}), or -1 while unknown. */
	/** Learned from the first tree with tags, read by walks that may run on several threads. */
	private volatile int rootTagShift = -1;

	public RadixTreeWalker(LinuxKernel kernel) throws IOException {
		Btf b = kernel.btf();
		vm = kernel.virtual();
		Btf.Field gfp = b.field("radix_tree_root", "gfp_mask");
		gfpMaskOff = gfp.offset();
		gfpMaskBytes = (int) b.sizeOf(gfp.type());
		rnodeOff = b.field("radix_tree_root", "rnode").offset();
		slotsOff = b.field("radix_tree_node", "slots").offset();
		chunk = PageArray.arrayLength(b, "radix_tree_node", "slots");
		if (chunk < 2 || Integer.bitCount(chunk) != 1 || chunk > 4096) throw new KernelLayoutException("radix_tree_node.slots has " + chunk + " entries");
		chunkShift = Integer.numberOfTrailingZeros(chunk);
		// RADIX_TREE_MAX_PATH = DIV_ROUND_UP(RADIX_TREE_INDEX_BITS, RADIX_TREE_MAP_SHIFT): the tallest tree.
		maxHeight = (64 + chunkShift - 1) / chunkShift;
		Btf.Field lf;
		if ((lf = b.fieldOrNull("radix_tree_node", "shift")) != null) level = Level.SHIFT;
		else if ((lf = b.fieldOrNull("radix_tree_node", "path")) != null) level = Level.PATH;
		else if ((lf = b.fieldOrNull("radix_tree_node", "height")) != null) level = Level.HEIGHT;
		else throw new KernelLayoutException("radix_tree_node has neither shift, path nor height");
		levelName = level == Level.SHIFT ? "shift" : "height";
		levelOff = lf.offset();
		levelBytes = (int) b.sizeOf(lf.type());
		if (levelBytes != 1 && levelBytes != 2 && levelBytes != 4) throw new KernelLayoutException("radix_tree_node level field of " + levelBytes + " bytes");
		Btf.Field tags = b.field("radix_tree_node", "tags");
		tagsOff = tags.offset();
		if (!(b.resolved(tags.type()) instanceof BtfType.Array outer)) throw new KernelLayoutException("radix_tree_node.tags is not an array");
		if (b.resolved(outer.element()) instanceof BtfType.Array inner) {
			tagCount = (int) Math.min(outer.count(), 64);
			tagLongs = (int) inner.count();
		} else { // flattened by the BTF producer: RADIX_TREE_TAG_LONGS = DIV_ROUND_UP(RADIX_TREE_MAP_SIZE, BITS_PER_LONG)
			tagLongs = (chunk + 63) / 64;
			tagCount = (int) Math.min(outer.count() / tagLongs, 64);
		}
		nodeSize = (int) b.sizeOf("radix_tree_node");
		if (tagCount < 1 || tagLongs * 64L < chunk || tagsOff + 8L * tagCount * tagLongs > nodeSize || slotsOff + 8L * chunk > nodeSize) {
			throw new KernelLayoutException("radix_tree_node: " + chunk + " slots, tags[" + tagCount + "][" + tagLongs + "] do not fit its " + nodeSize + " bytes");
		}
	}

	@Override
	public int rootMarkShift() {
		return rootTagShift;
	}

	@Override
	public String structure() {
		return "radix tree";
	}

	/**
	 * Before 4.20 {@code swp_to_radix_entry()} shifted the whole {@code swp_entry_t} by
	 * {@code RADIX_TREE_EXCEPTIONAL_SHIFT}, so swapops.h kept the type two bits lower (bit 57, not 58).
	 */
	@Override
	public long swapEntry(long integer) {
		long type = integer >>> 57, offset = integer & ((1L << 57) - 1);
		return type << 58 | offset;
	}

	/**
	 * Learns {@code __GFP_BITS_SHIFT} from a tree whose root is a node with tagged slots: the root carries tag t
	 * exactly when some slot of its top node does ({@code radix_tree_tag_set}/{@code _clear} propagate up), and
	 * the tree's own GFP bits ({@code GFP_ATOMIC | __GFP_ACCOUNT} for the page cache) all lie below the tags.
	 */
	@Override
	public boolean calibrate(long root) throws IOException {
		if (rootTagShift >= 0) return true;
		long rnode = vm.readU64(root + rnodeOff);
		if ((rnode & 3) != 1 || rnode == RETRY) return false;
		byte[] n = new byte[nodeSize];
		vm.read(rnode - 1, n, 0, nodeSize);
		long tagged = 0;
		for (int t = 0; t < tagCount && t < 8; t++) {
			for (int l = 0; l < tagLongs; l++) {
				if (LittleEndian.u64(n, (int) tagsOff + 8 * (t * tagLongs + l)) != 0) tagged |= 1L << t;
			}
		}
		long gfp = gfpMask(root);
		if (tagged == 0 || gfp == 0) return false;
		int shift = (63 - Long.numberOfLeadingZeros(gfp)) - (63 - Long.numberOfLeadingZeros(tagged));
		if (shift < MIN_GFP_BITS_SHIFT || (gfp >>> shift) != tagged) return false;
		rootTagShift = shift;
		return true;
	}

	private long gfpMask(long root) throws IOException {
		return switch (gfpMaskBytes) {
		case 1 -> vm.readU8(root + gfpMaskOff);
		case 2 -> vm.readU16(root + gfpMaskOff);
		case 4 -> vm.readU32(root + gfpMaskOff);
		default -> vm.readU64(root + gfpMaskOff);
		};
	}

	@Override
	public boolean walk(long root, Visitor visitor, List<Finding> findings) throws IOException {
		long rnode = vm.readU64(root + rnodeOff);
		if (rnode == 0 || rnode == RETRY) return true;
		Walk w = new Walk(visitor, findings);
		if ((rnode & 3) == 1) return w.node(rnode - 1, -1, 0);
		if ((rnode & 3) == 3) {
			w.bounds.badEntry(root, String.format("rnode holds 0x%x, an encoding radix trees do not use (low bits 11)", rnode));
			return false;
		}
		// A lone entry at index 0 sits in rnode; its tags are the root's.
		boolean t0 = false, t1 = false;
		if (rootTagShift >= 0) {
			long gfp = gfpMask(root);
			t0 = (gfp >>> rootTagShift & 1) != 0;
			t1 = tagCount > 1 && (gfp >>> (rootTagShift + 1) & 1) != 0;
		}
		visitor.entry(entry(0, 1, rnode, t0, t1, 0, -1));
		return true;
	}

	private static Entry entry(long index, long span, long e, boolean t0, boolean t1, long node, int slot) {
		return new Entry(index, span, e, (e & 3) == 2, e >>> 2, t0, t1, node, slot);
	}

	/** The node's level ({@link #rawLevel}) as a shift, or -1 when it is no possible level. */
	private int shiftOf(long raw) {
		if (level == Level.SHIFT) return raw <= 63 && raw % chunkShift == 0 ? (int) raw : -1;
		return raw >= 1 && raw <= maxHeight ? (int) (raw - 1) * chunkShift : -1;
	}

	/** A shift in this layout's own terms, for messages. */
	private long levelOf(int shift) {
		return level == Level.SHIFT ? shift : shift / chunkShift + 1;
	}

	/** The node's shift or height as stored. */
	private long rawLevel(byte[] n) {
		int at = (int) levelOff;
		long v = switch (levelBytes) {
		case 1 -> n[at] & 0xff;
		case 2 -> LittleEndian.u16(n, at);
		default -> LittleEndian.u32(n, at);
		};
		// path: only the height bits are a level; the offset in the parent sits above them.
		return level == Level.PATH ? v & ((1L << (maxHeight + 1)) - 1) : v;
	}

	private final class Walk {
		final Visitor visitor;
		final BoundedTreeWalk bounds;

		Walk(Visitor visitor, List<Finding> findings) {
			this.visitor = visitor;
			this.bounds = new BoundedTreeWalk(vm, "radix-tree", "radix_tree_node", "radix tree", nodeSize, findings);
		}

		boolean node(long node, int expectedShift, long base) throws IOException {
			byte[] n = bounds.enter(node);
			if (n == null) return false;
			long raw = rawLevel(n);
			int shift = shiftOf(raw);
			if (shift < 0 || (expectedShift >= 0 && shift != expectedShift)) {
				bounds.badLevel(node, levelName + " " + raw + (expectedShift >= 0 ? ", expected " + levelOf(expectedShift) : ""));
				return false;
			}
			long slots = node + slotsOff;
			boolean complete = true;
			for (int slot = 0; slot < chunk; slot++) {
				long e = LittleEndian.u64(n, (int) slotsOff + 8 * slot);
				if (e == 0 || e == RETRY) continue;
				int low = (int) (e & 3);
				if (low == 1 && isSibling(slots, e)) continue; // counted with its canonical slot
				long index = base + ((long) slot << shift);
				if (low == 1 || (low == 0 && shift > 0 && level != Level.SHIFT)) {
					if (shift == 0) {
						bounds.badLevel(node, "of " + levelName + " " + raw + " (a leaf) points to another node in slot " + slot);
						complete = false;
						continue;
					}
					complete &= node(e & ~1L, shift - chunkShift, index);
					continue;
				}
				if (low == 3) {
					bounds.badEntry(node, String.format("slot %d holds 0x%x, an encoding radix trees do not use (low bits 11)", slot, e));
					complete = false;
					continue;
				}
				if (!bounds.count(node)) return false;
				int span = 1;
				long sibling = (slots + 8L * slot) | 1;
				while (slot + span < chunk && LittleEndian.u64(n, (int) slotsOff + 8 * (slot + span)) == sibling) span++;
				visitor.entry(entry(index, (long) span << shift, e, tag(n, 0, slot), tag(n, 1, slot), node, slot));
			}
			return complete;
		}

		/** A multi-order sibling: {@code node_to_entry()} of a slot of this same node. */
		boolean isSibling(long slots, long e) {
			long d = (e & ~1L) - slots;
			return d >= 0 && d < 8L * chunk && d % 8 == 0;
		}

		boolean tag(byte[] n, int tag, int slot) {
			if (tag >= tagCount) return false;
			long word = LittleEndian.u64(n, (int) tagsOff + 8 * (tag * tagLongs + slot / 64));
			return (word >>> (slot % 64) & 1) != 0;
		}
	}
}
