package cacheshadow.merge;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import cacheshadow.caches.CachedEntry;
import cacheshadow.caches.CachedInode;
import cacheshadow.ext4.BlockMap;
import cacheshadow.ext4.BlockRun;
import cacheshadow.ext4.Ext4File;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.ext4.Ext4Inode;
import cacheshadow.journal.FileChanges;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.ManifestFormat;

/**
 * Everything the workbench's Properties view shows of one path, computed here so the UI only lays it out: the path's
 * metadata on two sides (the guest's caches and its disk, or the disk at an instant and at the end of the journal) in
 * every manifest column with the columns that differ named ({@link FileChanges#differingColumns}, the same names
 * {@code changes} and the status column use), where its bytes come from ({@link ByteProvenance} runs and their sums),
 * and where it lives: the cached {@code struct inode} and dentry in the memory snapshot, the disk inode, its block
 * runs, and at an instant the journal entries that last wrote its blocks ({@link InstantTree#lastWriters}).
 *
 * <p>Everything a guest controls (names, link targets) is carried as data, never interpreted.
 *
 * @param path       the guest path
 * @param sideA      what {@code a} is ({@code cache}, or {@code at A} for an instant)
 * @param sideB      what {@code b} is ({@code disk}, or {@code at end})
 * @param a          the path's metadata on side A (with {@code sha256} for a cached regular file whose every byte
 *                   has a source), or null when side A does not have it
 * @param b          the same on side B
 * @param differing  manifest columns in which {@code a} and {@code b} differ, in manifest order; empty when either is
 *                   missing
 * @param status     the path's status as the tree's status column shows it ({@link PathStatus#manifestColumn()},
 *                   {@link LaterStatus#column()}), or empty
 * @param provenance where each byte range of the file comes from (the view's, or at the instant); empty for a path
 *                   that is not a regular file there
 * @param location   where the inode and its data lie
 */
