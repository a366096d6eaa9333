package cacheshadow.merge;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import cacheshadow.caches.CacheAnalysis;
import cacheshadow.caches.CachedEntry;
import cacheshadow.caches.CachedInode;
import cacheshadow.caches.Mount;
import cacheshadow.caches.WalkGaps;
import cacheshadow.ext4.DirectoryEntry;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.ext4.Ext4Inode;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.MissingReads;
import cacheshadow.layers.Progress;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.FileType;
import cacheshadow.listing.Finding;
import cacheshadow.listing.GuestName;
import cacheshadow.listing.GuestPath;
import cacheshadow.merge.ViewTree.Node;
import cacheshadow.merge.ViewTree.Origin;
import cacheshadow.pagecache.BlockDeviceCache;
import cacheshadow.pagecache.BlockDeviceCacheOverlay;
import cacheshadow.pagecache.CachedFile;
import cacheshadow.pagecache.PageCache;

/**
 * The guest's file system as the guest itself sees it, built from its caches over its disk (seed section 4.2),
 * and beside it the caches alone and the disk alone ({@link #tree(View)}), with a {@link PathStatus} for every
 * path. This object is itself the merged {@link FileTree}.
 *
 * <p>Each cached ext4 super block is matched to a disk by the file-system UUID. The merged view reads the disk
 * through ext4 over (disk, jbd2 journal replayed in memory, then the block-device cache on top: the cache is never
 * older than the journal, whose uncheckpointed buffers it pins); the disk-only view reads ext4 over the disk alone,
 * replayed or as it lies. Merged semantics: read = cached page, else disk block, else hole, size from the cached
 * inode; readdir = cached children plus disk entries not hidden by negative or unhashed dentries; getattr = the
 * cached inode, else the disk inode.
 */
public final class MergedFileSystem implements FileTree, AutoCloseable {
	/** A cached ext4 super block and the disk it was matched to. */
	public record DiskMatch(Mount mount, Layer disk, Ext4FileSystem diskOnly, Ext4FileSystem merged, BlockDeviceCacheOverlay overlay) {
	}

	private final CacheAnalysis analysis;
	private final PageCache pages;
	private final boolean replayJournal;
	private final List<DiskMatch> matches = new ArrayList<>();
	private final Map<View, ViewTree> trees = new EnumMap<>(View.class);
	private final List<Finding> findings = new ArrayList<>();
	private final List<AutoCloseable> owned = new ArrayList<>();
	private final Map<Long, String> fsTypes = new HashMap<>();
	private final Set<String> hidden = new HashSet<>();
	/** guest-name findings of disk entries already reported (the merged and the disk-only walk see the same names). */
	private final Set<Finding> nameFindings = new HashSet<>();
	/** Cached inodes by super block and number: orphans (no dentry left) and inodes of cached names. */
	private final Map<String, CachedInode> cachedInodes = new HashMap<>();
	/** The first read of missing bytes met opening a file system (group descriptors, jbd2 replay): all of it is unsure. */
	private final Map<Ext4FileSystem, String> fsMissed = new java.util.IdentityHashMap<>();
	/** Per cached super block, the first read of missing bytes met reading its block-device cache. */
	private final Map<Long, String> bdevMissed = new HashMap<>();
	private List<PathStatus> statuses;
	private Map<String, PathStatus> statusByPath;
	private final DiskSide side;

	private MergedFileSystem(CacheAnalysis analysis, PageCache pages, boolean replayJournal) {
		this.analysis = analysis;
		this.pages = pages;
		this.replayJournal = replayJournal;
		this.side = new DiskSide(replayJournal);
	}

	/**
	 * Opens the evidence as the CLI names it and builds the three views. The layers are closed with this object.
	 *
	 * @param disk          raw or qcow2 disk image, or null (then the merged view is the cache-only one)
	 * @param kernelDir     kernel files (BTF, symbols), or null for the snapshot alone
	 * @param replayJournal disk-only view after jbd2 replay (as a mount sees it), else the image as it lies
	 */
	public static MergedFileSystem open(Path memory, Path disk, Path kernelDir, boolean replayJournal, Progress progress) throws IOException {
		return open(memory, disk, kernelDir, replayJournal, false, progress);
	}

	/** As {@link #open(Path, Path, Path, boolean, Progress)}; {@code sweep} as in {@link CacheAnalysis#open(Layer, Path, boolean, Progress)}. */
	public static MergedFileSystem open(Path memory, Path disk, Path kernelDir, boolean replayJournal, boolean sweep, Progress progress)
			throws IOException {
		return open(memory, disk, kernelDir, replayJournal, sweep, false, progress);
	}

	/**
	 * As {@link #open(Path, Path, Path, boolean, boolean, Progress)}; {@code partial} opens evidence cut short
	 * ({@link Layers#openMemory(Path, boolean)}, {@link Layers#openDisk(Path, boolean)}): what is there is analyzed, and
	 * each view's {@link ViewTree#gaps()} name the paths whose rows rest on missing bytes.
	 */
	public static MergedFileSystem open(Path memory, Path disk, Path kernelDir, boolean replayJournal, boolean sweep, boolean partial, Progress progress)
			throws IOException {
		Layer mem = Layers.openMemory(memory, partial);
		Layer d = null;
		try {
			d = disk == null ? null : Layers.openDisk(disk, partial);
			PageCache pc = PageCache.open(mem, kernelDir, sweep, progress);
			MergedFileSystem m = of(pc.analysis(), pc, d == null ? List.of() : List.of(d), replayJournal, progress);
			m.owned.add(mem);
			if (d != null) m.owned.add(d);
			return m;
		} catch (IOException | RuntimeException e) {
			if (d != null) d.close();
			mem.close();
			throw e;
		}
	}

	/** Builds the views from an analysis already made; the disks stay the caller's. */
	public static MergedFileSystem of(CacheAnalysis analysis, PageCache pages, List<Layer> disks, boolean replayJournal, Progress progress)
			throws IOException {
		return of(analysis, pages, disks, replayJournal, null, progress);
	}

