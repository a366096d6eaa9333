package cacheshadow.pagecache;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import cacheshadow.caches.CacheAnalysis;
import cacheshadow.kernel.AddressMap;
import cacheshadow.kernel.AddressSet;
import cacheshadow.caches.CachedEntry;
import cacheshadow.caches.CachedInode;
import cacheshadow.caches.Mount;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.Finding;

/**
 * The page cache of the files a {@link CacheAnalysis} found: the entry point for the CLI and the merge. Each
 * file's data and per-page provenance ({@link #file}), the listing with content hashes where the whole file is
 * cached ({@link #withContentHashes}), and the findings met on the way.
 */
public final class PageCache {
	private final CacheAnalysis analysis;
	private final CachedFileReader reader;
	private final AddressMap<String> fsTypeBySuperBlock = new AddressMap<>();
	private final AddressMap<CachedFile> byInode = new AddressMap<>();
	private final List<Finding> findings = new ArrayList<>();

	public PageCache(CacheAnalysis analysis) throws IOException {
		this(analysis, new CachedFileReader(analysis.kernel()), true);
	}

	/** {@code calibrate} false when {@code reader} has already been offered every inode (by {@link PageWalkAlongside}). */
	private PageCache(CacheAnalysis analysis, CachedFileReader reader, boolean calibrate) throws IOException {
		this.analysis = analysis;
		this.reader = reader;
		for (Mount m : analysis.mounts()) if (m.fsType() != null) fsTypeBySuperBlock.putIfAbsent(m.superBlock(), m.fsType());
		// Marks of single-entry trees live in the root (xa_flags, gfp_mask) at a kernel-specific bit: learn it before the
		// first file, from the block devices' caches, else from the first file that shows it.
		if (calibrate) BlockDeviceCache.calibrate(reader, analysis.mounts());
		for (CachedEntry e : calibrate ? analysis.entries() : List.<CachedEntry>of()) {
			if (e.inode() != null && reader.calibrateMapping(e.inode().mapping())) break;
		}
	}

	public CacheAnalysis analysis() {
		return analysis;
	}

	public CachedFileReader reader() {
		return reader;
	}

	/**
	 * Analyzes a snapshot ({@link CacheAnalysis#open(Layer, Path, boolean, Progress, cacheshadow.caches.WalkListener)})
	 * and walks the page cache of every inode it finds, on the other cores while the dentry/inode walk is still
	 * running ({@link PageWalkAlongside}): the same files and findings as {@code new PageCache(analysis)} followed
	 * by {@link #file} of every {@link #listedInodes() listed inode} in order, in about the time of the longer of the
	 * two walks. An inode whose page cache cannot be read is left out here and reported by {@link #file}.
	 */
	public static PageCache open(cacheshadow.layers.Layer memory, java.nio.file.Path kernelDir, boolean sweep, cacheshadow.layers.Progress progress)
			throws IOException {
		return open(memory, kernelDir, sweep, progress, Runtime.getRuntime().availableProcessors());
	}

	/** As {@link #open(cacheshadow.layers.Layer, java.nio.file.Path, boolean, cacheshadow.layers.Progress)} on {@code threads} threads in all. */
	public static PageCache open(cacheshadow.layers.Layer memory, java.nio.file.Path kernelDir, boolean sweep, cacheshadow.layers.Progress progress,
			int threads) throws IOException {
		if (threads < 2) {
			PageCache pc = new PageCache(CacheAnalysis.open(memory, kernelDir, sweep, progress));
			pc.prefetch(pc.listedInodes(), 1);
			return pc;
		}
		PageWalkAlongside alongside = new PageWalkAlongside(threads - 1);
		CacheAnalysis a;
		try {
			a = CacheAnalysis.open(memory, kernelDir, sweep, progress, alongside);
		} catch (IOException | RuntimeException e) {
			alongside.abandon(); // stop the workers at once; the walk's own failure (or cancellation) is the one to report
			throw e;
		}
		alongside.finish();
		PageCache pc = alongside.reader() != null ? new PageCache(a, alongside.reader(), false) : new PageCache(a);
		pc.adopt(alongside);
		return pc;
	}

