package cacheshadow.testing;

import static cacheshadow.testing.BtfWriter.m;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import cacheshadow.kernel.Btf;
import cacheshadow.kernel.BtfParser;
import cacheshadow.kernel.LinuxKernel;
import cacheshadow.kernel.SymbolTable;
import cacheshadow.layers.Progress;

/**
 * A crafted guest of a kernel before the XArray (no such evidence exists among the samples): its own BTF, written
 * by {@link BtfWriter} in one of the radix-tree layouts, and guest-physical memory ({@link RamLayer}) with a
 * kernel image (init_task, linux_banner, page tables, page_offset_base, vmemmap_base) that
 * {@link LinuxKernel#open} accepts like a real one. Files get an inode, an {@code address_space} and a radix tree
 * built as lib/radix-tree.c leaves it ({@link Tree}): the smallest height holding the largest index, node pointers
 * tagged as the layout's kernels tag them, dirty tags on every level of the path and in the root's
 * {@code gfp_mask}.
 */
public final class RadixTreeKernel {
	/** Radix-tree layouts through the versions (include/linux/radix-tree.h, include/linux/fs.h). */
	public enum Layout {
		/** 4.17–4.19: {@code address_space.i_pages}, a root with {@code xa_lock}; 4.10+ node. */
		V4_18("i_pages", "shift", true, 23),
		/** 4.10–4.16: {@code page_tree}; node {@code shift, offset, count, exceptional, parent, root}. */
		V4_14("page_tree", "shift", true, 25),
		/** 4.7–4.9: node {@code shift, offset} bytes, {@code count} an int, parent in a union. */
		V4_9("page_tree", "shift", true, 26),
		/** 3.15–4.5: node {@code path} (height | offset in the parent above it); child nodes untagged. */
		V4_4("page_tree", "path", false, 25),
		/** Before 3.15: node {@code height}, no private list; child nodes untagged. */
		V3_13("page_tree", "height", false, 25);

		public final String rootField, level;
		public final boolean taggedChildren;
		/** {@code __GFP_BITS_SHIFT} of such a kernel: where the root's tags start in {@code gfp_mask}. */
		public final int gfpBitsShift;

		Layout(String rootField, String level, boolean taggedChildren, int gfpBitsShift) {
			this.rootField = rootField;
			this.level = level;
			this.taggedChildren = taggedChildren;
			this.gfpBitsShift = gfpBitsShift;
		}
	}

	public static final long PAGE_OFFSET = 0xffff_8880_0000_0000L;
	/** vmemmap placed inside the direct map at physical 1 MiB: PageArray only does arithmetic on the base. */
	public static final long VMEMMAP = PAGE_OFFSET + 0x10_0000;
	public static final long TEXT = LinuxKernel.DEFAULT_TEXT;
	public static final long TEXT_PA = 0x100_0000;
	public static final int PAGE_STRUCT = 64;
	public static final int PG_UPTODATE = 3, PG_DIRTY = 4, PG_LRU = 5, PG_HEAD = 15, PG_TAIL = 20;
	public static final long CLEAN = 1L << PG_UPTODATE | 1L << PG_LRU, DIRTY = CLEAN | 1L << PG_DIRTY;

	public final Layout layout;
	public final RamLayer ram = new RamLayer().bank(0, 2 << 20).bank(TEXT_PA, 2 << 20);
	public final Btf btf;
	public final long shmemAops = TEXT + 0x4000;
	public final long nodeSize, slotsOff, tagsOff, levelOff, rnodeOff, gfpMaskOff, pageMappingOff, pageIndexOff;
	private LinuxKernel kernel;
	/** Bump allocators: structures in the direct map below vmemmap, page frames above it. */
	private long nextStruct = 0x1000, nextFrame = 0x150;

	public RadixTreeKernel(Layout layout) throws Exception {
		this.layout = layout;
		btf = BtfParser.parse(btf(layout), "synthetic " + layout + " BTF");
		nodeSize = btf.sizeOf("radix_tree_node");
		slotsOff = btf.field("radix_tree_node", "slots").offset();
		tagsOff = btf.field("radix_tree_node", "tags").offset();
		levelOff = btf.field("radix_tree_node", layout.level).offset();
		rnodeOff = btf.field("radix_tree_root", "rnode").offset();
		gfpMaskOff = btf.field("radix_tree_root", "gfp_mask").offset();
		pageMappingOff = btf.field("page", "mapping").offset();
		pageIndexOff = btf.field("page", "index").offset();
		image();
	}

