package cacheshadow.merge;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import cacheshadow.ext4.BlockMap;
import cacheshadow.ext4.BlockRun;
import cacheshadow.ext4.Ext4File;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.ext4.Ext4Inode;
import cacheshadow.layers.Layer;
import cacheshadow.layers.MissingReads;
import cacheshadow.merge.ByteProvenance.Source;
import cacheshadow.pagecache.BlockDeviceCacheOverlay;
import cacheshadow.pagecache.CachedFile;
import cacheshadow.pagecache.CachedPage;
import cacheshadow.pagecache.Provenance;

/**
 * A regular file's bytes as one view assembles them: for each 4 KiB page the cached page when it holds valid data,
 * else the disk's block, else a hole; the end of file from the view's inode (the cached one where cached). Either
 * side may be missing (cache-only view, disk-only view, tmpfs). Immutable, so safe for concurrent readers.
 */
public final class FileContent {
	static final int PAGE = CachedFile.PAGE;

	private final long size;
	private final CachedFile cached;
	private final boolean shmem;
	private final Ext4File disk;
	private final BlockMap map;
	private final Layer diskLayer;
	private final int blockSize;
	/** False to read clean pages from the disk instead, as after memory pressure dropped them. */
	private final boolean cleanPages;

	/**
	 * @param size   end of file
	 * @param cached the page cache, or null
	 * @param shmem  tmpfs-like: pages never cached are holes (no disk behind them)
	 * @param disk   the disk's file (its block map through that view's layer), or null
	 */
	FileContent(long size, CachedFile cached, boolean shmem, Ext4FileSystem fs, Ext4Inode disk) {
		this(size, cached, shmem, fs, disk, true);
	}

	FileContent(long size, CachedFile cached, boolean shmem, Ext4FileSystem fs, Ext4Inode disk, boolean cleanPages) {
		this.cleanPages = cleanPages || disk == null;
		this.size = size;
		this.cached = cached;
		this.shmem = shmem;
		this.disk = disk == null ? null : fs.open(disk);
		this.map = this.disk == null ? null : this.disk.blockMap();
		// File data never comes from the block device's cache: a page there aliasing a data block (someone read
		// /dev/vda) is not kept coherent with the file's own page cache and may be older than the disk. Only the
		// metadata (block map, inode) is read through it; the data from the disk below (journal replayed).
		this.diskLayer = fs == null ? null : fs.layer() instanceof BlockDeviceCacheOverlay o ? o.disk() : fs.layer();
		this.blockSize = fs == null ? PAGE : fs.blockSize();
	}

	private FileContent(FileContent of, Ext4FileSystem fs) {
		this.cleanPages = of.cleanPages;
		this.size = of.size;
		this.cached = of.cached;
		this.shmem = of.shmem;
		this.disk = of.disk.in(fs);
		this.map = of.map;
		this.diskLayer = fs.layer() instanceof BlockDeviceCacheOverlay o ? o.disk() : fs.layer();
		this.blockSize = fs.blockSize();
	}

	/**
	 * This content with its disk side read through {@code fs}, the file system it was read through over a layer
	 * holding the same bytes ({@link Ext4FileSystem#over}); the block map is not read again.
	 */
	FileContent over(Ext4FileSystem fs) {
		return disk == null ? new FileContent(size, cached, shmem, null, null, cleanPages) : new FileContent(this, fs);
	}

	public long size() {
		return size;
	}

	/** The page cache side, or null. */
	public CachedFile cached() {
		return cached;
	}

	/** The disk side, or null. */
	public Ext4File disk() {
		return disk;
	}

	private CachedPage wholePage(long index) {
		if (cached == null) return null;
		CachedPage p = cached.page(index);
		return p != null && served(p) ? p : null;
	}

	/** Whether the view reads this cached page (else the disk's block). */
	private boolean served(CachedPage p) {
		return p.isWhole() && (cleanPages || p.provenance() != Provenance.CLEAN);
	}

	/**
	 * The served cached pages as runs of consecutive file pages at consecutive physical addresses (as the page
	 * allocator often hands them out): a read copies each run in one call instead of looking up every page in the
	 * cache's map, whose nodes a FUSE request finds cold. Made on the first read.
	 */
	private static final class PhysicalRuns {
		static final PhysicalRuns NONE = new PhysicalRuns(new long[0], new long[0], new long[0], 0);
		final long[] first, physical, end; // page index of each run's first page, its physical address, index past the run
		final int count;

		private PhysicalRuns(long[] first, long[] physical, long[] end, int count) {
			this.first = first;
			this.physical = physical;
			this.end = end;
			this.count = count;
		}

