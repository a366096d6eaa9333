package cacheshadow.pagecache;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import cacheshadow.kernel.Btf;
import cacheshadow.kernel.LinuxKernel;
import cacheshadow.layers.Layer;
import cacheshadow.layers.MissingBytesException;
import cacheshadow.layers.MissingReads;
import cacheshadow.listing.Finding;

/**
 * Reads a cached file's pages from a snapshot, the per-inode method: walks one {@code struct address_space}'s page tree (the {@code i_pages} XArray, or the
 * radix tree of kernels before 4.20: {@link PageIndexWalker#of}) and resolves each entry.
 * A pointer entry is a folio (6.x) or page: its head {@code struct page} must lie in the vmemmap array, name this
 * mapping in {@code mapping} and the entry's index in {@code index}; a large folio covers {@code folio_nr_pages}
 * indices whose frames follow the head's. Value entries are workingset shadows (evicted pages) or, on shmem,
 * swap entries. {@code PG_dirty} is checked against the tree's dirty mark/tag where the mapping does write-back
 * accounting (not shmem, whose {@code dirty_folio} does not tag). Every inconsistency is a finding with the
 * address; the page is still reported as found.
 */
public final class CachedFileReader {
	private final LinuxKernel kernel;
	private final PageArray pages;
	private final PageFlags f;
	private final PageIndexWalker index;
	private final Layer vm, physical;
	private final long iMappingOff, iSizeOff, iPagesOff, hostOff;
	private final long shmemAops;
	private final long aOpsOff;
	private final BufferHeads buffers;

	public CachedFileReader(LinuxKernel kernel) throws IOException {
		this(new PageArray(kernel), PageIndexWalker.of(kernel));
	}

	public CachedFileReader(PageArray pages, PageIndexWalker index) throws IOException {
		this.kernel = pages.kernel();
		this.pages = pages;
		this.f = pages.flags();
		this.index = index;
		this.vm = kernel.virtual();
		this.physical = kernel.physical();
		Btf b = kernel.btf();
		iMappingOff = b.field("inode", "i_mapping").offset();
		iSizeOff = b.field("inode", "i_size").offset();
		iPagesOff = PageIndexWalker.rootField(b).offset();
		hostOff = b.field("address_space", "host").offset();
		aOpsOff = b.field("address_space", "a_ops").offset();
		long shmem = 0;
		try {
			shmem = kernel.symbol("shmem_aops");
		} catch (IOException e) {
			// snapshot only without kallsyms: callers say which mappings are shmem
		}
		shmemAops = shmem;
		BufferHeads bh = null;
		try {
			bh = new BufferHeads(kernel);
		} catch (IOException e) {
			// no buffer_head in BTF: pages count as a whole
		}
		buffers = bh;
	}

	/** True when jbd2's {@code BH_JBDDirty} is known, so journal-modified metadata reads as DIRTY, not JOURNALED. */
	public boolean knowsJournalDirty() {
		return buffers != null && buffers.knowsJournalDirty();
	}

	public PageArray pageArray() {
		return pages;
	}

	/** The walker of this kernel's page trees (XArray or radix tree). */
	public PageIndexWalker pageIndex() {
		return index;
	}

	/**
	 * Learns where the tree's root keeps the marks (see {@link PageIndexWalker#calibrate}) from this inode's
	 * mapping; true once known.
	 */
	public boolean calibrateMarks(long inode) {
		if (index.rootMarkShift() >= 0) return true;
		try {
			return calibrateMapping(mappingOf(inode));
		} catch (IOException e) {
			return false;
		}
	}

	/** As {@link #calibrateMarks} from the inode's {@code i_mapping} as already read. */
	public boolean calibrateMapping(long mapping) {
		if (index.rootMarkShift() >= 0) return true;
		try {
			return mapping != 0 && index.calibrate(mapping + iPagesOff);
		} catch (IOException e) {
			return false;
		}
	}

	/** {@code inode->i_mapping}. */
	public long mappingOf(long inode) throws IOException {
		return vm.readU64(inode + iMappingOff);
	}

	/**
	 * The page cache of the inode at {@code inode} ({@code i_size} bounds the file; entries past it are findings).
	 * @param shmemHint true for tmpfs/shmem inodes (value entries are swap entries, no dirty tagging); used
	 *                  when symbols cannot tell ({@code a_ops == &shmem_aops})
	 */
	public CachedFile file(long inode, boolean shmemHint, List<Finding> findings) throws IOException {
		return file(inode, mappingOf(inode), vm.readU64(inode + iSizeOff), shmemHint, findings);
	}