	/**
	 * As {@link #of(CacheAnalysis, PageCache, List, boolean, Progress)}, taking over from {@code kept} (the
	 * {@link #diskSide()} of views built over disks of the same bytes, in the same order, or null) what rests on the
	 * disks alone instead of building it again: each disk's ext4 as opened (super block, group descriptors, the
	 * journal's replay) and, when every disk is matched to the same mount as then, the disk-only view, as they would be
	 * built now, read through {@code disks}.
	 */
	public static MergedFileSystem of(CacheAnalysis analysis, PageCache pages, List<Layer> disks, boolean replayJournal, DiskSide kept, Progress progress)
			throws IOException {
		MergedFileSystem m = new MergedFileSystem(analysis, pages, replayJournal);
		for (Mount mt : analysis.mounts()) m.fsTypes.putIfAbsent(mt.superBlock(), mt.fsType());
		progress.begin("Merging caches over the disk", 3);
		if (kept != null && (kept.replayJournal != replayJournal || kept.disks.size() != disks.size())) kept = null;
		boolean keepTree = kept != null && kept.diskOnly != null;
		for (int i = 0; keepTree && i < disks.size(); i++) keepTree = mountKey(m.mountOf(kept.disks.get(i).diskOnly().fs().superblock().uuidString())).equals(kept.mounts.get(i));
		for (int i = 0; i < disks.size(); i++) m.match(disks.get(i), kept == null ? null : kept.disks.get(i), keepTree);
		for (CachedEntry e : analysis.entries()) {
			if (e.state() != CachedEntry.State.POSITIVE) m.hidden.add(e.path());
			else m.cachedInodes.putIfAbsent(e.inode().superBlock() + ":" + e.inode().ino(), e.inode());
		}
		for (CachedInode o : analysis.orphans()) m.cachedInodes.putIfAbsent(o.superBlock() + ":" + o.ino(), o);
		// Every cached regular file's pages, walked on all cores up front (in path order, orphans last).
		List<CachedInode> regular = new ArrayList<>();
		for (CachedEntry e : analysis.entries()) if (e.inode() != null && (e.inode().mode() & 0xF000) == 0x8000) regular.add(e.inode());
		for (CachedInode o : analysis.orphans()) if ((o.mode() & 0xF000) == 0x8000) regular.add(o);
		try {
			pages.prefetch(regular, Runtime.getRuntime().availableProcessors());
		} catch (IOException e) {
			// each file's own read below reports what is unreadable
		}
		m.trees.put(View.CACHE_ONLY, m.cacheOnly());
		progress.worked(1);
		int before = m.findings.size();
		m.trees.put(View.DISK_ONLY, keepTree ? m.diskOnlyAsKept(kept) : m.diskOnly());
		m.side.keep(m, m.findings.subList(before, m.findings.size()));
		progress.worked(1);
		m.trees.put(View.MERGED, m.merged(true));
		progress.worked(1);
		return m;
	}

	/** The cached ext4 mount of the file system of UUID {@code uuid}, or null. */
	private Mount mountOf(String uuid) {
		Mount mount = null;
		for (Mount mt : analysis.mounts()) {
			if ("ext4".equals(mt.fsType()) && uuid.equalsIgnoreCase(Objects.toString(mt.uuid(), ""))) {
				if (mount == null) mount = mt;
				else if (mt.superBlock() == mount.superBlock() && mt.path().length() < mount.path().length()) mount = mt; // bind mounts: the shortest path
			}
		}
		return mount;
	}

	private static String mountKey(Mount mount) {
		return mount == null ? "-" : mount.superBlock() + ":" + mount.path();
	}

	/**
	 * Matches one disk to the cached ext4 super block of the same UUID. {@code kept}: its file systems as opened by
	 * an earlier build over the same bytes, or null; {@code keptTree}: that build's disk-only view is taken over too.
	 */
	private void match(Layer disk, DiskSide.Disk kept, boolean keptTree) throws IOException {
		Ext4FileSystem.Options options = replayJournal ? Ext4FileSystem.Options.REPLAYED : Ext4FileSystem.Options.AS_IT_LIES;
		DiskSide.Opened diskOnlyOpened = openDisk(disk, options, kept == null ? null : kept.diskOnly(), keptTree);
		Ext4FileSystem diskOnly = diskOnlyOpened.fs();
		String uuid = diskOnly.superblock().uuidString();
		Mount mount = mountOf(uuid);
		if (mount == null) {
			findings.add(new Finding(Finding.Severity.WARNING, "merge-no-match", disk.name(),
					"no cached ext4 super block has UUID " + uuid + ": the disk is shown alone (disk-only view at /)"));
			matches.add(new DiskMatch(null, disk, diskOnly, null, null));
			side.disks.add(new DiskSide.Disk(diskOnlyOpened, null));
			side.mounts.add(mountKey(null));
			return;
		}
		// disk, then the journal's committed blocks, then the block-device cache: oldest to newest
		DiskSide.Opened replayedOpened = replayJournal ? null : openDisk(disk, Ext4FileSystem.Options.REPLAYED, kept == null ? null : kept.replayed(), false);
		Ext4FileSystem replayed = replayJournal ? diskOnly : replayedOpened.fs();
		side.disks.add(new DiskSide.Disk(diskOnlyOpened, replayedOpened));
		side.mounts.add(mountKey(mount));
		Layer base = replayed.layer();
		BlockDeviceCache cache = null;
		try (MissingReads.Watch w = MissingReads.watch()) {
			try {
				cache = BlockDeviceCache.of(pages.reader(), mount, findings);
			} catch (IOException | RuntimeException e) {
				findings.add(new Finding(Finding.Severity.WARNING, "merge-bdev-cache", mount.path(), "block-device cache unreadable: " + e.getMessage()));
			}
			String missed = w.touched() ? w.first() : cache == null ? null : cache.pages().missedBy();
			if (missed != null) {
				bdevMissed.put(mount.superBlock(), missed);
				findings.add(new Finding(Finding.Severity.WARNING, WalkGaps.FINDING, mount.path(), "its block-device cache met bytes missing from the evidence ("
						+ missed + "): metadata read from the disk may be older than the guest's"));
			}
		}
		BlockDeviceCacheOverlay overlay = cache == null ? null : new BlockDeviceCacheOverlay(base, cache);
		Ext4FileSystem merged = openWatched(overlay == null ? base : overlay, Ext4FileSystem.Options.AS_IT_LIES, fsMissed.get(replayed));
		matches.add(new DiskMatch(mount, disk, diskOnly, merged, overlay));
	}

	/**
	 * Opens ext4 on a disk as {@link #openWatched} does, or, given how an earlier build over the same bytes opened it
	 * ({@code kept}), takes that over: the file system read through {@code disk}, starting with the findings it had
	 * right after the open (or, {@code walked}, after the disk-only view was built on it, which is then taken over too),
	 * and what the open added here (findings, the first read of missing bytes).
	 */
	private DiskSide.Opened openDisk(Layer disk, Ext4FileSystem.Options options, DiskSide.Opened kept, boolean walked) throws IOException {
		if (kept == null) {
			int before = findings.size();
			Ext4FileSystem fs = openWatched(disk, options, null);
			return new DiskSide.Opened(fs, fs.findings(), null, fsMissed.get(fs), List.copyOf(findings.subList(before, findings.size())));
		}
		Ext4FileSystem fs = kept.fs().over(disk, walked ? kept.walkedFindings() : kept.openFindings());
		if (kept.missed() != null) fsMissed.put(fs, kept.missed());
		findings.addAll(kept.added());
		return new DiskSide.Opened(fs, kept.openFindings(), walked ? kept.walkedFindings() : null, kept.missed(), kept.added());
	}

