package cacheshadow.pagecache;

import java.io.IOException;

import cacheshadow.kernel.Btf;
import cacheshadow.kernel.BtfType;
import cacheshadow.kernel.KernelLayoutException;
import cacheshadow.kernel.LinuxKernel;
import cacheshadow.layers.Layer;
import cacheshadow.layers.LittleEndian;

/**
 * The kernel's {@code struct page} array (SPARSEMEM_VMEMMAP: {@code vmemmap_base + pfn * sizeof(struct page)}) and
 * the fields both page-cache methods read: {@code flags}, {@code mapping}, {@code index}, {@code compound_head}, and
 * a large folio's page count. Every offset and size comes from BTF. Kernels before 4.4 have no
 * {@code compound_head} ({@code PG_tail} marks a tail page) and keep a compound page's order in the first tail
 * page's {@code lru.prev} ({@code set_compound_order()}, include/linux/mm.h).
 */
public final class PageArray {
	/** A folio never spans more than a PUD (1 GiB of 4 KiB pages); anything larger is a forged count. */
	public static final long MAX_FOLIO_PAGES = 1L << 18;

	private final LinuxKernel kernel;
	private final long base, pageSize, maxPfn;
	final long flagsOff, mappingOff, indexOff, privateOff;
	/** {@code compound_head} (4.4+), or -1: then {@code PG_tail}. */
	private final long compoundHeadOff;
	/** {@code folio._folio_nr_pages} relative to the head page, or -1; else {@link #orderOff}. */
	private final long nrPagesOff;
	/** {@code folio._folio_order} (a byte) or, with {@link #orderInFlags1}, the low byte of {@code folio._flags_1}. */
	private final long orderOff;
	private final boolean orderInFlags1;
	/** Whether the kernel has {@code struct folio} (5.16+): its page cache holds a large folio once, in a multi-index entry. */
	private final boolean folios;
	private final PageFlags flags;

	public PageArray(LinuxKernel kernel) throws IOException {
		this.kernel = kernel;
		if (kernel.vmemmapBase() == null) throw new KernelLayoutException("vmemmap_base unknown: no symbol table");
		Btf b = kernel.btf();
		base = kernel.vmemmapBase();
		pageSize = b.sizeOf("page");
		flagsOff = b.field("page", "flags").offset();
		mappingOff = b.field("page", "mapping").offset();
		indexOff = b.field("page", "index").offset();
		Btf.Field ch = b.fieldOrNull("page", "compound_head");
		compoundHeadOff = ch == null ? -1 : ch.offset();
		privateOff = b.field("page", "private").offset();
		flags = new PageFlags(b);
		folios = b.compositeId("folio") >= 0;
		Btf.Field nr = b.compositeId("folio") >= 0 ? b.fieldOrNull("folio", "_folio_nr_pages") : null;
		nrPagesOff = nr == null ? -1 : nr.offset();
		Btf.Field order = b.compositeId("folio") >= 0 ? b.fieldOrNull("folio", "_folio_order") : null;
		if (order == null) order = b.fieldOrNull("page", "compound_order");
		Btf.Field lru = b.fieldOrNull("page", "lru");
		if (order == null && nr == null && lru != null && b.compositeId("folio") < 0) {
			// Before 4.4: page[1].lru.prev holds the order (little-endian: its low byte).
			orderOff = pageSize + lru.offset() + 8;
			orderInFlags1 = false;
		} else if (order != null && b.compositeId("folio") < 0) {
			// Pre-folio kernels: compound_order lives in the first tail page.
			orderOff = pageSize + order.offset();
			orderInFlags1 = false;
		} else if (order != null) {
			orderOff = order.offset();
			orderInFlags1 = false;
		} else {
			Btf.Field f1 = b.fieldOrNull("folio", "_flags_1");
			orderOff = f1 == null ? -1 : f1.offset();
			orderInFlags1 = f1 != null; // folio_order(): _flags_1 & 0xff
		}
		if (nrPagesOff < 0 && orderOff < 0) throw new KernelLayoutException("BTF gives no folio size (_folio_nr_pages, _folio_order, _flags_1)");
		// frames missing from a partial snapshot are still frames of the guest: their struct pages are read (and fail)
		long top = 0;
		for (var e : kernel.physical().extents()) top = Math.max(top, e.end());
		for (var e : kernel.physical().missing()) top = Math.max(top, e.end());
		maxPfn = top >>> 12;
	}

	public PageFlags flags() {
		return flags;
	}

	public LinuxKernel kernel() {
		return kernel;
	}

	public long base() {
		return base;
	}

	/** {@code sizeof(struct page)}. */
	public long pageSize() {
		return pageSize;
	}

	/** One past the highest page frame the snapshot's physical address space holds or declares. */
	public long maxPfn() {
		return maxPfn;
	}

	/** The page frame number of a {@code struct page} address, or -1 when it is not an element of the array. */
	public long pfn(long page) {
		long d = page - base;
		if (d < 0 || d % pageSize != 0) return -1;
		long pfn = d / pageSize;
		return pfn < maxPfn ? pfn : -1;
	}

	public long page(long pfn) {
		return base + pfn * pageSize;
	}

	/** Physical address of the 4 KiB frame a {@code struct page} describes, or -1. */
	public long physical(long page) {
		long pfn = pfn(page);
		return pfn < 0 ? -1 : pfn << 12;
	}

	/** Whether the kernel has {@code struct folio} (5.16+), so a large folio sits once in a multi-index entry. */
	public boolean hasFolios() {
		return folios;
	}

	/**
	 * Pages in the folio whose head is {@code head} with the given flags: 1 unless {@code PG_head}; a count that is
	 * not a power of two or exceeds {@link #MAX_FOLIO_PAGES} is returned as -1 (forged).
	 */
	public long folioPages(long head, long headFlags) throws IOException {
		if ((headFlags & flags.head) == 0) return 1;
		Layer vm = kernel.virtual();
		long n;
		if (nrPagesOff >= 0) {
			n = vm.readU32(head + nrPagesOff);
		} else {
			int order = vm.readU8(head + orderOff);
			n = order >= 31 ? -1 : 1L << order;
		}
		if (n <= 0 || Long.bitCount(n) != 1 || n > MAX_FOLIO_PAGES) return -1;
		return n;
	}

	/** {@code compound_head} with bit 0 set marks a tail page; the rest is the head's address. */
	public static boolean isTail(long compoundHead) {
		return (compoundHead & 1) != 0;
	}

	/** Whether the {@code struct page} at {@code b[off]} with {@code pageFlags} is a tail page. */
	boolean isTail(byte[] b, int off, long pageFlags) {
		if (compoundHeadOff >= 0) return isTail(LittleEndian.u64(b, off + (int) compoundHeadOff));
		return (pageFlags & flags.tail) != 0;
	}

	static int arrayLength(Btf b, String struct, String field) throws KernelLayoutException {
		return (int) ((BtfType.Array) b.resolved(b.field(struct, field).type())).count();
	}
}