	/** As {@link #file(long, boolean, List)} with {@code i_mapping} and {@code i_size} as the inode walk read them. */
	public CachedFile file(cacheshadow.caches.CachedInode inode, boolean shmemHint, List<Finding> findings) throws IOException {
		return file(inode.address(), inode.mapping(), inode.size(), shmemHint, findings);
	}

	private CachedFile file(long inode, long mapping, long size, boolean shmemHint, List<Finding> findings) throws IOException {
		if (size < 0) {
			findings.add(Finding.anomaly("inode-negative-size", inode, "i_size " + size));
			size = 0;
		}
		return mapping(mapping, size, shmemHint, findings);
	}

	/** The pages of {@code mapping}; {@code size} -1 when unbounded (a block device's cache). */
	public CachedFile mapping(long mapping, long size, boolean shmemHint, List<Finding> findings) throws IOException {
		try (MissingReads.Watch w = MissingReads.watch()) {
			return mapping(mapping, size, shmemHint, findings, w);
		}
	}

	private CachedFile mapping(long mapping, long size, boolean shmemHint, List<Finding> findings, MissingReads.Watch w) throws IOException {
		TreeMap<Long, CachedPage> out = new TreeMap<>();
		if (mapping == 0) return new CachedFile(0, 0, size, out, physical, null);
		long host;
		boolean shmem = shmemHint;
		try {
			// host and a_ops in one read (one translation, one copy): this runs once per cached file
			long from = Math.min(hostOff, aOpsOff);
			byte[] head = new byte[(int) (Math.max(hostOff, aOpsOff) + 8 - from)];
			vm.read(mapping + from, head, 0, head.length);
			host = cacheshadow.layers.LittleEndian.u64(head, (int) (hostOff - from));
			if (shmemAops != 0) shmem = cacheshadow.layers.LittleEndian.u64(head, (int) (aOpsOff - from)) == shmemAops;
		} catch (IOException e) {
			findings.add(Finding.anomaly("mapping-unreadable", mapping, "address_space not readable: " + e.getMessage()));
			return new CachedFile(mapping, 0, size, out, physical, w.first());
		}
		long root = mapping + iPagesOff;
		// a root node that cannot be read teaches nothing; the walk below reports it as a finding
		calibrateMapping(mapping);
		long lastIndex = size < 0 ? Long.MAX_VALUE : (size == 0 ? -1 : (size - 1) / CachedFile.PAGE);
		boolean tagsDirty = !shmem;
		boolean[] pastEof = { false };
		final boolean isShmem = shmem;
		index.walk(root, e -> resolve(mapping, e, isShmem, tagsDirty, lastIndex, pastEof, out, findings), findings);
		return new CachedFile(mapping, host, size, out, physical, w.first());
	}