	/**
	 * What of the views rests on the disks alone, for views built later over the same bytes (a live refresh of a guest
	 * that did not write to its disk since): each disk's file systems as opened, and the disk-only view with what
	 * building it found.
	 */
	public static final class DiskSide {
		/** A file system opened on a disk: its findings right after the open and after the disk-only view was built on it (or null), what the open added to the merge. */
		record Opened(Ext4FileSystem fs, List<Finding> openFindings, List<Finding> walkedFindings, String missed, List<Finding> added) {
		}

		/** One disk: the file system of the disk-only view, and (journal not replayed there) the replayed one under the merged view. */
		record Disk(Opened diskOnly, Opened replayed) {
		}

		private final boolean replayJournal;
		private final List<Disk> disks = new ArrayList<>();
		/** Per disk, the mount it was matched to (super block and path), or "-". */
		private final List<String> mounts = new ArrayList<>();
		private List<Node> diskOnly;
		private String diskOnlyRoot;
		private PathGaps diskOnlyGaps;
		private List<Finding> diskOnlyFindings;
		private Set<Finding> diskOnlyNames;

		DiskSide(boolean replayJournal) {
			this.replayJournal = replayJournal;
		}

		/** Notes the disk-only view just built (or taken over) and what building it added to the merge's findings. */
		void keep(MergedFileSystem m, List<Finding> added) {
			ViewTree t = m.trees.get(View.DISK_ONLY);
			diskOnly = new ArrayList<>();
			for (Node n : t.nodes()) diskOnly.add(n);
			diskOnlyRoot = t.root();
			diskOnlyGaps = t.gaps().copy();
			diskOnlyFindings = List.copyOf(added);
			diskOnlyNames = Set.copyOf(m.nameFindings);
			for (int i = 0; i < disks.size(); i++) {
				Opened o = disks.get(i).diskOnly();
				disks.set(i, new Disk(new Opened(o.fs(), o.openFindings(), o.fs().findings(), o.missed(), o.added()), disks.get(i).replayed()));
			}
		}
	}

	/** What of these views rests on the disks alone, for {@link #of(CacheAnalysis, PageCache, List, boolean, DiskSide, Progress)}. */
	public DiskSide diskSide() {
		return side;
	}

	/**
	 * The disk-only view of {@code kept}, read through this build's file systems (the same bytes): its nodes with their
	 * disk contents rebound, its gaps, and the findings and guest-name findings building it added.
	 */
	private ViewTree diskOnlyAsKept(DiskSide kept) {
		Map<Ext4FileSystem, Ext4FileSystem> now = new java.util.IdentityHashMap<>();
		for (int i = 0; i < matches.size(); i++) now.put(kept.disks.get(i).diskOnly().fs(), matches.get(i).diskOnly());
		Map<String, Node> nodes = ViewTree.newMap();
		for (Node n : kept.diskOnly) {
			FileContent c = n.content() == null ? null : n.content().over(n.content().disk() == null ? null : now.get(n.content().disk().fileSystem()));
			nodes.put(n.path(), new Node(n.path(), n.attr(), c, n.children() == null ? null : new TreeSet<>(), n.origin(), n.superBlock()));
		}
		findings.addAll(kept.diskOnlyFindings);
		nameFindings.addAll(kept.diskOnlyNames);
		return new ViewTree(View.DISK_ONLY, kept.diskOnlyRoot, nodes, kept.diskOnlyGaps.copy());
	}

	/** Opens ext4 on {@code layer}, remembering a read of missing bytes met on the way (or {@code missedBelow}) for its paths. */
	private Ext4FileSystem openWatched(Layer layer, Ext4FileSystem.Options options, String missedBelow) throws IOException {
		try (MissingReads.Watch w = MissingReads.watch()) {
			Ext4FileSystem fs = Ext4FileSystem.open(layer, options);
			String missed = w.touched() ? w.first() : missedBelow;
			if (missed != null) {
				fsMissed.put(fs, missed);
				if (w.touched()) findings.add(new Finding(Finding.Severity.WARNING, WalkGaps.FINDING, layer.name(), "opening its file system (group descriptors, "
						+ (options.replayJournal() ? "jbd2 journal" : "super block") + ") met bytes missing from the evidence (" + missed + ")"));
			}
			return fs;
		}
	}

	/**
	 * Notes what of a cached path rests on missing bytes, as the cache walk found it: its own record, a directory's
	 * names, everything under an unsure mount tree.
	 */
	private void noteCached(PathGaps gaps, CachedEntry e) {
		WalkGaps w = analysis.gaps();
		if (w.isEmpty()) return;
		String path = e.path();
		String first = "see the cache walk's evidence-missing findings";
		if (w.mounts()) gaps.add(path, PathGaps.Part.MOUNTS, first);
		if (w.entries().containsKey(path) || w.inodes().contains(e.inode().address())) gaps.add(path, PathGaps.Part.METADATA, first);
		if (w.children().contains(path)) gaps.add(path, PathGaps.Part.CHILDREN, first);
	}

	/**
	 * Notes a path the merged view shows from the disk (file system {@code sb}) where the guest's caches, partly
	 * missing, may have held a newer version or known it gone: below a directory whose cached names met missing
	 * bytes, on a super block whose inode list or block-device cache did, or under an unsure mount tree.
	 */
	private void noteFromDisk(PathGaps gaps, String path, long sb) {
		WalkGaps w = analysis.gaps();
		String first = bdevMissed.get(sb);
		if (first == null && (w.unsure(path) || w.superBlocks().contains(sb))) first = "see the cache walk's evidence-missing findings";
		if (first != null) gaps.add(path, PathGaps.Part.CACHE, first);
		if (w.mounts()) gaps.add(path, PathGaps.Part.MOUNTS, "see the cache walk's evidence-missing findings");
	}

	/** Notes {@code part} of {@code path} when the watch saw missing bytes. */
	private static void note(PathGaps gaps, String path, PathGaps.Part part, MissingReads.Watch w) {
		if (w.touched()) gaps.add(path, part, w.first());
	}

	private DiskMatch matchOf(long superBlock) {
		for (DiskMatch d : matches) if (d.mount() != null && d.mount().superBlock() == superBlock) return d;
		return null;
	}

	private boolean shmem(long superBlock) {
		String t = fsTypes.get(superBlock);
		return "tmpfs".equals(t) || "shmem".equals(t) || "devtmpfs".equals(t) || "ramfs".equals(t);
	}