	/** The kernel model, opened the first time (after the test has written its structures or not). */
	public LinuxKernel kernel() throws Exception {
		if (kernel == null) {
			Map<String, Long> syms = new HashMap<>();
			syms.put("_text", TEXT);
			syms.put("init_task", TEXT + 0x1000);
			syms.put("linux_banner", TEXT + 0x2000);
			syms.put("page_offset_base", TEXT + 0x3000);
			syms.put("vmemmap_base", TEXT + 0x3008);
			syms.put("shmem_aops", shmemAops);
			syms.put("init_top_pgt", TEXT + 0x1_0000);
			kernel = LinuxKernel.open(ram, btf, new SymbolTable(syms, Map.of(), true, "synthetic kallsyms"), Progress.NONE);
		}
		return kernel;
	}

	private static byte[] btf(Layout l) {
		BtfWriter w = new BtfWriter();
		int uchar = w.integer("unsigned char", 1, false), chr = w.integer("char", 1, true);
		int uint = w.integer("unsigned int", 4, false), sint = w.integer("int", 4, true);
		int ulong = w.integer("long unsigned int", 8, false), llong = w.integer("long long int", 8, true);
		int gfp = w.typedef("gfp_t", uint), pgoff = w.typedef("pgoff_t", ulong);
		int voidp = w.ptr(0);
		int node = w.reserve(), nodep = w.ptr(node);
		int listHead = w.reserve(), listp = w.ptr(listHead);
		w.struct(listHead, "list_head", 16, m("next", listp, 0), m("prev", listp, 8));
		int rcuHead = w.struct("callback_head", 16, m("next", voidp, 0), m("func", voidp, 8));
		int root = switch (l) {
		case V4_18 -> w.struct("radix_tree_root", 16, m("xa_lock", w.struct("spinlock", 4, m("val", uint, 0)), 0), m("gfp_mask", gfp, 4), m("rnode", nodep, 8));
		case V4_14, V4_9 -> w.struct("radix_tree_root", 16, m("gfp_mask", gfp, 0), m("rnode", nodep, 8));
		case V4_4, V3_13 -> w.struct("radix_tree_root", 16, m("height", uint, 0), m("gfp_mask", gfp, 4), m("rnode", nodep, 8));
		};
		int rootp = w.ptr(root);
		int slots = w.array(voidp, 64), tags = w.array(w.array(ulong, 1), 3);
		switch (l) {
		case V4_18, V4_14 -> w.struct(node, "radix_tree_node", 576, m("shift", uchar, 0), m("offset", uchar, 1), m("count", uchar, 2),
				m("exceptional", uchar, 3), m("parent", nodep, 8), m("root", rootp, 16),
				m("", w.union("", 16, m("private_list", listHead, 0), m("rcu_head", rcuHead, 0)), 24), m("slots", slots, 40), m("tags", tags, 552));
		case V4_9, V4_4 -> {
			int parentAndData = w.struct("", 16, m("parent", nodep, 0), m("private_data", voidp, 8));
			BtfWriter.Member[] lv = l == Layout.V4_9 ? new BtfWriter.Member[] { m("shift", uchar, 0), m("offset", uchar, 1) }
					: new BtfWriter.Member[] { m("path", uint, 0) };
			BtfWriter.Member[] rest = { m("count", uint, 4), m("", w.union("", 16, m("", parentAndData, 0), m("rcu_head", rcuHead, 0)), 8),
					m("private_list", listHead, 24), m("slots", slots, 40), m("tags", tags, 552) };
			BtfWriter.Member[] all = new BtfWriter.Member[lv.length + rest.length];
			System.arraycopy(lv, 0, all, 0, lv.length);
			System.arraycopy(rest, 0, all, lv.length, rest.length);
			w.struct(node, "radix_tree_node", 576, all);
		}
		case V3_13 -> w.struct(node, "radix_tree_node", 560, m("height", uint, 0), m("count", uint, 4),
				m("", w.union("", 16, m("parent", nodep, 0), m("rcu_head", rcuHead, 0)), 8), m("slots", slots, 24), m("tags", tags, 536));
		}
		int inode = w.reserve(), inodep = w.ptr(inode);
		int mapping = w.struct("address_space", 64, m("host", inodep, 0), m(l.rootField, root, 8), m("a_ops", voidp, 40));
		int mappingp = w.ptr(mapping);
		w.struct(inode, "inode", 128, m("i_sb", voidp, 40), m("i_mapping", mappingp, 48), m("i_ino", ulong, 64), m("i_size", llong, 80));
		if (l == Layout.V3_13) { // before 4.4: no compound_head/compound_order (PG_tail; the order in page[1].lru.prev)
			w.struct("page", PAGE_STRUCT, m("flags", ulong, 0), m("mapping", mappingp, 8), m("index", pgoff, 16), m("lru", listHead, 32),
					m("private", ulong, 48));
		} else {
			w.struct("page", PAGE_STRUCT, m("flags", ulong, 0), m("compound_head", ulong, 8), m("compound_dtor", uchar, 16),
					m("compound_order", uchar, 17), m("mapping", mappingp, 24), m("index", pgoff, 32), m("private", ulong, 40));
		}
		String[] flags = { "PG_locked", "PG_error", "PG_referenced", "PG_uptodate", "PG_dirty", "PG_lru", "PG_active", "PG_waiters",
				"PG_slab", "PG_owner_priv_1", "PG_arch_1", "PG_reserved", "PG_private", "PG_private_2", "PG_writeback", "PG_head",
				"PG_mappedtodisk", "PG_reclaim", "PG_swapbacked", "PG_unevictable", l == Layout.V3_13 ? "PG_tail" : "PG_uncached", "__NR_PAGEFLAGS" };
		long[] values = new long[flags.length];
		for (int i = 0; i < values.length; i++) values[i] = i;
		w.enumeration("pageflags", flags, values);
		int task = w.reserve(), taskp = w.ptr(task);
		w.struct(task, "task_struct", 128, m("pid", sint, 16), m("comm", w.array(chr, 16), 32), m("group_leader", taskp, 64),
				m("real_parent", taskp, 72), m("parent", taskp, 80));
		return w.bytes();
	}

