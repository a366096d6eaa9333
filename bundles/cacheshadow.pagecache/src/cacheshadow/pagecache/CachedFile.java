package cacheshadow.pagecache;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HexFormat;
import java.util.NavigableMap;
import java.util.TreeMap;

import cacheshadow.layers.Layer;

/**
 * A file's data as its page cache holds it: the pages by index with their provenance, and reads of the bytes from
 * the snapshot. Where no page holds data (never cached, evicted, swapped out) the bytes are a hole: readers are told
 * which, never handed zeros.
 */
public final class CachedFile {
	public static final int PAGE = 4096;

	private final long mapping, host, size;
	private final NavigableMap<Long, CachedPage> pages;
	private final Layer physical;
	private final String missed;

	CachedFile(long mapping, long host, long size, TreeMap<Long, CachedPage> pages, Layer physical, String missed) {
		this.mapping = mapping;
		this.host = host;
		this.size = size;
		this.pages = Collections.unmodifiableNavigableMap(pages);
		this.physical = physical;
		this.missed = missed;
	}

	/**
	 * The first read of bytes missing from a partial snapshot met while walking this page cache (its tree, its
	 * {@code struct page}s, or pages whose data is missing, which are kept and fail when read), or null when the walk
	 * met none. Pages may then be missing from {@link #pages()}, and a view that reads the disk where the cache has
	 * no page may read older data.
	 */
	public String missedBy() {
		return missed;
	}

	/** The {@code struct address_space}. */
	public long mapping() {
		return mapping;
	}

	/** {@code mapping->host}, the {@code struct inode}. */
	public long host() {
		return host;
	}

	/** {@code i_size}, or -1 when not known (the block device's cache). */
	public long size() {
		return size;
	}

	/** The snapshot's physical address space the pages are read from. */
	public Layer physicalLayer() {
		return physical;
	}

	/** Number of page indices of {@code [0, size)}. */
	public long pageCount() {
		return size < 0 ? 0 : (size + PAGE - 1) / PAGE;
	}

	/** Every index the page tree (XArray or radix tree) has an entry for (data, shadow or swap), beyond EOF included, by index. */
	public Collection<CachedPage> pages() {
		return pages.values();
	}

	/** Whether any page index in [{@code first}, {@code last}] has an entry. */
	public boolean hasPageIn(long first, long last) {
		Long k = pages.ceilingKey(first);
		return k != null && k <= last;
	}

	public CachedPage page(long index) {
		return pages.get(index);
	}

	public Provenance provenance(long index) {
		CachedPage p = pages.get(index);
		return p == null ? Provenance.ABSENT : p.provenance();
	}

	/** True when every page of {@code [0, size)} has data in the snapshot. */
	public boolean isComplete() {
		if (size < 0 || pageCount() > pages.size()) return false;
		for (long i = 0; i < pageCount(); i++) {
			CachedPage p = pages.get(i);
			if (p == null || !p.isWhole()) return false;
		}
		return size >= 0;
	}

	/** The 4 KiB at {@code index}, or null when no page with (entirely) valid data is there. */
	public byte[] readPage(long index) throws IOException {
		CachedPage p = pages.get(index);
		if (p == null || !p.isWhole()) return null;
		byte[] out = new byte[PAGE];
		physical.read(p.physical(), out, 0, PAGE);
		return out;
	}

	/**
	 * Reads {@code len} bytes of the file at {@code offset} into {@code buf}; bytes of pages without data are left
	 * untouched and their pages' flags cleared in {@code present} (one per page touched, may be null).
	 * @return the number of bytes that came from cached pages
	 */
	public long read(long offset, byte[] buf, int off, int len, boolean[] present) throws IOException {
		long got = 0;
		int done = 0, pageNo = 0;
		while (done < len) {
			long at = offset + done;
			long index = at / PAGE;
			int in = (int) (at % PAGE);
			int n = Math.min(len - done, PAGE - in);
			CachedPage p = pages.get(index);
			boolean has = p != null && p.isWhole();
			if (has) {
				physical.read(p.physical() + in, buf, off + done, n);
				got += n;
			}
			if (present != null && pageNo < present.length) present[pageNo] = has;
			pageNo++;
			done += n;
		}
		return got;
	}

	/** The whole file when every page is in the snapshot, else null. */
	public byte[] content() throws IOException {
		if (!isComplete() || size > Integer.MAX_VALUE - 8) return null;
		byte[] out = new byte[(int) size];
		read(0, out, 0, out.length, null);
		return out;
	}

	/** Lowercase hex sha256 of the whole file when every page is in the snapshot, else null. Streams page by page. */
	public String sha256() throws IOException {
		if (!isComplete()) return null;
		MessageDigest md = sha256Digest();
		byte[] page = new byte[PAGE];
		for (long i = 0; i < pageCount(); i++) {
			int n = (int) Math.min(PAGE, size - i * PAGE);
			physical.read(pages.get(i).physical(), page, 0, PAGE);
			md.update(page, 0, n);
		}
		return HexFormat.of().formatHex(md.digest());
	}

	/** sha256 of the page at {@code index} with the bytes past EOF zeroed (the {@code pages.tsv} convention), or null. */
	public String pageSha256(long index) throws IOException {
		byte[] p = readPage(index);
		if (p == null) return null;
		if (size >= 0 && (index + 1) * PAGE > size) {
			long valid = Math.max(0, size - index * PAGE);
			Arrays.fill(p, (int) Math.min(PAGE, valid), PAGE, (byte) 0);
		}
		return HexFormat.of().formatHex(sha256Digest().digest(p));
	}

	static MessageDigest sha256Digest() {
		try {
			return MessageDigest.getInstance("SHA-256");
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}

	/** Count of pages of {@code [0, size)} per provenance. */
	public java.util.Map<Provenance, Long> summary() {
		java.util.EnumMap<Provenance, Long> m = new java.util.EnumMap<>(Provenance.class);
		long withEntry = 0;
		for (CachedPage p : pages.subMap(0L, true, pageCount() - 1, true).values()) {
			m.merge(p.provenance(), 1L, Long::sum);
			withEntry++;
		}
		if (pageCount() > withEntry) m.merge(Provenance.ABSENT, pageCount() - withEntry, Long::sum);
		return m;
	}
}