	private CachedFile cachedFile(CachedEntry e) {
		try {
			return pages.file(e.inode());
		} catch (IOException | RuntimeException ex) {
			findings.add(Finding.anomaly("page-cache-unreadable", e.inode().address(), e.path() + ": " + ex.getMessage()));
			return null;
		}
	}

	private ViewTree cacheOnly() {
		Map<String, Node> nodes = ViewTree.newMap();
		PathGaps gaps = new PathGaps();
		for (CachedEntry e : analysis.entries()) {
			if (e.state() != CachedEntry.State.POSITIVE) continue;
			FileRecord r = e.toRecord();
			noteCached(gaps, e);
			FileContent c = null;
			if (r.type().isRegular()) {
				try (MissingReads.Watch w = MissingReads.watch()) {
					CachedFile cf = cachedFile(e);
					noteCachedFile(gaps, e.path(), cf);
					note(gaps, e.path(), PathGaps.Part.DATA, w);
					c = new FileContent(r.size(), cf, shmem(e.inode().superBlock()), null, null);
				}
			}
			nodes.put(e.path(), new Node(e.path(), r, c, r.type() == FileType.DIRECTORY ? new TreeSet<>() : null, Origin.CACHE, e.inode().superBlock()));
		}
		return new ViewTree(View.CACHE_ONLY, "/", nodes, gaps);
	}

	private static void noteCachedFile(PathGaps gaps, String path, CachedFile cf) {
		if (cf != null && cf.missedBy() != null) gaps.add(path, PathGaps.Part.DATA, cf.missedBy());
	}

	private ViewTree diskOnly() {
		Map<String, Node> nodes = ViewTree.newMap();
		PathGaps gaps = new PathGaps();
		String root = "/";
		for (DiskMatch d : matches) {
			String prefix = d.mount() == null ? "/" : d.mount().path();
			if (d == matches.get(0)) root = prefix;
			long sb = d.mount() == null ? 0 : d.mount().superBlock();
			Ext4FileSystem fs = d.diskOnly();
			try (MissingReads.Watch w = MissingReads.watch()) {
				try {
					Ext4Inode rootInode = fs.inode(Ext4FileSystem.ROOT_INODE);
					nodes.put(prefix, diskNode(fs, prefix, rootInode, sb, gaps));
				} finally {
					note(gaps, prefix, PathGaps.Part.METADATA, w);
				}
				walkDisk(fs, nodes, new ArrayDeque<>(List.of(prefix)), Map.of(prefix, Ext4FileSystem.ROOT_INODE), sb, false, true, gaps, Map.of());
			} catch (IOException e) {
				findings.add(new Finding(Finding.Severity.ERROR, "merge-disk-unreadable", d.disk().name(), e.getMessage()));
			}
		}
		return new ViewTree(View.DISK_ONLY, root, nodes, gaps);
	}

	private Node diskNode(Ext4FileSystem fs, String path, Ext4Inode in, long sb, PathGaps gaps) {
		String fsMiss = fsMissed.get(fs);
		if (fsMiss != null) gaps.add(path, PathGaps.Part.FILESYSTEM, fsMiss);
		FileRecord r;
		try (MissingReads.Watch w = MissingReads.watch()) {
			r = fs.record(path, in, false);
			note(gaps, path, PathGaps.Part.METADATA, w);
		}
		FileContent c = null;
		if (r.type().isRegular()) {
			try (MissingReads.Watch w = MissingReads.watch()) {
				c = new FileContent(in.size, null, false, fs, in);
				note(gaps, path, PathGaps.Part.DATA, w);
			}
		}
		return new Node(path, r, c, r.type() == FileType.DIRECTORY ? new TreeSet<>() : null, Origin.DISK, sb);
	}

	/**
	 * A name only the disk (through the block-device cache) gives, in the merged view: when the guest still caches
	 * its inode (a dirty inode whose dentry was dropped, a hard link's other name), the cached inode and its pages
	 * win over the inode table, which holds only {@code i_disksize} and older times.
	 */
	private Node mergedDiskNode(Ext4FileSystem fs, String path, Ext4Inode in, long sb, boolean cleanPages, PathGaps gaps) {
		noteFromDisk(gaps, path, sb);
		CachedInode ci = cachedInodes.get(sb + ":" + in.number);
		if (ci == null || (ci.mode() & 0xF000) != (in.mode & 0xF000)) return diskNode(fs, path, in, sb, gaps);
		if (analysis.gaps().inodes().contains(ci.address())) gaps.add(path, PathGaps.Part.METADATA, "see the cache walk's evidence-missing findings");
		String fsMiss = fsMissed.get(fs);
		if (fsMiss != null) gaps.add(path, PathGaps.Part.FILESYSTEM, fsMiss);
		FileRecord r = new FileRecord(path, FileType.fromMode(ci.mode(), ci.size()), ci.mode(), ci.uid(), ci.gid(), ci.size(), ci.nlink(),
				ci.ino(), ci.atime(), ci.mtime(), ci.ctime(), ci.mtimeNanos(), null, ci.symlinkTarget());
		if (r.type() == FileType.SYMLINK && r.symlinkTarget() == null) {
			try (MissingReads.Watch w = MissingReads.watch()) {
				try {
					r = new FileRecord(path, r.type(), r.mode(), r.uid(), r.gid(), r.size(), r.nlink(), r.inode(), r.atime(), r.mtime(), r.ctime(),
							r.mtimeNanos(), null, fs.symlinkTarget(in));
				} catch (IOException e) {
					findings.add(new Finding(Finding.Severity.WARNING, "merge-symlink", path, e.getMessage()));
				}
				note(gaps, path, PathGaps.Part.METADATA, w);
			}
		}
		FileContent c = null;
		if (r.type().isRegular()) {
			try (MissingReads.Watch w = MissingReads.watch()) {
				CachedFile pagesOf = null;
				try {
					pagesOf = pages.file(ci);
				} catch (IOException | RuntimeException ex) {
					findings.add(Finding.anomaly("page-cache-unreadable", ci.address(), path + ": " + ex.getMessage()));
				}
				noteCachedFile(gaps, path, pagesOf);
				c = new FileContent(r.size(), pagesOf, false, fs, in, cleanPages);
				note(gaps, path, PathGaps.Part.DATA, w);
			}
		}
		return new Node(path, r, c, r.type() == FileType.DIRECTORY ? new TreeSet<>() : null, Origin.CACHE, sb);
	}