	/** init_task, the banner, the variables the model reads, and 4-level page tables for the image and the direct map. */
	private void image() {
		long initTask = TEXT + 0x1000;
		ram.put(TEXT_PA + 0x1000 + 32, "swapper/0\0".getBytes(StandardCharsets.US_ASCII));
		for (int off : new int[] { 64, 72, 80 }) ram.put64(TEXT_PA + 0x1000 + off, initTask);
		ram.put(TEXT_PA + 0x2000, ("Linux version 4.x-synthetic (" + layout + ")\0").getBytes(StandardCharsets.US_ASCII));
		ram.put64(TEXT_PA + 0x3000, PAGE_OFFSET);
		ram.put64(TEXT_PA + 0x3008, VMEMMAP);
		long pml4 = TEXT_PA + 0x1_0000, pdptDirect = TEXT_PA + 0x1_1000, pdptImage = TEXT_PA + 0x1_2000, pdImage = TEXT_PA + 0x1_3000;
		long present = 1, large = 1 << 7;
		ram.put64(pml4 + 8 * (PAGE_OFFSET >>> 39 & 511), pdptDirect | present);
		ram.put64(pdptDirect, present | large); // 1 GiB at physical 0
		ram.put64(pml4 + 8 * (TEXT >>> 39 & 511), pdptImage | present);
		ram.put64(pdptImage + 8 * (TEXT >>> 30 & 511), pdImage | present);
		ram.put64(pdImage + 8 * (TEXT >>> 21 & 511), TEXT_PA | present | large);
	}

	/** Kernel virtual (direct map) address of a fresh zeroed structure. */
	public long alloc(long size) {
		long va = PAGE_OFFSET + nextStruct;
		nextStruct = (nextStruct + size + 63) & ~63L;
		if (nextStruct > 0x10_0000) throw new IllegalStateException("synthetic structure area full");
		return va;
	}

	public static long pa(long directVa) {
		return directVa - PAGE_OFFSET;
	}

	public void put64(long va, long v) {
		ram.put64(pa(va), v);
	}

	public void put32(long va, long v) {
		ram.put32(pa(va), v);
	}

	public static long pageStruct(long pfn) {
		return VMEMMAP + pfn * PAGE_STRUCT;
	}

