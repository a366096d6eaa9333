package cacheshadow.kernel;

import java.io.IOException;

import cacheshadow.layers.Layer;
import cacheshadow.layers.MissingBytesException;
import cacheshadow.layers.UnmappedAddressException;

/**
 * x86-64 address translation from a top-level page table (PML4, or PML5 with LA57): present bit, 1 GiB and
 * 2 MiB large pages, physical address bits 12..51. A non-present entry is reported as unmapped, never followed.
 * Translations are cached per 4 KiB page in a direct-mapped cache (seed 4.3): walking costs four to five
 * physical reads, and metadata walks touch the same slab pages again and again. Translations through 2 MiB and
 * 1 GiB pages are cached per 2 MiB instead: the kernel's direct map (where slab objects — dentries, inodes —
 * live) and the vmemmap use them, so a walk over 100,000 inodes scattered through RAM still hits the cache.
 */
public final class PageTableWalker {
	private static final long PRESENT = 1L, LARGE = 1L << 7;
	private static final long ADDR_MASK = 0x000f_ffff_ffff_f000L;
	private static final int CACHE_BITS = 14;

	private final Layer physical;
	private final long topTable;
	private final boolean fiveLevel;
	/** Each slot an immutable (page, frame) pair, so concurrent readers never see a torn entry. */
	private final CachedPage[] cache = new CachedPage[1 << CACHE_BITS];
	/** Translations inside large pages, per 2 MiB ({@code page} is then {@code va >>> 21}). */
	private final CachedPage[] large = new CachedPage[1 << LARGE_BITS];
	private static final int LARGE_BITS = 11;

	private record CachedPage(long page, long frame) {
	}

	/**
	 * @param topTable physical address of the PML4 (or PML5) table
	 */
	public PageTableWalker(Layer physical, long topTable, boolean fiveLevel) {
		this.physical = physical;
		this.topTable = topTable & ADDR_MASK;
		this.fiveLevel = fiveLevel;
	}

	public long topTable() {
		return topTable;
	}

	public boolean fiveLevel() {
		return fiveLevel;
	}

	public Layer physical() {
		return physical;
	}

	/** The physical address of virtual address {@code va}. */
	public long translate(long va) throws IOException {
		long page = va >>> 12;
		int slot = (int) (page ^ (page >>> CACHE_BITS)) & ((1 << CACHE_BITS) - 1);
		CachedPage c = cache[slot];
		if (c != null && c.page == page) return c.frame | (va & 0xfff);
		long region = va >>> 21;
		int lslot = (int) (region ^ (region >>> LARGE_BITS)) & ((1 << LARGE_BITS) - 1);
		CachedPage l = large[lslot];
		if (l != null && l.page == region) return l.frame | (va & 0x1f_ffff);
		long w = walk(va);
		long pa = w & ~IN_LARGE_PAGE;
		if (w != pa) large[lslot] = new CachedPage(region, pa & ~0x1f_ffffL);
		else cache[slot] = new CachedPage(page, pa & ~0xfffL);
		return pa;
	}

	/** Like {@link #translate(long)}, or -1 when the address is not mapped. */
	public long translateOrNegative(long va) {
		try {
			return translate(va);
		} catch (IOException e) {
			return -1;
		}
	}

	/** Set by {@link #walk} on a translation through a 2 MiB or 1 GiB page (physical addresses stop at bit 51). */
	private static final long IN_LARGE_PAGE = 1L << 62;

	private long walk(long va) throws IOException {
		if (!canonical(va)) throw new UnmappedAddressException("kernel virtual (non-canonical)", va);
		long table = topTable;
		int levels = fiveLevel ? 5 : 4;
		for (int level = levels; level >= 1; level--) {
			int shift = 12 + 9 * (level - 1);
			long index = (va >>> shift) & 0x1ff;
			long entry = entry(table + index * 8, va);
			if ((entry & PRESENT) == 0) throw new UnmappedAddressException("kernel virtual (not present at level " + level + ")", va);
			if (level == 1) return (entry & ADDR_MASK) | (va & 0xfff);
			if ((level == 2 || level == 3) && (entry & LARGE) != 0) {
				long pageMask = (1L << shift) - 1;
				return (entry & ADDR_MASK & ~pageMask) | (va & pageMask) | IN_LARGE_PAGE;
			}
			table = entry & ADDR_MASK;
		}
		throw new IllegalStateException();
	}

	private long entry(long pa, long va) throws IOException {
		try {
			return physical.readU64(pa);
		} catch (MissingBytesException e) {
			throw new MissingBytesException("kernel virtual (page table at 0x" + Long.toHexString(pa) + ")", va);
		} catch (UnmappedAddressException e) {
			throw new UnmappedAddressException("kernel virtual (page table at 0x" + Long.toHexString(pa) + " outside memory)", va);
		}
	}

	private boolean canonical(long va) {
		int bits = fiveLevel ? 57 : 48;
		long top = va >> (bits - 1);
		return top == 0 || top == -1;
	}
}
