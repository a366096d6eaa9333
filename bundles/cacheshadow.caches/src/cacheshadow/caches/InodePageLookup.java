package cacheshadow.caches;

import java.io.IOException;

import cacheshadow.kernel.Btf;
import cacheshadow.kernel.BtfType;
import cacheshadow.kernel.KernelLayoutException;
import cacheshadow.kernel.LinuxKernel;
import cacheshadow.layers.Layer;

/**
 * Looks up one page of an inode's data in the page cache: {@code inode->i_mapping->i_pages} is an XArray
 * (lib/xarray.c) of {@code struct page} pointers indexed by page offset; a page's physical frame follows from its place
 * in the {@code vmemmap} array. Used here for symbolic link targets that live in a page (ext4 slow symlinks, long
 * tmpfs links); reading a cached file's pages whole, with their checks, is {@code cacheshadow.pagecache.CachedFileReader}. Node depth and shifts are bounded, so a
 * hostile tree ends in "not cached", never in a loop.
 */
public final class InodePageLookup {
	private static final int MAX_LEVELS = 12;

	private final Layer vm;
	private final Layer physical;
	private final long vmemmapBase, pageSize;
	private final long mappingOff, iPagesOff, xaHeadOff, nodeShiftOff, slotsOff;
	private final long pageMappingOff, pageIndexOff, uptodateMask;
	private final int chunk, chunkBits;
	private final long flagsOff;

	/** @throws KernelLayoutException when {@code vmemmap_base} is unknown (no symbols) or the BTF lacks a field */
	public InodePageLookup(LinuxKernel kernel) throws IOException {
		if (kernel.vmemmapBase() == null) throw new KernelLayoutException("vmemmap_base unknown: no symbol table");
		Btf b = kernel.btf();
		this.vm = kernel.virtual();
		this.physical = kernel.physical();
		this.vmemmapBase = kernel.vmemmapBase();
		this.pageSize = b.sizeOf("page");
		mappingOff = b.field("inode", "i_mapping").offset();
		iPagesOff = b.field("address_space", "i_pages").offset();
		xaHeadOff = b.field("xarray", "xa_head").offset();
		nodeShiftOff = b.field("xa_node", "shift").offset();
		Btf.Field slots = b.field("xa_node", "slots");
		slotsOff = slots.offset();
		chunk = (int) ((BtfType.Array) b.resolved(slots.type())).count();
		if (Integer.bitCount(chunk) != 1) throw new KernelLayoutException("xa_node.slots has " + chunk + " entries, not a power of two");
		chunkBits = Integer.numberOfTrailingZeros(chunk);
		pageMappingOff = b.field("page", "mapping").offset();
		pageIndexOff = b.field("page", "index").offset();
		BtfType.Enum flags = b.enumType("pageflags");
		Long uptodate = flags == null ? null : flags.valueOf("PG_uptodate");
		if (uptodate == null || uptodate < 0 || uptodate > 63) throw new KernelLayoutException("BTF has no enum pageflags PG_uptodate");
		uptodateMask = 1L << uptodate;
		flagsOff = b.field("page", "flags").offset();
	}

	/** The 4 KiB page at {@code index} of {@code inode}'s data, or null when it is not in the page cache. */
	public byte[] page(long inode, long index) throws IOException {
		long mapping = vm.readU64(inode + mappingOff);
		if (mapping == 0) return null;
		long entry = vm.readU64(mapping + iPagesOff + xaHeadOff);
		for (int level = 0; level < MAX_LEVELS; level++) {
			if (entry == 0 || (entry & 1) != 0) return null; // empty, or a value (shadow/swap) entry
			if ((entry & 3) == 2) {
				if (Long.compareUnsigned(entry, 4096) <= 0) return null; // retry/sibling markers at the top are not pages
				long node = entry - 2;
				int shift = vm.readU8(node + nodeShiftOff);
				if (shift > 63) return null;
				int covered = shift + chunkBits;
				if (level == 0 && covered < 64 && (index >>> covered) != 0) return null; // beyond what the tree covers
				int offset = (int) ((index >>> shift) & (chunk - 1));
				long next = vm.readU64(node + slotsOff + 8L * offset);
				if ((next & 3) == 2 && Long.compareUnsigned(next, 4L * chunk) < 0) {
					// A sibling entry: the slot belongs to a multi-index entry stored at the named offset.
					next = vm.readU64(node + slotsOff + 8L * (next >>> 2));
				}
				entry = next;
				continue;
			}
			if (level == 0 && index != 0) return null; // a single entry at the head covers index 0 only
			long page = entry;
			if (Long.compareUnsigned(page, vmemmapBase) < 0 || (page - vmemmapBase) % pageSize != 0) return null;
			// The entry is the folio's head page; its mapping must be this file's (else a stale or forged pointer).
			if (vm.readU64(page + pageMappingOff) != mapping) return null;
			// A page being read in (not PG_uptodate) holds no valid data yet.
			if ((vm.readU64(page + flagsOff) & uptodateMask) == 0) return null;
			long first = vm.readU64(page + pageIndexOff);
			if (first != index) {
				if (Long.compareUnsigned(index - first, 512) >= 0) return null;
				page += (index - first) * pageSize; // a page inside a large folio
			}
			long pfn = (page - vmemmapBase) / pageSize;
			byte[] out = new byte[4096];
			physical.read(pfn << 12, out, 0, out.length);
			return out;
		}
		return null;
	}

	/** The first {@code size} bytes of the file when every page of them is cached, else null. */
	public byte[] read(long inode, long size) throws IOException {
		if (size < 0 || size > Integer.MAX_VALUE - 8) return null;
		byte[] out = new byte[(int) size];
		for (long index = 0; index * 4096 < size; index++) {
			byte[] p = page(inode, index);
			if (p == null) return null;
			int n = (int) Math.min(4096, size - index * 4096);
			System.arraycopy(p, 0, out, (int) (index * 4096), n);
		}
		return out;
	}
}