		static PhysicalRuns of(FileContent c) {
			if (c.cached == null) return NONE;
			int cap = 16, n = 0;
			long[] first = new long[cap], physical = new long[cap], end = new long[cap];
			for (CachedPage p : c.cached.pages()) { // in index order
				if (!c.served(p)) continue;
				if (n > 0 && end[n - 1] == p.index() && physical[n - 1] + (p.index() - first[n - 1]) * PAGE == p.physical()) {
					end[n - 1]++;
					continue;
				}
				if (n == cap) {
					cap *= 2;
					first = Arrays.copyOf(first, cap);
					physical = Arrays.copyOf(physical, cap);
					end = Arrays.copyOf(end, cap);
				}
				first[n] = p.index();
				physical[n] = p.physical();
				end[n++] = p.index() + 1;
			}
			return new PhysicalRuns(first, physical, end, n);
		}

		/** The last run starting at or before page {@code index}, or -1. */
		int before(long index) {
			int i = Arrays.binarySearch(first, 0, count, index);
			return i >= 0 ? i : -i - 2;
		}
	}

	private volatile PhysicalRuns runs;

	private PhysicalRuns runs() {
		PhysicalRuns r = runs;
		if (r == null) runs = r = PhysicalRuns.of(this);
		return r;
	}

	/** Reads up to {@code len} bytes at {@code offset}; 0 at or past the end. Unknown bytes read as zeros. */
	public int read(long offset, byte[] buf, int off, int len) throws IOException {
		if (offset < 0) throw new IllegalArgumentException("negative offset");
		if (offset >= size || len <= 0) return 0;
		int n = (int) Math.min(len, size - offset);
		PhysicalRuns r = runs();
		int i = r.before(offset / PAGE);
		int done = 0;
		while (done < n) {
			long pos = offset + done;
			while (i + 1 < r.count && r.first[i + 1] * PAGE <= pos) i++;
			int k;
			if (i >= 0 && pos < r.end[i] * PAGE) {
				k = (int) Math.min(n - done, r.end[i] * PAGE - pos);
				cached.physicalLayer().read(r.physical[i] + pos - r.first[i] * PAGE, buf, off + done, k);
			} else {
				// pages the cache lacks, up to the next run, from the disk in one go
				k = (int) Math.min(n - done, i + 1 < r.count ? r.first[i + 1] * PAGE - pos : Long.MAX_VALUE);
				if (cacheUnsure()) {
					// the walk of this page cache met bytes missing from partial evidence: a page it lacks may be one the
					// guest had, newer than the disk's block (or a tmpfs page, not a hole)
					throw MissingReads.missing("page cache of mapping 0x" + Long.toHexString(cached.mapping()) + ", file offset", pos);
				}
				readDisk(pos, buf, off + done, k);
			}
			done += k;
		}
		return n;
	}

	private void readDisk(long pos, byte[] buf, int off, int len) throws IOException {
		if (disk == null) {
			Arrays.fill(buf, off, off + len, (byte) 0);
			return;
		}
		if (disk.isInline()) {
			// inline data lives in the inode; past the disk's own end of file nothing is there
			int avail = (int) Math.max(0, Math.min(len, disk.size() - pos));
			if (avail > 0) disk.read(pos, buf, off, avail);
			Arrays.fill(buf, off + avail, off + len, (byte) 0);
			return;
		}
		disk.readMapped(diskLayer, pos, buf, off, len);
	}

	/** Where every byte of {@code [0, size)} comes from, adjacent ranges of one source merged. */
	public List<ByteProvenance> provenance() {
		List<ByteProvenance> out = new ArrayList<>();
		long pages = (size + PAGE - 1) / PAGE;
		for (long i = 0; i < pages; i++) {
			long start = i * PAGE, end = Math.min(size, start + PAGE);
			CachedPage p = wholePage(i);
			if (p != null) {
				Source s = p.provenance() == Provenance.CLEAN ? Source.CLEAN_PAGE : Source.DIRTY_PAGE;
				add(out, start, end - start, s, -1);
				continue;
			}
			Provenance cp = cached == null ? Provenance.ABSENT : cached.provenance(i);
			for (long at = start; at < end;) {
				long blockEnd = Math.min(end, (at / blockSize + 1) * blockSize);
				add(out, at, blockEnd - at, diskSource(at, cp), diskBlockAt(at));
				at = blockEnd;
			}
		}
		return out;
	}

	/** Whether the cache side met bytes missing from partial evidence: what it lacks is then unknown. */
	private boolean cacheUnsure() {
		return cached != null && cached.missedBy() != null;
	}