	/**
	 * Adds what the disk's directories name below the queued directories ({@code dirInodes}: path → inode number),
	 * recursively; names already present stay as they are, and in the merged view names the cache knows to be gone
	 * are left out.
	 */
	private void walkDisk(Ext4FileSystem fs, Map<String, Node> nodes, Deque<String> queue, Map<String, Long> dirInodes, long sb, boolean merged,
			boolean cleanPages, PathGaps gaps, Map<Long, List<DirectoryEntry>> dirsRead) {
		Map<String, Long> inodes = new HashMap<>(dirInodes);
		Set<Long> visited = new HashSet<>();
		while (!queue.isEmpty()) {
			String dir = queue.poll();
			long ino = inodes.get(dir);
			if (!visited.add(ino)) continue;
			List<DirectoryEntry> entries = dirsRead.get(ino); // read by the level check already
			if (entries == null) {
				try (MissingReads.Watch w = MissingReads.watch()) {
					try {
						Ext4Inode d = fs.inode(ino);
						if (!d.isDirectory()) continue;
						entries = fs.readDirectory(d);
					} catch (IOException e) {
						findings.add(new Finding(Finding.Severity.WARNING, "merge-disk-dir", dir, "directory unreadable on disk: " + e.getMessage()));
						continue;
					} finally {
						note(gaps, dir, PathGaps.Part.CHILDREN, w);
					}
				}
			}
			for (DirectoryEntry e : entries) {
				if (e.isDotOrDotDot()) continue;
				String p = GuestPath.child(dir, e.name());
				Node existing = nodes.get(p);
				if (existing != null) {
					// a cached directory of the same file system: its disk entries are merged below it too
					if (existing.children() != null && existing.superBlock() == sb && existing.attr().inode() == e.inode() && !inodes.containsKey(p)) {
						inodes.put(p, e.inode());
						queue.add(p);
					}
					continue;
				}
				if (merged && hidden.contains(p)) continue;
				if (GuestName.escaped(e.name())) {
					// a planted name on disk: escaped text form ('/', NUL, a stray '.' or '..', controls); one finding per path
					Finding f = GuestName.finding(p, "ext4 directory inode " + ino + ", entry naming inode " + e.inode());
					if (f != null && nameFindings.add(f)) findings.add(f);
				}
				Ext4Inode in;
				try (MissingReads.Watch w = MissingReads.watch()) {
					try {
						in = fs.inode(e.inode());
					} catch (IOException ex) {
						findings.add(new Finding(Finding.Severity.WARNING, "merge-disk-dirent", p, ex.getMessage()));
						// a name whose inode is missing from the evidence: not shown, so its directory is incomplete
						if (w.touched()) gaps.add(dir, PathGaps.Part.CHILDREN, w.first());
						continue;
					}
				}
				if (in.mode == 0) continue; // names an unused inode: ext4's listing reports it
				nodes.put(p, merged ? mergedDiskNode(fs, p, in, sb, cleanPages, gaps) : diskNode(fs, p, in, sb, gaps));
				if (in.isDirectory()) {
					inodes.put(p, in.number);
					queue.add(p);
				}
			}
		}
	}

	private ViewTree merged(boolean cleanPages) {
		Map<String, Node> nodes = ViewTree.newMap();
		PathGaps gaps = new PathGaps();
		Map<Long, Map<String, Long>> dirsBySb = new HashMap<>();
		Map<Ext4FileSystem, Map<Long, Ext4Inode>> inodes = new java.util.IdentityHashMap<>();
		for (CachedEntry e : analysis.entries()) {
			if (e.state() != CachedEntry.State.POSITIVE) continue;
			CachedInode ci = e.inode();
			FileRecord r = e.toRecord();
			noteCached(gaps, e);
			DiskMatch d = matchOf(ci.superBlock());
			Ext4Inode disk = null;
			FileContent c = null;
			try (MissingReads.Watch w = MissingReads.watch()) {
				if (d != null) {
					disk = diskInode(d.merged(), ci, inodes);
					if (r.type() == FileType.DIRECTORY) dirsBySb.computeIfAbsent(ci.superBlock(), k -> new LinkedHashMap<>()).put(e.path(), ci.ino());
				}
				if (r.type().isRegular()) {
					CachedFile cf = cachedFile(e);
					noteCachedFile(gaps, e.path(), cf);
					c = new FileContent(r.size(), cf, shmem(ci.superBlock()), d == null ? null : d.merged(), disk != null && disk.isRegular() ? disk : null, cleanPages);
					if (d != null && readsDisk(c)) {
						// the bytes the cache lacks come from the disk, through metadata that may be out of date
						String fsMiss = fsMissed.get(d.merged()), bdevMiss = bdevMissed.get(ci.superBlock());
						if (fsMiss != null) gaps.add(e.path(), PathGaps.Part.FILESYSTEM, fsMiss);
						if (bdevMiss != null) gaps.add(e.path(), PathGaps.Part.CACHE, bdevMiss);
					}
				}
				note(gaps, e.path(), PathGaps.Part.DATA, w);
			}
			nodes.put(e.path(), new Node(e.path(), r, c, r.type() == FileType.DIRECTORY ? new TreeSet<>() : null, Origin.CACHE, ci.superBlock()));
		}
		for (DiskMatch d : matches) {
			if (d.mount() == null) continue;
			long sb = d.mount().superBlock();
			Map<String, Long> dirs = dirsBySb.getOrDefault(sb, new LinkedHashMap<>());
			if (!nodes.containsKey(d.mount().path())) {
				// the mount's root dentry is not cached: the disk's root stands in
				try (MissingReads.Watch w = MissingReads.watch()) {
					try {
						noteFromDisk(gaps, d.mount().path(), sb);
						nodes.put(d.mount().path(), diskNode(d.merged(), d.mount().path(), d.merged().inode(Ext4FileSystem.ROOT_INODE), sb, gaps));
						dirs.put(d.mount().path(), Ext4FileSystem.ROOT_INODE);
					} catch (IOException e) {
						findings.add(new Finding(Finding.Severity.ERROR, "merge-disk-unreadable", d.disk().name(), e.getMessage()));
						continue;
					} finally {
						note(gaps, d.mount().path(), PathGaps.Part.METADATA, w);
					}
				}
			}
			Map<Long, List<DirectoryEntry>> dirsRead = new HashMap<>();
			if (cleanPages && bdevMissed.get(sb) == null && fsMissed.get(d.merged()) == null) checkLevels(d, nodes, dirs, inodes, dirsRead);
			else if (cleanPages) {
				findings.add(new Finding(Finding.Severity.INFO, "merge-levels-unchecked", d.mount().path(),
						"the block level (block-device cache, journal) met bytes missing from the evidence: file and block level are not compared"));
			}
			walkDisk(d.merged(), nodes, new ArrayDeque<>(dirs.keySet()), dirs, sb, true, cleanPages, gaps, dirsRead);
		}
		return new ViewTree(View.MERGED, "/", nodes, gaps);
	}

	/** Whether some byte of the file comes from the disk's side (a block, or a hole its block map says is there). */
	private static boolean readsDisk(FileContent c) {
		for (ByteProvenance b : c.provenance()) {
			if (b.source() != ByteProvenance.Source.CLEAN_PAGE && b.source() != ByteProvenance.Source.DIRTY_PAGE && c.disk() != null) return true;
		}
		return false;
	}