	/**
	 * As {@link #open(cacheshadow.layers.Layer, java.nio.file.Path, boolean, cacheshadow.layers.Progress)} for a
	 * kernel model already built (a live guest's, {@link LiveGuest.KernelFiles}): the dentry/inode walk with the page
	 * caches walked alongside on the other cores.
	 */
	public static PageCache walk(cacheshadow.kernel.LinuxKernel kernel, cacheshadow.layers.Progress progress) throws IOException {
		int threads = Runtime.getRuntime().availableProcessors();
		if (threads < 2) {
			PageCache pc = new PageCache(CacheAnalysis.walk(kernel, progress));
			pc.prefetch(pc.listedInodes(), 1);
			return pc;
		}
		PageWalkAlongside alongside = new PageWalkAlongside(threads - 1);
		CacheAnalysis a;
		try {
			a = CacheAnalysis.walk(kernel, progress, alongside);
		} catch (IOException | RuntimeException e) {
			alongside.abandon();
			throw e;
		}
		alongside.finish();
		PageCache pc = alongside.reader() != null ? new PageCache(a, alongside.reader(), false) : new PageCache(a);
		pc.adopt(alongside);
		return pc;
	}

	/** Every inode the analysis lists (entries, then orphans), each once: what {@link #open} walks. */
	public List<CachedInode> listedInodes() {
		List<CachedInode> out = new ArrayList<>();
		AddressSet seen = new AddressSet();
		for (CachedEntry e : analysis.entries()) if (e.inode() != null && seen.add(e.inode().address())) out.add(e.inode());
		for (CachedInode i : analysis.orphans()) if (seen.add(i.address())) out.add(i);
		return out;
	}

	/**
	 * Keeps what the walks alongside found for the listed inodes, with their findings in the order of
	 * {@link #listedInodes()} (as {@link #prefetch} would add them); inodes whose walk failed are left to {@link #file}.
	 */
	private void adopt(PageWalkAlongside alongside) {
		AddressMap<PageWalkAlongside.Walked> walked = alongside.results();
		for (CachedInode i : listedInodes()) {
			PageWalkAlongside.Walked w = walked.get(i.address());
			if (w != null && w.file() != null) {
				if (byInode.putIfAbsent(i.address(), w.file()) == null) findings.addAll(w.findings());
				continue;
			}
			try {
				file(i); // not walked alongside (or its walk failed): here, in order
			} catch (IOException e) {
				// left to the caller's own file(i), which reports it
			}
		}
	}

	/** True for file systems whose pages live only in memory (shmem: tmpfs, devtmpfs...). */
	static boolean isShmem(String fsType) {
		return "tmpfs".equals(fsType) || "shmem".equals(fsType) || "devtmpfs".equals(fsType);
	}

	/** The page cache of a cached inode (read once, then kept). */
	public CachedFile file(CachedInode inode) throws IOException {
		CachedFile f = byInode.get(inode.address());
		if (f == null) {
			f = reader.file(inode, isShmem(fsTypeBySuperBlock.get(inode.superBlock())), findings);
			byInode.putIfAbsent(inode.address(), f);
		}
		return f;
	}

	/**
	 * Walks the page caches of {@code inodes} on up to {@code threads} threads and keeps them, as {@link #file} would
	 * one by one; findings are added in the order of {@code inodes}, as that sequential walk adds them. The walks only
	 * read guest memory and each is independent of the others (layers read by absolute position, the translation
	 * cache holds immutable entries, the index walkers' one learned bit is volatile), so on a snapshot with 100,000
	 * cached files the second core halves the wall time.
	 */
	public void prefetch(List<CachedInode> inodes, int threads) throws IOException {
		List<CachedInode> todo = new ArrayList<>();
		AddressSet queued = new AddressSet();
		for (CachedInode i : inodes) if (byInode.get(i.address()) == null && queued.add(i.address())) todo.add(i);
		if (threads <= 1 || todo.size() <= CHUNK) {
			for (CachedInode i : todo) file(i);
			return;
		}
		CachedFile[] files = new CachedFile[todo.size()];
		@SuppressWarnings("unchecked")
		List<Finding>[] found = new List[todo.size()];
		IOException failure = null;
		try {
			ParallelRange.run(files.length, threads, CHUNK, "page-cache walk", k -> {
				CachedInode i = todo.get(k);
				List<Finding> f = new ArrayList<>(0);
				files[k] = reader.file(i, isShmem(fsTypeBySuperBlock.get(i.superBlock())), f);
				if (!f.isEmpty()) found[k] = f;
			});
		} catch (IOException e) {
			failure = e;
		}
		// Sequentially from here: what file() would have kept and reported, up to a failing inode as it would stop.
		for (int k = 0; k < files.length && files[k] != null; k++) {
			byInode.putIfAbsent(todo.get(k).address(), files[k]);
			if (found[k] != null) findings.addAll(found[k]);
		}
		if (failure != null) throw failure;
	}