	/** The bytes a test file holds at page {@code index} (distinct per index and file). */
	public static byte[] content(long mapping, long index) {
		byte[] b = new byte[4096];
		for (int i = 0; i < b.length; i++) b[i] = (byte) (i * 7 + index * 13 + (mapping >>> 6));
		return b;
	}

	public Tree file(long size, boolean shmem) {
		return new Tree(size, shmem);
	}

	/** One file: inode, address_space and the radix tree under it, written by {@link #write()}. */
	public final class Tree {
		public final long inode = alloc(128), mapping = alloc(64), root;
		public final TreeMap<Long, Long> entries = new TreeMap<>();
		public final Set<Long> dirty = new HashSet<>();
		/** Node addresses by (height, first index), as written. */
		public final Map<String, Long> nodes = new HashMap<>();
		public int height = -1;

		Tree(long size, boolean shmem) {
			root = mapping + btf.fieldOrNull("address_space", layout.rootField).offset();
			put64(inode + 48, mapping);
			put64(inode + 64, 1000 + (inode >>> 6 & 0xffff));
			put64(inode + 80, size);
			put64(mapping, inode);
			put64(mapping + 40, shmem ? shmemAops : TEXT + 0x5000);
		}

		/** A cached page at {@code index} in a fresh frame; tagged dirty when {@code flags} has PG_dirty. */
		public long page(long index, long flags) {
			long pfn = nextFrame++;
			if (pfn >= 0x200) throw new IllegalStateException("synthetic frames exhausted");
			ram.put(pfn << 12, content(mapping, index));
			long page = pageStruct(pfn);
			put64(page, flags);
			put64(page + pageMappingOff, mapping);
			put64(page + pageIndexOff, index);
			entries.put(index, page);
			if ((flags & 1L << PG_DIRTY) != 0) dirty.add(index);
			return page;
		}

		/** An exceptional entry ({@code RADIX_TREE_EXCEPTIONAL_ENTRY}) carrying {@code value}. */
		public void exceptional(long index, long value) {
			entries.put(index, value << 2 | 2);
		}

		/** Writes the nodes and the root; returns this. */
		public Tree write() {
			long max = entries.isEmpty() ? 0 : entries.lastKey();
			height = 0;
			while (max >>> (6 * height) != 0 || (height == 0 && entries.size() > 1)) height++;
			long tagBits = dirty.isEmpty() ? 0 : 1;
			long rnode;
			if (entries.isEmpty()) rnode = 0;
			else if (height == 0) rnode = entries.get(0L);
			else rnode = node(height, 0, 0, 0) | 1;
			// GFP_ATOMIC | __GFP_ACCOUNT below the tags, the highest of them right under __GFP_BITS_SHIFT.
			long gfp = 0x220 | 1L << (layout.gfpBitsShift - 1) | tagBits << layout.gfpBitsShift;
			put32(root + gfpMaskOff, gfp);
			put64(root + rnodeOff, rnode);
			if (layout.level.equals("height") || layout.level.equals("path")) put32(root, height);
			return this;
		}

		private long node(int h, long base, long parent, int offset) {
			long va = alloc(nodeSize);
			nodes.put(h + ":" + base, va);
			int shift = 6 * (h - 1);
			switch (layout.level) {
			case "shift" -> ram.put8(pa(va + levelOff), shift);
			case "path" -> put32(va + levelOff, h | (long) offset << 12);
			default -> put32(va + levelOff, h);
			}
			long tag0 = 0;
			for (int s = 0; s < 64; s++) {
				long lo = base + ((long) s << shift), hi = lo + (1L << shift) - 1;
				if (entries.subMap(lo, true, hi, true).isEmpty()) continue;
				long e = h == 1 ? entries.get(lo) : node(h - 1, lo, va, s);
				if (h > 1 && layout.taggedChildren) e |= 1;
				put64(va + slotsOff + 8L * s, e);
				for (long d : dirty) if (d >= lo && d <= hi) tag0 |= 1L << s;
			}
			put64(va + tagsOff, tag0);
			return va;
		}

		/** The node written at height {@code h} whose range starts at {@code base}. */
		public long node(int h, long base) {
			Long va = nodes.get(h + ":" + base);
			if (va == null) throw new IllegalArgumentException("no node " + h + ":" + base + " in " + nodes);
			return va;
		}

		/** Overwrites slot {@code slot} of the node at {@code node}. */
		public void slot(long node, int slot, long entry) {
			put64(node + slotsOff + 8L * slot, entry);
		}
	}
}