	private Source diskSource(long at, Provenance cachedState) {
		if (cacheUnsure()) return Source.UNKNOWN;
		if (disk != null) {
			if (disk.isInline()) return at < disk.size() ? Source.DISK_BLOCK : Source.HOLE;
			BlockRun r = map.runAt(at / blockSize);
			if (r != null && !r.unwritten()) return Source.DISK_BLOCK;
			// the disk's own map says nothing is allocated; a swapped-out page's data is elsewhere
			return cachedState == Provenance.SWAPPED_OUT ? Source.UNKNOWN : Source.HOLE;
		}
		if (shmem && cachedState == Provenance.ABSENT) return Source.HOLE;
		return Source.UNKNOWN;
	}

	private long diskBlockAt(long at) {
		if (disk == null || disk.isInline()) return -1;
		BlockRun r = map.runAt(at / blockSize);
		return r == null || r.unwritten() ? -1 : r.physical() + at / blockSize - r.logical();
	}

	private void add(List<ByteProvenance> out, long offset, long length, Source s, long block) {
		if (!out.isEmpty()) {
			ByteProvenance last = out.get(out.size() - 1);
			if (last.source() == s && last.end() == offset) {
				// disk ranges merge only while the device blocks follow the file offsets
				boolean contiguous = s != Source.DISK_BLOCK || (last.diskBlock() < 0 ? block < 0
						: block == last.diskBlock() + (last.offset() % blockSize + offset - last.offset()) / blockSize);
				if (contiguous) {
					out.set(out.size() - 1, new ByteProvenance(last.offset(), last.length() + length, s, last.diskBlock()));
					return;
				}
			}
		}
		out.add(new ByteProvenance(offset, length, s, block));
	}

	/** True when every byte has a source (no {@link Source#UNKNOWN}). */
	public boolean isComplete() {
		for (ByteProvenance b : provenance()) if (b.source() == Source.UNKNOWN) return false;
		return true;
	}

	/** Lowercase hex sha256 of the content, or null when some bytes are unknown. Computed once. */
	public String sha256() throws IOException {
		String h = sha256;
		if (h == null && !hashed) {
			h = computeSha256();
			sha256 = h;
			hashed = true;
		}
		return h;
	}

	/**
	 * What the content is made of, for a later refresh of a running guest to tell an unchanged file without hashing
	 * it again: where each byte comes from (cached page, disk block by number, hole) and the guest-physical address
	 * of every cached page served. Equal recipes over unchanged pages and an unwritten disk give equal bytes. Null
	 * for content that rests on more (inline data, read through the inode's block; a cache side that met missing bytes).
	 */
	record Recipe(List<ByteProvenance> provenance, long[] pages) {
		@Override
		public boolean equals(Object o) {
			return o instanceof Recipe r && provenance.equals(r.provenance) && Arrays.equals(pages, r.pages);
		}

		@Override
		public int hashCode() {
			return provenance.hashCode() * 31 + Arrays.hashCode(pages);
		}
	}

	Recipe recipe() {
		if ((disk != null && disk.isInline()) || cacheUnsure()) return null;
		PhysicalRuns r = runs();
		int n = 0;
		for (int i = 0; i < r.count; i++) n += (int) (r.end[i] - r.first[i]);
		long[] pages = new long[n];
		int k = 0;
		for (int i = 0; i < r.count; i++) for (long j = 0; j < r.end[i] - r.first[i]; j++) pages[k++] = r.physical[i] + j * PAGE;
		return new Recipe(provenance(), pages);
	}

	/** The sha256 when it was computed (or given), else null. */
	String knownSha256() {
		return hashed ? sha256 : null;
	}

	/** Takes the sha256 of content known to be byte for byte the content it was computed on. */
	void knownSha256(String h) {
		sha256 = h;
		hashed = true;
	}

	// the evidence does not change under us: one hash per file, however many listings and statuses ask
	private volatile String sha256;
	private volatile boolean hashed;

	private String computeSha256() throws IOException {
		return isComplete() ? digest("SHA-256") : null;
	}

	/**
	 * Lowercase hex digest of the content by a JDK {@link MessageDigest} algorithm (e.g. {@code MD5} for DFXML),
	 * or null when some bytes are unknown; read anew each time (only {@link #sha256} is kept).
	 */
	public String digest(String algorithm) throws IOException {
		if (!isComplete()) return null;
		MessageDigest md;
		try {
			md = MessageDigest.getInstance(algorithm);
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalArgumentException(e);
		}
		byte[] buf = new byte[1 << 20];
		long pos = 0;
		while (pos < size) {
			int k = read(pos, buf, 0, buf.length);
			if (k <= 0) break;
			md.update(buf, 0, k);
			pos += k;
		}
		return HexFormat.of().formatHex(md.digest());
	}
}