	/** Files a thread takes at a time (and below which one thread walks them all). */
	private static final int CHUNK = 256;

	/** The page cache of the file at {@code path} (a positive cached entry), or null when no such entry. */
	public CachedFile file(String path) throws IOException {
		CachedEntry e = positiveByPath().get(path);
		return e == null ? null : file(e.inode());
	}

	private volatile java.util.Map<String, CachedEntry> positiveByPath;

	/** Positive entries by path, built once: a scan per lookup made listing 100,000 files quadratic. */
	private java.util.Map<String, CachedEntry> positiveByPath() {
		java.util.Map<String, CachedEntry> m = positiveByPath;
		if (m == null) {
			m = new java.util.HashMap<>();
			for (CachedEntry e : analysis.entries()) {
				if (e.state() == CachedEntry.State.POSITIVE) m.putIfAbsent(e.path(), e);
			}
			positiveByPath = m;
		}
		return m;
	}

	/**
	 * {@link CacheAnalysis#records()} with {@code sha256} set for every regular file whose every page is in the
	 * snapshot (dirty or clean); null where any page is missing. Unreadable structures become findings.
	 */
	public List<FileRecord> withContentHashes() throws IOException {
		List<CachedInode> regular = new ArrayList<>();
		for (CachedEntry e : analysis.entries()) {
			if (e.state() == CachedEntry.State.POSITIVE && e.inode() != null && (e.inode().mode() & 0xF000) == 0x8000) regular.add(e.inode());
		}
		try {
			prefetch(regular, Runtime.getRuntime().availableProcessors());
		} catch (IOException ex) {
			// left to the per-file reads below, which report each unreadable file
		}
		List<FileRecord> out = new ArrayList<>();
		for (CachedEntry e : analysis.entries()) {
			if (e.state() != CachedEntry.State.POSITIVE) continue;
			FileRecord r = e.toRecord();
			if (r.type().isRegular()) {
				try {
					String sha = file(e.inode()).sha256();
					if (sha != null) r = r.withSha256(sha);
				} catch (IOException ex) {
					findings.add(Finding.anomaly("page-cache-unreadable", e.inode().address(), e.path() + ": " + ex.getMessage()));
				}
			}
			out.add(r);
		}
		return out;
	}

	/** Shorthand: {@code new PageCache(analysis).withContentHashes()}. */
	public static List<FileRecord> withContentHashes(CacheAnalysis analysis) throws IOException {
		return new PageCache(analysis).withContentHashes();
	}

	/**
	 * The block-device cache under a mounted file system ({@code sb->s_bdev}), or null when it has none (tmpfs,
	 * proc...). Lay it over the disk image with {@link BlockDeviceCache#overlay}.
	 */
	public BlockDeviceCache blockDevice(Mount mount) throws IOException {
		return BlockDeviceCache.of(reader, mount, findings);
	}

	/** The block-device cache of the mount at {@code path} (e.g. {@code /mnt/disk}) laid over {@code disk}, or null. */
	public BlockDeviceCacheOverlay overlay(String mountPath, cacheshadow.layers.Layer disk) throws IOException {
		for (Mount m : analysis.mounts()) {
			if (m.path().equals(mountPath)) {
				BlockDeviceCache b = blockDevice(m);
				return b == null ? null : b.overlay(disk);
			}
		}
		return null;
	}

	/** Anomalies met while reading page caches so far. */
	public List<Finding> findings() {
		return Collections.unmodifiableList(findings);
	}
}