	/**
	 * The merged view as it would be after memory pressure dropped every clean page of the disk-backed files (what
	 * {@code make-evidence.sh --drop-caches 1} does): their bytes then come from the disk through the merge. Equal
	 * content to {@link #tree(View) tree(MERGED)} is the check that the disk side of the merge reads the right blocks.
	 */
	public ViewTree mergedWithoutCleanPages() {
		return merged(false);
	}

	/**
	 * Inode {@code ino} of {@code fs}, read once while the merged view is built: its cached entries and the level check
	 * ask for the same inodes (each read parses and checksums it). {@code read}: those read so far in this build.
	 */
	private static Ext4Inode inodeRead(Ext4FileSystem fs, long ino, Map<Ext4FileSystem, Map<Long, Ext4Inode>> inodes) throws IOException {
		Map<Long, Ext4Inode> read = inodes.computeIfAbsent(fs, k -> new HashMap<>());
		Ext4Inode in = read.get(ino);
		if (in == null) {
			in = fs.inode(ino);
			read.put(ino, in);
		}
		return in;
	}

	/** The disk inode behind a cached one, when it is the same file (same type; not an unused slot). */
	private static Ext4Inode diskInode(Ext4FileSystem fs, CachedInode ci, Map<Ext4FileSystem, Map<Long, Ext4Inode>> inodes) {
		try {
			Ext4Inode in = inodeRead(fs, ci.ino(), inodes);
			if (in.mode == 0 || (in.mode & 0xF000) != (ci.mode() & 0xF000)) return null;
			return in;
		} catch (IOException | RuntimeException e) {
			return null;
		}
	}

	/**
	 * File level (dentries and inodes) against block level (the directory blocks and inode tables of the
	 * block-device cache over the disk): in the cached directories of one file system both must name the same
	 * entries with the same inodes and agree on each inode's type, permissions, owner and link count. Size and
	 * times are left out: ext4 writes i_disksize, not i_size, and lazily updated times may lag.
	 */
	private void checkLevels(DiskMatch d, Map<String, Node> nodes, Map<String, Long> cachedDirs, Map<Ext4FileSystem, Map<Long, Ext4Inode>> inodes,
			Map<Long, List<DirectoryEntry>> dirsRead) {
		Map<String, CachedEntry> positive = new HashMap<>();
		Map<String, List<CachedEntry>> byParent = new HashMap<>();
		for (CachedEntry e : analysis.entries()) {
			if (e.state() == CachedEntry.State.POSITIVE && e.inode().superBlock() == d.mount().superBlock()) {
				positive.put(e.path(), e);
				if (!e.path().equals(d.mount().path())) byParent.computeIfAbsent(GuestPath.parent(e.path()), k -> new ArrayList<>()).add(e);
			}
		}
		for (Map.Entry<String, Long> dir : cachedDirs.entrySet()) {
			Map<String, Long> block = new HashMap<>();
			// bytes missing from the evidence (a cut snapshot or disk) are a gap of the path, noted where it is read, not
			// a disagreement: the block level cannot be read whole, so it is not compared
			MissingReads.Watch w = MissingReads.watch();
			try {
				Ext4Inode di = d.merged().inode(dir.getValue());
				List<DirectoryEntry> entries = d.merged().readDirectory(di);
				if (w.touched()) continue;
				// the merged view's walk of the disk below reads the same directories: read once
				if (di.isDirectory()) dirsRead.put(dir.getValue(), entries);
				for (DirectoryEntry de : entries) {
					if (!de.isDotOrDotDot()) block.put(de.name(), de.inode());
				}
			} catch (IOException e) {
				if (!w.touched()) disagree(dir.getKey(), "cached directory (inode " + dir.getValue() + ") unreadable at block level: " + e.getMessage());
				continue;
			} finally {
				w.close();
			}
			for (Map.Entry<String, Long> b : block.entrySet()) {
				String p = GuestPath.child(dir.getKey(), b.getKey());
				CachedEntry c = positive.get(p);
				if (c == null && hidden.contains(p)) {
					disagree(p, "the directory block names it (inode " + b.getValue() + ") but the dentry cache says it does not exist");
				} else if (c != null && c.inode().ino() != b.getValue()) {
					disagree(p, "dentry names inode " + c.inode().ino() + ", the directory block inode " + b.getValue());
				}
			}
			for (CachedEntry c : byParent.getOrDefault(dir.getKey(), List.of())) {
				String name = c.path().substring(c.path().lastIndexOf('/') + 1);
				if (!block.containsKey(name)) {
					disagree(c.path(), "cached dentry (inode " + c.inode().ino() + ") has no entry in its directory's blocks");
					continue;
				}
				Ext4Inode in;
				try {
					in = inodeRead(d.merged(), c.inode().ino(), inodes);
				} catch (IOException e) {
					continue;
				}
				CachedInode ci = c.inode();
				List<String> diff = new ArrayList<>();
				if (in.mode != ci.mode()) diff.add(String.format("mode %o/%o", ci.mode(), in.mode));
				if (in.uid != ci.uid() || in.gid != ci.gid()) diff.add("owner " + ci.uid() + ":" + ci.gid() + "/" + in.uid + ":" + in.gid);
				if (in.linksCount != ci.nlink()) diff.add("nlink " + ci.nlink() + "/" + in.linksCount);
				if (!diff.isEmpty()) disagree(c.path(), "cached inode and inode table differ (cache/block): " + String.join(", ", diff));
			}
		}
	}

	private void disagree(String path, String message) {
		findings.add(new Finding(Finding.Severity.ANOMALY, "merge-level-disagreement", path, message));
	}

	// ---- the views

	/**
	 * Per evidence file — the memory snapshot, then each disk — what of its declared bytes is missing
	 * ({@link Shortfall}): nothing unless it was opened partial and is cut short.
	 */
	public List<cacheshadow.layers.Shortfall> shortfalls() {
		List<cacheshadow.layers.Shortfall> out = new ArrayList<>();
		out.add(cacheshadow.layers.Shortfall.of(analysis().kernel().physical()));
		for (DiskMatch d : disks()) out.add(cacheshadow.layers.Shortfall.of(d.disk()));
		return out;
	}

	/** One of the three views. */
	public ViewTree tree(View view) {
		return trees.get(view);
	}

	public CacheAnalysis analysis() {
		return analysis;
	}

	public PageCache pageCache() {
		return pages;
	}

	/** The disks given, each with the cached super block it was matched to (mount null when none). */
	public List<DiskMatch> disks() {
		return Collections.unmodifiableList(matches);
	}