	private void resolve(long mapping, PageIndexWalker.Entry e, boolean shmem, boolean tagsDirty, long lastIndex,
			boolean[] pastEof, TreeMap<Long, CachedPage> out, List<Finding> findings) throws IOException {
		if (Long.compareUnsigned(e.index(), lastIndex) > 0 && !pastEof[0]) {
			pastEof[0] = true; // one finding per mapping
			findings.add(Finding.anomaly("page-past-eof", e.node() != 0 ? e.node() : mapping, String.format(
					"mapping 0x%x has an entry at page index %d, past the last index %d of the file", mapping, e.index(), lastIndex)));
		}
		if (e.isValue()) {
			Provenance p = shmem ? Provenance.SWAPPED_OUT : Provenance.EVICTED;
			long n = Math.min(e.span(), 1 << 9);
			long value = shmem ? index.swapEntry(e.integer()) : e.integer();
			for (long i = 0; i < n; i++) out.put(e.index() + i, new CachedPage(e.index() + i, p, 0, 0, -1, 0, e.mark0(), 0, value));
			return;
		}
		long head = e.value();
		if (pages.pfn(head) < 0) {
			findings.add(Finding.anomaly("page-pointer-outside-vmemmap", e.node() != 0 ? e.node() : mapping,
					String.format("slot %d (index %d) of mapping 0x%x holds 0x%x, not a struct page of this snapshot", e.slot(), e.index(), mapping, head)));
			return;
		}
		byte[] hp = new byte[(int) pages.pageSize()];
		try {
			vm.read(head, hp, 0, hp.length);
		} catch (MissingBytesException x) {
			return; // not the guest's doing: the file is flagged as resting on missing bytes (CachedFile.missedBy)
		} catch (IOException x) {
			findings.add(Finding.anomaly("page-struct-unreadable", head, "struct page of index " + e.index() + " not readable: " + x.getMessage()));
			return;
		}
		long flags = cacheshadow.layers.LittleEndian.u64(hp, (int) pages.flagsOff);
		long pm = cacheshadow.layers.LittleEndian.u64(hp, (int) pages.mappingOff);
		long pi = cacheshadow.layers.LittleEndian.u64(hp, (int) pages.indexOff);
		if (pm != mapping) {
			findings.add(Finding.anomaly("page-mapping-mismatch", head, String.format(
					"page at index %d of mapping 0x%x names mapping 0x%x", e.index(), mapping, pm)));
		}
		long nr;
		try {
			nr = pages.folioPages(head, flags);
		} catch (IOException x) {
			nr = -1;
		}
		// Kernels before folios (4.20-5.15 XArray) store a huge page's head in each of its slots, and find_subpage()
		// picks head + (index - head->index); folio kernels store it once, in a multi-index entry.
		boolean headInEachSlot = !pages.hasFolios() && nr > 1 && e.span() == 1 && Long.compareUnsigned(e.index() - pi, nr) < 0;
		long first = headInEachSlot ? e.index() - pi : 0;
		if (pi != e.index() && !headInEachSlot) {
			findings.add(Finding.anomaly("page-index-mismatch", head, String.format(
					"page at index %d of mapping 0x%x says index %d", e.index(), mapping, pi)));
		}
		if (f.isEveryFlag(flags)) {
			findings.add(Finding.anomaly("page-every-flag", head, "every page flag set: " + f.describe(flags)));
		} else if ((flags & (f.slab | f.reserved)) != 0) {
			findings.add(Finding.anomaly("page-impossible-flags", head, "page-cache page with " + f.describe(flags & (f.slab | f.reserved))));
		}
		if (nr < 0) {
			findings.add(Finding.anomaly("folio-bad-size", head, "large folio with an impossible page count; taken as one page"));
			nr = 1;
		}
		long folioPages = nr;
		if (headInEachSlot) {
			nr = 1; // this slot's one page of the huge page
		} else if (nr > e.span()) {
			// A multi-page folio always sits in a node (the root holds index 0 alone): never expand past the entry.
			findings.add(Finding.anomaly("folio-larger-than-entry", head, String.format(
					"folio of %d pages in an entry of the %s spanning %d indices", nr, index.structure(), e.span())));
			nr = e.span();
		}
		boolean dirty = (flags & f.dirty) != 0;
		if (tagsDirty && dirty != e.mark0() && (e.node() != 0 || index.rootMarkShift() >= 0)) {
			findings.add(Finding.anomaly("dirty-flag-mark-mismatch", head, String.format(
					"index %d of mapping 0x%x: PG_dirty %s but %s dirty mark %s", e.index(), mapping, dirty ? "set" : "clear", index.structure(), e.mark0() ? "set" : "clear")));
		}
		boolean uptodate = (flags & f.uptodate) != 0;
		Provenance prov;
		if (dirty) prov = Provenance.DIRTY;
		else if ((flags & f.writeback) != 0) prov = Provenance.WRITEBACK;
		else prov = Provenance.CLEAN;
		// Buffer heads (folio->private when PG_private): which blocks of a not-up-to-date page are valid, and
		// whether jbd2 holds them.
		BufferHeads.State bufs = null;
		if ((flags & f.isPrivate) != 0 && buffers != null) {
			long priv = cacheshadow.layers.LittleEndian.u64(hp, (int) pages.privateOff);
			bufs = buffers.read(priv, head, pages.physical(head), headInEachSlot ? folioPages : nr, findings);
		}
		for (long i = 0; i < nr; i++) {
			long k = first + i; // page of the folio
			long page = head + k * pages.pageSize();
			long pa = pages.physical(page);
			Provenance p = prov;
			int valid = CachedPage.ALL_SECTORS;
			if (bufs != null) {
				if (!uptodate) valid = bufs.uptodateSectors(k);
				if (p == Provenance.CLEAN && bufs.dirty(k)) p = Provenance.DIRTY;
				else if (p == Provenance.CLEAN && bufs.journaled(k)) p = Provenance.JOURNALED;
			} else if (!uptodate) {
				valid = 0;
			}
			if (valid == 0) p = Provenance.NOT_UPTODATE;
			// a page whose frame is missing from a partial snapshot is kept: reading it fails, so no view quietly reads
			// the disk's older block instead
			if (pa < 0 || (p.hasData() && !physical.isMapped(pa, CachedFile.PAGE) && !physical.isMissing(pa, CachedFile.PAGE))) {
				p = Provenance.ABSENT;
				pa = -1;
			}
			out.put(e.index() + i, new CachedPage(e.index() + i, p, page, head, pa, flags, e.mark0(), p.hasData() ? valid : 0, 0));
		}
	}
}
