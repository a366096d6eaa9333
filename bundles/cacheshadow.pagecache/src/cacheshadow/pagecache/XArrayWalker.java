package cacheshadow.pagecache;

import java.io.IOException;
import java.util.List;

import cacheshadow.kernel.Btf;
import cacheshadow.kernel.KernelLayoutException;
import cacheshadow.kernel.LinuxKernel;
import cacheshadow.layers.Layer;
import cacheshadow.layers.LittleEndian;
import cacheshadow.listing.Finding;

/**
 * Visits every entry of a {@code struct xarray} (include/linux/xarray.h, lib/xarray.c). Entry encoding, from the
 * low two bits: {@code 00} a pointer (here a {@code struct folio}/{@code struct page}), {@code x1} a value entry
 * (a workingset shadow of an evicted page, or a shmem swap entry), {@code 10} internal: a {@code struct xa_node}
 * pointer (+2) above 4096, a sibling (slot number {@code <<2|2}) that continues the multi-index entry of an
 * earlier slot, or the retry/zero markers. A node has {@code shift}, {@code slots[XA_CHUNK_SIZE]} and
 * {@code marks[XA_MAX_MARKS][XA_MARK_LONGS]}; mark 0 on the page cache is {@code PAGECACHE_TAG_DIRTY}, mark 1
 * {@code PAGECACHE_TAG_WRITEBACK}. The marks of the head entry live in {@code xa_flags} at
 * {@code __GFP_BITS_SHIFT + mark}.
 *
 * <p>Hostile trees end in findings, never in a loop ({@link BoundedTreeWalk}): a node seen twice, a child whose
 * shift is not its parent's minus {@code XA_CHUNK_SHIFT}, an unreadable node, or more entries than
 * {@link #MAX_ENTRIES}.
 */
public final class XArrayWalker implements PageIndexWalker {
	private final Layer vm;
	private final long xaFlagsOff, xaHeadOff, shiftOff, slotsOff, marksOff;
	private final int chunk, chunkShift, markLongs, nodeSize;
	/** Bit of mark 0 in {@code xa_flags} ({@code __GFP_BITS_SHIFT}), or -1 while unknown. */
	/** Learned once (calibrate), read by walks that may run on several threads. */
	private volatile int rootMarkShift;

	public XArrayWalker(LinuxKernel kernel) throws IOException {
		Btf b = kernel.btf();
		vm = kernel.virtual();
		xaFlagsOff = b.field("xarray", "xa_flags").offset();
		xaHeadOff = b.field("xarray", "xa_head").offset();
		shiftOff = b.field("xa_node", "shift").offset();
		slotsOff = b.field("xa_node", "slots").offset();
		marksOff = b.field("xa_node", "marks").offset();
		chunk = PageArray.arrayLength(b, "xa_node", "slots");
		if (Integer.bitCount(chunk) != 1 || chunk > 4096) throw new KernelLayoutException("xa_node.slots has " + chunk + " entries");
		chunkShift = Integer.numberOfTrailingZeros(chunk);
		// XA_MARK_LONGS = DIV_ROUND_UP(XA_CHUNK_SIZE, BITS_PER_LONG); marks[] must hold at least two marks of it.
		markLongs = (chunk + 63) / 64;
		long marksBytes = b.sizeOf(b.field("xa_node", "marks").type());
		if (marksBytes < 16L * markLongs) throw new KernelLayoutException("xa_node.marks is " + marksBytes + " bytes");
		nodeSize = (int) b.sizeOf("xa_node");
		// __GFP_BITS_SHIFT is ___GFP_LAST_BIT where the GFP bits are an enum; otherwise a macro, learned by calibrate().
		Long last = b.enumValue("___GFP_LAST_BIT");
		rootMarkShift = last == null ? -1 : (int) (long) last;
	}

	public int chunkShift() {
		return chunkShift;
	}

	/** Bit of mark 0 in {@code xa_flags}, or -1 when neither BTF nor a calibration told it. */
	@Override
	public int rootMarkShift() {
		return rootMarkShift;
	}

	@Override
	public String structure() {
		return "XArray";
	}

	/** {@code swp_to_radix_entry()} since 4.20 is {@code xa_mk_value(entry.val)}: already the XArray era's layout. */
	@Override
	public long swapEntry(long integer) {
		return integer;
	}

