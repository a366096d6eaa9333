package cacheshadow.pagecache;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import cacheshadow.kernel.Btf;
import cacheshadow.kernel.LinuxKernel;
import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;
import cacheshadow.layers.LittleEndian;
import cacheshadow.layers.Progress;
import cacheshadow.listing.Finding;

/**
 * The second, independent method (the seed's 4.1.1): scan every {@code struct page} of the vmemmap array instead
 * of walking inodes. A page-cache folio is a head (or order-0) page, not slab or reserved, whose {@code mapping}
 * is a plain pointer (low bits clear: not anon/movable/KSM) to a {@code struct address_space} whose
 * {@code host->i_mapping} points back to it. Each is mapped to (super block, inode, index) and entered in a hash
 * table keyed by (mapping, index). Pages that look like page cache (on an LRU list) but whose mapping does not
 * validate are findings: a pointer into nowhere or a forged mapping.
 */
public final class PageStructScan {
	/** One page-cache page found by the scan. */
	public record ScannedPage(long superBlock, long inode, long ino, long mapping, long index, long page, long folio,
			long flags) {
	}

	/** A validated {@code struct address_space} and its owner. */
	public record MappingOwner(long mapping, long inode, long superBlock, long ino) {
	}

	/** Key of the hash table. */
	public record Key(long mapping, long index) {
	}

	private static final int CHUNK_PAGES = 4096;
	private static final int MAX_FINDINGS = 64;

	private final LinuxKernel kernel;
	private final PageArray pages;
	private final PageFlags f;
	private final Layer vm;
	private final long hostOff, iMappingOff, iSbOff, iInoOff;
	private final Map<Key, ScannedPage> table = new HashMap<>();
	private final Map<Long, MappingOwner> owners = new HashMap<>();
	private final Map<Long, Boolean> invalid = new HashMap<>();
	private final List<Finding> findings = new ArrayList<>();
	private long structsRead, folios, unreadableChunks;
	private int suppressed;

	private PageStructScan(PageArray pages) throws IOException {
		this.kernel = pages.kernel();
		this.pages = pages;
		this.f = pages.flags();
		this.vm = kernel.virtual();
		Btf b = kernel.btf();
		hostOff = b.field("address_space", "host").offset();
		iMappingOff = b.field("inode", "i_mapping").offset();
		iSbOff = b.field("inode", "i_sb").offset();
		iInoOff = b.field("inode", "i_ino").offset();
	}

	/**
	 * Scans every frame of the snapshot's physical extents.
	 * @param dirtyOnly keep only {@code PG_dirty} folios (the seed's mode when only newer-than-disk data matters)
	 */
	public static PageStructScan scan(PageArray pages, boolean dirtyOnly, Progress progress) throws IOException {
		PageStructScan s = new PageStructScan(pages);
		s.run(dirtyOnly, progress);
		return s;
	}

	private void run(boolean dirtyOnly, Progress progress) throws IOException {
		long ps = pages.pageSize();
		List<Extent> extents = kernel.physical().extents();
		long total = 0;
		for (Extent e : extents) total += e.length() >>> 12;
		progress.begin("Scanning struct page array", total);
		byte[] chunk = new byte[(int) (CHUNK_PAGES * ps)];
		for (Extent e : extents) {
			long first = (e.start() + 4095) >>> 12, end = e.end() >>> 12;
			for (long pfn = first; pfn < end; pfn += CHUNK_PAGES) {
				progress.checkCanceled();
				int n = (int) Math.min(CHUNK_PAGES, end - pfn);
				int len = (int) (n * ps);
				try {
					vm.read(pages.page(pfn), chunk, 0, len);
					structsRead += n;
					for (int i = 0; i < n; i++) examine(chunk, (int) (i * ps), pfn + i, dirtyOnly);
				} catch (IOException ex) {
					// A hole in the vmemmap (a section without memmap): retry 4 KiB of struct pages at a time.
					unreadableChunks++;
					int per = (int) (4096 / ps);
					byte[] small = new byte[(int) (per * ps)];
					for (int k = 0; k < n; k += per) {
						int m = Math.min(per, n - k);
						try {
							vm.read(pages.page(pfn + k), small, 0, (int) (m * ps));
						} catch (IOException inner) {
							continue;
						}
						structsRead += m;
						for (int i = 0; i < m; i++) examine(small, (int) (i * ps), pfn + k + i, dirtyOnly);
					}
				}
				progress.worked(n);
			}
		}
	}