	public boolean replayJournal() {
		return replayJournal;
	}

	/** Closes {@code c} with this object (a live refresh's copies of the guest's RAM and disk). */
	public void own(AutoCloseable c) {
		owned.add(c);
	}

	/** Anomalies of the merge (level disagreements, unmatched disks), then the cache analysis's and ext4's. */
	public List<Finding> findings() {
		List<Finding> all = new ArrayList<>(findings);
		all.addAll(gapFindings());
		all.addAll(analysis.findings());
		all.addAll(pages.findings());
		for (DiskMatch d : matches) {
			for (Finding f : d.diskOnly().findings()) if (f.severity() != Finding.Severity.INFO) all.add(f);
			if (d.merged() != null) for (Finding f : d.merged().findings()) if (f.severity() != Finding.Severity.INFO) all.add(f);
		}
		return all;
	}

	/**
	 * One {@code evidence-missing} finding per path whose row, in some view, rests on bytes missing from partial
	 * evidence: what of it does, in which views, and the first such read. Rows are known to rest on missing content
	 * once the views are listed with hashes.
	 */
	public List<Finding> gapFindings() {
		Map<String, Set<String>> parts = new java.util.TreeMap<>(cacheshadow.listing.ManifestFormat.PATH_ORDER);
		Map<String, Set<String>> views = new HashMap<>();
		Map<String, String> first = new HashMap<>();
		for (View v : View.values()) {
			ViewTree t = trees.get(v);
			if (t == null) continue;
			PathGaps g = t.gaps();
			for (String p : g.paths()) {
				Set<String> ps = parts.computeIfAbsent(p, k -> new java.util.LinkedHashSet<>());
				for (PathGaps.Part x : g.parts(p)) ps.add(x.label());
				views.computeIfAbsent(p, k -> new java.util.LinkedHashSet<>()).add(v.label());
				first.putIfAbsent(p, g.first(p));
			}
		}
		List<Finding> out = new ArrayList<>(parts.size());
		for (Map.Entry<String, Set<String>> e : parts.entrySet()) {
			out.add(new Finding(Finding.Severity.WARNING, WalkGaps.FINDING, e.getKey(), "row rests on bytes missing from the evidence: " + String.join(", ", e.getValue())
					+ " (" + String.join(", ", views.get(e.getKey())) + " view; first: " + first.get(e.getKey()) + ")"));
		}
		return out;
	}

	/** Only the merge's own findings (level disagreements, unmatched disks, unreadable sides). */
	public List<Finding> mergeFindings() {
		return Collections.unmodifiableList(findings);
	}

	@Override
	public FileRecord getattr(String path) {
		return tree(View.MERGED).getattr(path);
	}

	@Override
	public List<String> readdir(String path) {
		return tree(View.MERGED).readdir(path);
	}

	@Override
	public int read(String path, long offset, byte[] buf, int off, int len) throws IOException {
		return tree(View.MERGED).read(path, offset, buf, off, len);
	}

	@Override
	public String readlink(String path) {
		return tree(View.MERGED).readlink(path);
	}

	@Override
	public List<ByteProvenance> provenance(String path) {
		return tree(View.MERGED).provenance(path);
	}

	@Override
	public String root() {
		return "/";
	}

	/** All three views. */
	public Map<View, ViewTree> views() {
		return Collections.unmodifiableMap(trees);
	}

	/**
	 * Whether the cached inode {@code ino} and the disk's inode {@code ino} of the super block at {@code superBlock}
	 * can be one file renamed: not when both {@code i_generation}s are known and differ (the file was deleted and
	 * ext4 gave its number to a new one, with a new generation). Read only for the few paths a rename could pair.
	 */
	private boolean sameGeneration(long superBlock, long ino) {
		CachedInode ci = cachedInode(superBlock, ino);
		if (ci == null) return true;
		try {
			var btf = analysis.kernel().btf();
			if (!btf.hasField("inode", "i_generation")) return true;
			long cached = analysis.kernel().virtual().readU32(ci.address() + btf.field("inode", "i_generation").offset());
			for (DiskMatch d : matches) {
				if (d.mount().superBlock() == superBlock) return d.diskOnly().inode(ino).generation == cached;
			}
		} catch (IOException e) {
			// unreadable: the number alone decides, as before
		}
		return true;
	}

	/** A file's creation time (ext4 {@code i_crtime}), seconds and nanoseconds since the epoch. */
	public record Crtime(long seconds, long nanos) {
	}

	/** Offsets of {@code i_crtime.tv_sec} and {@code .tv_nsec} from the {@code vfs_inode} of {@code ext4_inode_info}; null without BTF for it. */
	private long[] cachedCrtime;
	private boolean cachedCrtimeLooked;

	/**
	 * The creation time of {@code path} in {@code view} (ext4's {@code i_crtime}; it never changes after the inode is
	 * made), or null where no source holds it: a path the view took from the caches reads its cached inode's
	 * {@code ext4_inode_info.i_crtime} (BTF of the ext4 module, or of the kernel when built in) when its file system
	 * is ext4, else, like a path from the disk, the disk's inode when it is large enough to hold the field. Read on
	 * demand (exports), not while the views are built.
	 */
	public Crtime crtime(View view, String path) {
		ViewTree t = tree(view);
		ViewTree.Node n = t == null ? null : t.node(path);
		if (n == null) return null;
		long ino = n.attr().inode();
		boolean ext4 = false;
		for (Mount mt : analysis.mounts()) {
			if (mt.superBlock() == n.superBlock()) {
				ext4 = "ext4".equals(mt.fsType());
				break;
			}
		}
		if (ext4 && n.origin() == ViewTree.Origin.CACHE) {
			CachedInode ci = cachedInode(n.superBlock(), ino);
			long[] off = cachedCrtimeOffsets();
			if (ci != null && off != null) {
				try {
					var vm = analysis.kernel().virtual();
					long sec = vm.readU64(ci.address() + off[0]), nsec = vm.readU64(ci.address() + off[1]);
					// guest bytes: a time no timestamp can hold is no crtime
					if (nsec >= 0 && nsec < 1_000_000_000 && Math.abs(sec) < 1L << 40) return new Crtime(sec, nsec);
					return null;
				} catch (IOException | RuntimeException e) {
					// unreadable in this snapshot: the disk's inode may still say
				}
			}
		}
		for (DiskMatch d : matches) {
			if (d.mount().superBlock() != n.superBlock()) continue;
			try {
				cacheshadow.ext4.Ext4Inode in = d.diskOnly().inode(ino);
				// only the same file: a number the disk gave to another file since is not this one's
				CachedInode ci = n.origin() == ViewTree.Origin.CACHE ? cachedInode(n.superBlock(), ino) : null;
				if (ci != null && (in.mode & 0xF000) != (ci.mode() & 0xF000)) return null;
				if (in.extraIsize >= 0x98 - 0x80) return new Crtime(in.crtime, in.crtimeNanos);
			} catch (IOException | RuntimeException e) {
				// not readable on this disk
			}
			return null;
		}
		return null;
	}