public record PathProperties(String path, String sideA, String sideB, FileRecord a, FileRecord b, List<String> differing, String status,
		List<ByteProvenance> provenance, Location location) {

	/** The manifest columns shown for each side, in manifest order ({@code path} left out: it is the key). */
	public static final List<String> COLUMNS = ManifestFormat.COLUMNS.subList(1, ManifestFormat.COLUMNS.size());

	/**
	 * Where the path lives.
	 *
	 * @param inodeAddress    the cached {@code struct inode} (kernel virtual address), or -1 when not cached
	 * @param inodePhysical   its physical address in the memory snapshot, or -1 when unknown or unmapped
	 * @param dentryAddress   the {@code struct dentry} naming the path (a negative one for a deleted path), or -1
	 * @param dentryState     {@code positive}, {@code negative} or {@code unhashed}, or null without a dentry
	 * @param mappingAddress  the inode's {@code struct address_space} (its page cache), or -1
	 * @param diskSide        which side the disk fields describe ({@code disk}, {@code disk (through the caches)},
	 *                        {@code at A}, {@code at end}), or null when no disk has the inode
	 * @param diskInode       the ext4 inode number on that side, or -1
	 * @param diskInodeOffset byte offset of the inode's record in the file system's layer, or -1 when unknown
	 * @param inline          whether the data lives inside the inode (inline data or a fast symlink): no block runs
	 * @param blockRuns       the inode's file → disk block runs (extents or block map), in file order
	 * @param blockSize       the file system's block size (bytes), or 0 without a disk side
	 * @param lastWriters     at an instant: which journal entry last wrote each run of the file (entry -1: the base
	 *                        image); empty otherwise
	 */
	public record Location(long inodeAddress, long inodePhysical, long dentryAddress, String dentryState, long mappingAddress, String diskSide,
			long diskInode, long diskInodeOffset, boolean inline, List<Extent> blockRuns, int blockSize, List<InstantTree.LastWriter> lastWriters) {
		public Location {
			blockRuns = List.copyOf(blockRuns);
			lastWriters = List.copyOf(lastWriters);
		}
	}

	/**
	 * A run of a file's blocks on the disk ({@link BlockRun} of ext4, so callers need not read ext4 themselves).
	 *
	 * @param fileBlock first block of the file (logical)
	 * @param diskBlock its block on the disk (physical)
	 * @param blocks    number of consecutive blocks
	 * @param unwritten an unwritten (preallocated) extent: reads as zeros
	 */
	public record Extent(long fileBlock, long diskBlock, long blocks, boolean unwritten) {
		static List<Extent> of(List<BlockRun> runs) {
			List<Extent> out = new ArrayList<>(runs.size());
			for (BlockRun r : runs) out.add(new Extent(r.logical(), r.physical(), r.length(), r.unwritten()));
			return out;
		}

		/** Whether file block {@code b} lies in this run. */
		public boolean contains(long b) {
			return b >= fileBlock && b < fileBlock + blocks;
		}
	}

	/** One manifest column on both sides ({@code null} where a side lacks the path) and whether they differ. */
	public record Field(String column, String a, String b, boolean differs) {
	}

	public PathProperties {
		differing = List.copyOf(differing);
		provenance = List.copyOf(provenance);
	}

	/** The path in the analysis' merged view: the guest's caches against its disk. */
	public static PathProperties of(MergedFileSystem m, String path) throws IOException {
		return of(m, View.MERGED, path);
	}

	/**
	 * The path as the analysis sees it: the caches' metadata (the merged view's where it came from the caches) against
	 * the disk-only view's, provenance as {@code view} assembles the file (the disk-only view's when {@code view} lacks
	 * the path, as for a deleted one).
	 */
	public static PathProperties of(MergedFileSystem m, View view, String path) throws IOException {
		String p = ViewTree.normalize(path);
		ViewTree merged = m.tree(View.MERGED), disk = m.tree(View.DISK_ONLY);
		FileRecord a = merged.fromCache(p) ? hashed(merged, p) : null;
		if (a == null && view == View.CACHE_ONLY) a = hashed(m.tree(View.CACHE_ONLY), p);
		FileRecord b = hashed(disk, p);
		PathStatus s = m.status(p);
		ViewTree shown = m.tree(view).exists(p) ? m.tree(view) : disk;
		return new PathProperties(p, "cache", "disk", a, b, a == null || b == null ? List.of() : FileChanges.differingColumns(a, b),
				s == null ? "" : s.manifestColumn(), shown.provenance(p), location(m, p));
	}

	/**
	 * The path at the comparison's instant against its reference (the end of the journal): metadata at both (no
	 * hashes: contents are compared by {@link InstantComparison#changedRanges}), provenance at the instant, the disk
	 * inode and its blocks at the instant (at the reference for a path created later) and the entries that last wrote
	 * them.
	 */
	public static PathProperties of(InstantComparison c, String path) throws IOException {
		String p = c.at().canonical(path);
		if (p == null) p = path;
		FileRecord a = c.at().getattr(p), b = c.reference().getattr(p);
		LaterStatus s = c.status(p);
		InstantTree where = a != null ? c.at() : c.reference();
		FileRecord r = a != null ? a : b;
		Location loc;
		if (r == null) loc = new Location(-1, -1, -1, null, -1, null, -1, -1, false, List.of(), 0, List.of());
		else {
			Ext4FileSystem fs = where.fileSystem();
			Ext4Inode in = fs.inode(r.inode());
			BlockMap map = fs.blockMap(in);
			loc = new Location(-1, -1, -1, null, -1, a != null ? "at A" : "at end", in.number, fs.inodeOffset(in.number), inline(in), Extent.of(map.runs()),
					fs.blockSize(), where.lastWriters(p));
		}
		return new PathProperties(p, "at A", "at end", a, b, a == null || b == null ? List.of() : FileChanges.differingColumns(a, b),
				s == null ? "" : s.column(), c.at().provenance(p), loc);
	}

	private static FileRecord hashed(ViewTree t, String p) throws IOException {
		ViewTree.Node n = t.node(p);
		if (n == null) return null;
		return n.content() != null && n.attr().type().isRegular() ? n.attr().withSha256(n.content().sha256()) : n.attr();
	}

	private static boolean inline(Ext4Inode in) {
		return in.hasInlineData() || in.isFastSymlink();
	}

	private static Location location(MergedFileSystem m, String p) throws IOException {
		// the dentry naming the path (a positive one first) and its inode; else the inode the merge found by number
		CachedEntry entry = null;
		for (CachedEntry e : m.analysis().entries()) {
			if (!e.path().equals(p)) continue;
			if (entry == null || e.state() == CachedEntry.State.POSITIVE && entry.state() != CachedEntry.State.POSITIVE) entry = e;
		}
		CachedInode ci = entry == null ? null : entry.inode();
		ViewTree merged = m.tree(View.MERGED);
		ViewTree.Node mn = merged.node(p);
		if (ci == null && mn != null && mn.origin() == ViewTree.Origin.CACHE) ci = m.cachedInode(mn.superBlock(), mn.attr().inode());
		long phys = -1;
		if (ci != null) {
			try {
				phys = m.analysis().kernel().toPhysical(ci.address());
			} catch (IOException | RuntimeException e) {
				phys = -1; // the page tables do not map it: shown as unknown
			}
		}
		// the disk inode: the disk-only view's; else, for a name only the caches give, the inode of that number the
		// merged view reads through the caches (a renamed or re-linked file)
		String side = null;
		long ino = -1, offset = -1;
		boolean inline = false;
		List<Extent> runs = List.of();
		int bs = 0;
		ViewTree.Node dn = m.tree(View.DISK_ONLY).node(p);
		MergedFileSystem.DiskMatch match = dn == null ? null : match(m, dn.superBlock());
		if (match != null) {
			Ext4FileSystem fs = match.diskOnly();
			Ext4Inode in = fs.inode(dn.attr().inode());
			side = "disk";
			ino = in.number;
			offset = fs.inodeOffset(in.number);
			inline = inline(in);
			runs = Extent.of(fs.blockMap(in).runs());
			bs = fs.blockSize();
		} else if (mn != null && mn.content() != null && mn.content().disk() != null) {
			Ext4File f = mn.content().disk();
			MergedFileSystem.DiskMatch mm = match(m, mn.superBlock());
			side = "disk (through the caches)";
			ino = f.inode().number;
			if (mm != null && mm.merged() != null) {
				offset = mm.merged().inodeOffset(ino);
				bs = mm.merged().blockSize();
			}
			inline = inline(f.inode());
			runs = Extent.of(f.blockMap().runs());
		}
		return new Location(ci == null ? -1 : ci.address(), phys, entry == null ? -1 : entry.dentry(),
				entry == null ? null : entry.state().name().toLowerCase(java.util.Locale.ROOT), ci == null || ci.mapping() == 0 ? -1 : ci.mapping(), side,
				ino, offset, inline, runs, bs, List.of());
	}

	private static MergedFileSystem.DiskMatch match(MergedFileSystem m, long superBlock) {
		for (MergedFileSystem.DiskMatch d : m.disks()) {
			if ((d.mount() == null ? 0 : d.mount().superBlock()) == superBlock) return d;
		}
		return null;
	}

	// ---- derived

	/** Every manifest column on both sides, as the manifest spells the values. */
	public List<Field> fields() {
		String[] x = values(a), y = values(b);
		List<Field> out = new ArrayList<>(COLUMNS.size());
		for (int i = 0; i < COLUMNS.size(); i++) {
			String c = COLUMNS.get(i);
			out.add(new Field(c, x == null ? null : x[i], y == null ? null : y[i], differing.contains(c)));
		}
		return out;
	}

	/** The record's columns after the path, exactly as {@link ManifestFormat#line} writes them. */
	private static String[] values(FileRecord r) {
		if (r == null) return null;
		String line = ManifestFormat.line(r, List.of());
		// the path (first) and the link target (last) are the guest's: split only between them
		String rest = line.substring(r.path().length() + 1);
		return rest.split("\t", COLUMNS.size());
	}

	/** Bytes per source (every source that supplies any), in the order of {@link ByteProvenance.Source}. */
	public Map<ByteProvenance.Source, Long> bytesBySource() {
		Map<ByteProvenance.Source, Long> m = new EnumMap<>(ByteProvenance.Source.class);
		for (ByteProvenance b : provenance) m.merge(b.source(), b.length(), Long::sum);
		return Collections.unmodifiableMap(m);
	}

	/** Bytes from one source (0 when none). */
	public long bytes(ByteProvenance.Source s) {
		return bytesBySource().getOrDefault(s, 0L);
	}
}