	private void examine(byte[] b, int off, long pfn, boolean dirtyOnly) throws IOException {
		long flags = LittleEndian.u64(b, off + (int) pages.flagsOff);
		if (pages.isTail(b, off, flags)) return;
		long mapping = LittleEndian.u64(b, off + (int) pages.mappingOff);
		if (mapping == 0 || (mapping & 3) != 0) return; // none, or PAGE_MAPPING_ANON/MOVABLE/KSM
		if ((flags & (f.slab | f.reserved)) != 0 && !f.isEveryFlag(flags)) return;
		if (dirtyOnly && (flags & f.dirty) == 0) return;
		long page = pages.page(pfn);
		MappingOwner owner = owner(mapping, page, flags);
		if (owner == null) return;
		if (f.isEveryFlag(flags)) {
			finding(Finding.anomaly("page-every-flag", page, "every page flag set: " + f.describe(flags)));
		}
		folios++;
		long index = LittleEndian.u64(b, off + (int) pages.indexOff);
		long nr;
		try {
			nr = pages.folioPages(page, flags);
		} catch (IOException e) {
			nr = -1;
		}
		if (nr < 0) {
			finding(Finding.anomaly("folio-bad-size", page, "large folio with an impossible page count; taken as one page"));
			nr = 1;
		}
		for (long i = 0; i < nr; i++) {
			ScannedPage s = new ScannedPage(owner.superBlock(), owner.inode(), owner.ino(), mapping, index + i, page + i * pages.pageSize(), page, flags);
			ScannedPage prev = table.put(new Key(mapping, index + i), s);
			if (prev != null && prev.page() != s.page()) {
				finding(Finding.anomaly("page-cache-duplicate-index", s.page(), String.format(
						"struct pages 0x%x and 0x%x both claim index %d of mapping 0x%x", prev.page(), s.page(), index + i, mapping)));
			}
		}
	}

	/** The validated owner of {@code mapping}, or null (a finding when the page looked like page cache). */
	private MappingOwner owner(long mapping, long page, long flags) {
		MappingOwner o = owners.get(mapping);
		if (o != null) return o;
		if (invalid.containsKey(mapping)) {
			if (!invalid.get(mapping) && (flags & f.lru) != 0) {
				invalid.put(mapping, true);
				finding(Finding.anomaly("page-mapping-invalid", page, String.format(
						"page on an LRU list names mapping 0x%x, which is not a file's address_space", mapping)));
			}
			return null;
		}
		try {
			long host = vm.readU64(mapping + hostOff);
			if (host != 0 && vm.readU64(host + iMappingOff) == mapping) {
				o = new MappingOwner(mapping, host, vm.readU64(host + iSbOff), vm.readU64(host + iInoOff));
				owners.put(mapping, o);
				return o;
			}
		} catch (IOException e) {
			// unreadable: a pointer into nowhere
		}
		boolean reported = (flags & f.lru) != 0;
		invalid.put(mapping, reported);
		if (reported) {
			finding(Finding.anomaly("page-mapping-invalid", page, String.format(
					"page on an LRU list names mapping 0x%x, which is not a readable file address_space (pointer into nowhere or forged)", mapping)));
		}
		return null;
	}

	private void finding(Finding x) {
		if (findings.size() < MAX_FINDINGS) findings.add(x);
		else suppressed++;
	}

	/** The hash table: (mapping, index) → page. */
	public Map<Key, ScannedPage> table() {
		return Collections.unmodifiableMap(table);
	}

	public ScannedPage get(long mapping, long index) {
		return table.get(new Key(mapping, index));
	}

	/** Every validated mapping that has at least one scanned page. */
	public Map<Long, MappingOwner> mappings() {
		return Collections.unmodifiableMap(owners);
	}

	public List<Finding> findings() {
		List<Finding> out = new ArrayList<>(findings);
		if (suppressed > 0) out.add(new Finding(Finding.Severity.WARNING, "findings-suppressed", "-", suppressed + " more scan findings not listed"));
		return out;
	}

	/** {@code struct page}s read. */
	public long structsRead() {
		return structsRead;
	}

	/** Page-cache folios found. */
	public long folios() {
		return folios;
	}

	public PageArray pageArray() {
		return pages;
	}
}