	private synchronized long[] cachedCrtimeOffsets() {
		if (!cachedCrtimeLooked) {
			cachedCrtimeLooked = true;
			var k = analysis.kernel();
			for (cacheshadow.kernel.Btf b : new cacheshadow.kernel.Btf[] { k.moduleBtf("ext4"), k.btf() }) {
				if (b == null) continue;
				var vfs = b.fieldOrNull("ext4_inode_info", "vfs_inode");
				var sec = b.fieldOrNull("ext4_inode_info", "i_crtime.tv_sec");
				var nsec = b.fieldOrNull("ext4_inode_info", "i_crtime.tv_nsec");
				if (vfs != null && sec != null && nsec != null) {
					cachedCrtime = new long[] { sec.offset() - vfs.offset(), nsec.offset() - vfs.offset() };
					break;
				}
			}
		}
		return cachedCrtime;
	}

	/** The guest's cached inode {@code ino} of the super block at {@code superBlock}, or null. */
	CachedInode cachedInode(long superBlock, long ino) {
		return cachedInodes.get(superBlock + ":" + ino);
	}

	/** Each dirty page of the cached file at {@code path} against the disk block that holds its range today. */
	public FileHexDiff hexDiff(String path) throws IOException {
		return FileHexDiff.of(this, path);
	}

	// ---- status

	/**
	 * A status for every path of the merged and the disk-only view, sorted by path. Hashes both sides of every
	 * regular file on first use.
	 */
	public synchronized List<PathStatus> statuses() throws IOException {
		if (statuses != null) return statuses;
		ViewTree m = tree(View.MERGED), d = tree(View.DISK_ONLY);
		List<FileRecord> ml = m.listing(true), dl = d.listing(true);
		Map<String, FileRecord> mr = byPath(ml), dr = byPath(dl);
		// inode → path of the paths only one side has, per super block, to name renames
		Map<String, String> onlyMerged = new HashMap<>(), onlyDisk = new HashMap<>();
		for (FileRecord r : mr.values()) if (!dr.containsKey(r.path())) onlyMerged.put(m.node(r.path()).superBlock() + ":" + r.inode(), r.path());
		for (FileRecord r : dr.values()) if (!mr.containsKey(r.path())) onlyDisk.put(d.node(r.path()).superBlock() + ":" + r.inode(), r.path());
		// both listings are in PATH_ORDER: every path of either, in that order, in one pass (a sorted set of them cost
		// most of a live refresh's statuses, encoding two paths at each of its comparisons)
		List<PathStatus> out = new ArrayList<>(Math.max(ml.size(), dl.size()));
		for (int i = 0, j = 0; i < ml.size() || j < dl.size();) {
			FileRecord x = i < ml.size() ? ml.get(i) : null, y = j < dl.size() ? dl.get(j) : null;
			int c = x == null ? 1 : y == null ? -1 : x.path().equals(y.path()) ? 0 : cacheshadow.listing.ManifestFormat.PATH_ORDER.compare(x.path(), y.path());
			if (c <= 0) i++;
			if (c >= 0) j++;
			// two names of the same bytes (not valid UTF-16) are one path of the order, the merged view's, as in a sorted set
			FileRecord a = c <= 0 ? x : null, b = c > 0 || (c == 0 && x.path().equals(y.path())) ? y : null;
			String p = a != null ? a.path() : b.path();
			if (b == null) {
				long sb = m.node(p).superBlock();
				String from = onlyDisk.get(sb + ":" + a.inode());
				out.add(new PathStatus(p, PathStatus.Kind.CACHE_ONLY, List.of(), from != null && sameGeneration(sb, a.inode()) ? from : null));
			} else if (a == null) {
				long sb = d.node(p).superBlock();
				String to = onlyMerged.get(sb + ":" + b.inode());
				out.add(new PathStatus(p, PathStatus.Kind.DELETED, List.of(), to != null && sameGeneration(sb, b.inode()) ? to : null));
			} else {
				List<String> diff = differences(a, b);
				// a side whose bytes are missing from evidence cut short has no hash: unknown, not different (its
				// Missing column says 'data')
				if (diff.contains("data") && (m.gaps().parts(p).contains(PathGaps.Part.DATA) || d.gaps().parts(p).contains(PathGaps.Part.DATA))) {
					diff = new ArrayList<>(diff);
					diff.remove("data");
				}
				PathStatus.Kind k = !diff.isEmpty() ? PathStatus.Kind.DIFFERS : m.fromCache(p) ? PathStatus.Kind.SAME : PathStatus.Kind.DISK_ONLY;
				out.add(new PathStatus(p, k, diff, null));
			}
		}
		statuses = Collections.unmodifiableList(out);
		statusByPath = new HashMap<>();
		for (PathStatus st : out) statusByPath.put(st.path(), st);
		return statuses;
	}

	/** The status of one path, or null when neither the merged nor the disk-only view has it. */
	public PathStatus status(String path) throws IOException {
		statuses();
		synchronized (this) {
			return statusByPath.get(ViewTree.normalize(path));
		}
	}

	/** Names of the manifest columns in which two records of one path differ (merged first, disk second). */
	public static List<String> differences(FileRecord a, FileRecord b) {
		List<String> d = new ArrayList<>();
		if (a.type() != b.type()) d.add("type");
		if (!Objects.equals(a.sha256(), b.sha256())) d.add("data");
		if (a.size() != b.size()) d.add("size");
		if (a.permissions() != b.permissions()) d.add("mode");
		if (a.uid() != b.uid() || a.gid() != b.gid()) d.add("owner");
		if (a.nlink() != b.nlink()) d.add("nlink");
		if (a.inode() != b.inode()) d.add("inode");
		if (a.atime() != b.atime() || a.mtime() != b.mtime() || a.ctime() != b.ctime() || a.mtimeNanos() != b.mtimeNanos()) d.add("times");
		if (!Objects.equals(a.symlinkTarget(), b.symlinkTarget())) d.add("target");
		return d;
	}

	private static Map<String, FileRecord> byPath(List<FileRecord> rs) {
		Map<String, FileRecord> m = new HashMap<>();
		for (FileRecord r : rs) m.put(r.path(), r);
		return m;
	}

	@Override
	public void close() throws IOException {
		IOException first = null;
		for (AutoCloseable c : owned) {
			try {
				c.close();
			} catch (Exception e) {
				if (first == null) first = e instanceof IOException io ? io : new IOException(e);
			}
		}
		owned.clear();
		if (first != null) throw first;
	}
}