	/**
	 * Learns {@code __GFP_BITS_SHIFT} from an XArray whose root is a node with a slot carrying mark 0: the XArray
	 * then has root mark 0 set, and nothing else sets bits above {@code XA_FLAGS_ACCOUNT} (bit 5) below it.
	 * @return true when known afterwards
	 */
	@Override
	public boolean calibrate(long xarray) throws IOException {
		if (rootMarkShift >= 0) return true;
		long head = vm.readU64(xarray + xaHeadOff);
		if (!isNode(head)) return false;
		byte[] n = new byte[nodeSize];
		vm.read(head - 2, n, 0, nodeSize);
		boolean anyMark0 = false;
		for (int l = 0; l < markLongs; l++) anyMark0 |= LittleEndian.u64(n, (int) marksOff + 8 * l) != 0;
		if (!anyMark0) return false;
		long flags = vm.readU32(xarray + xaFlagsOff) & ~0x3FL;
		if (flags == 0) return false;
		rootMarkShift = Long.numberOfTrailingZeros(flags);
		return true;
	}

	private boolean isNode(long entry) {
		return (entry & 3) == 2 && Long.compareUnsigned(entry, 4096) > 0;
	}

	private boolean isSibling(long entry) {
		return (entry & 3) == 2 && Long.compareUnsigned(entry, ((long) chunk << 2)) < 0;
	}

	/**
	 * Visits every entry of the XArray at {@code xarray} in index order.
	 * @return false when the walk was cut short (a finding says why)
	 */
	@Override
	public boolean walk(long xarray, Visitor visitor, List<Finding> findings) throws IOException {
		long head = vm.readU64(xarray + xaHeadOff);
		if (head == 0) return true;
		if (!isNode(head)) {
			if ((head & 3) == 2) return true; // retry/zero marker: nothing stored
			boolean m0 = false, m1 = false;
			if (rootMarkShift >= 0) {
				long flags = vm.readU32(xarray + xaFlagsOff);
				m0 = (flags >>> rootMarkShift & 1) != 0;
				m1 = (flags >>> (rootMarkShift + 1) & 1) != 0;
			}
			visitor.entry(entry(0, 1, head, m0, m1, 0, -1));
			return true;
		}
		Walk w = new Walk(visitor, findings);
		return w.node(head - 2, -1, 0);
	}

	private static Entry entry(long index, long span, long e, boolean m0, boolean m1, long node, int slot) {
		return new Entry(index, span, e, (e & 1) != 0, e >>> 1, m0, m1, node, slot);
	}

	private final class Walk {
		final Visitor visitor;
		final BoundedTreeWalk bounds;

		Walk(Visitor visitor, List<Finding> findings) {
			this.visitor = visitor;
			this.bounds = new BoundedTreeWalk(vm, "xarray", "xa_node", "XArray", nodeSize, findings);
		}

		boolean node(long node, int expectedShift, long base) throws IOException {
			byte[] n = bounds.enter(node);
			if (n == null) return false;
			int shift = n[(int) shiftOff] & 0xff;
			if ((expectedShift >= 0 && shift != expectedShift) || shift % chunkShift != 0 || shift > 63) {
				bounds.badLevel(node, "shift " + shift + (expectedShift >= 0 ? ", expected " + expectedShift : ""));
				return false;
			}
			boolean complete = true;
			for (int slot = 0; slot < chunk; slot++) {
				long e = LittleEndian.u64(n, (int) slotsOff + 8 * slot);
				if (e == 0 || isSibling(e)) continue;
				long index = base + ((long) slot << shift);
				if (isNode(e)) {
					if (shift == 0) {
						bounds.badLevel(node, "of shift 0 points to another node in slot " + slot);
						complete = false;
						continue;
					}
					complete &= node(e - 2, shift - chunkShift, index);
					continue;
				}
				if ((e & 3) == 2) continue; // retry / zero entries
				if (!bounds.count(node)) return false;
				int span = 1;
				while (slot + span < chunk) {
					long s = LittleEndian.u64(n, (int) slotsOff + 8 * (slot + span));
					if (!isSibling(s) || (s >>> 2) != slot) break;
					span++;
				}
				visitor.entry(entry(index, (long) span << shift, e, mark(n, 0, slot), mark(n, 1, slot), node, slot));
			}
			return complete;
		}

		boolean mark(byte[] n, int mark, int slot) {
			long word = LittleEndian.u64(n, (int) marksOff + 8 * (mark * markLongs + slot / 64));
			return (word >>> (slot % 64) & 1) != 0;
		}
	}
}
