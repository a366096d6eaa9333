package cacheshadow.merge;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;

import cacheshadow.caches.CachedInode;
import cacheshadow.ext4.BlockMap;
import cacheshadow.ext4.BlockRun;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.ext4.Ext4Inode;
import cacheshadow.layers.Layer;
import cacheshadow.layers.MissingBytesException;
import cacheshadow.pagecache.CachedFile;
import cacheshadow.pagecache.CachedPage;
import cacheshadow.pagecache.Provenance;

/**
 * The hex diff of one file: each dirty page of its page cache against the block the disk holds for that range
 * today (the disk-only view's file system: the image, journal replayed unless asked not to). The disk inode is the
 * cached inode's number on the disk, so renamed files diff against their own old blocks.
 *
 * @param path        the guest path
 * @param inode       the inode number
 * @param cachedSize  the cached inode's size
 * @param diskSize    the disk inode's size, or -1 when the disk has no such inode (a new file)
 * @param dirtyPages  how many pages of the page cache are dirty (or under writeback)
 * @param pages       one diff per dirty page, by index
 * @param missingPages indices of dirty pages whose bytes (or whose disk block) are missing from partial evidence:
 *                     not compared
 */
public record FileHexDiff(String path, long inode, long cachedSize, long diskSize, int dirtyPages, List<DirtyPageDiff> pages, List<Long> missingPages) {
	static final int PAGE = CachedFile.PAGE;

	/** The diff of the cached file at {@code path} against the first disk matched to its super block. */
	public static FileHexDiff of(MergedFileSystem m, String path) throws IOException {
		String p = ViewTree.normalize(path);
		// through the merged view: a dirty inode may have lost its dentry (memory pressure) and still be named
		// by its directory's block in the block-device cache
		ViewTree.Node node = m.tree(View.MERGED).node(p);
		if (node == null) throw new NoSuchFileException(p, null, "no such path in the merged view");
		if (!node.attr().type().isRegular()) throw new NoSuchFileException(p, null, "not a regular file");
		CachedInode ci = m.cachedInode(node.superBlock(), node.attr().inode());
		if (ci == null) return new FileHexDiff(p, node.attr().inode(), node.attr().size(), node.attr().size(), 0, List.of(), List.of()); // not cached: nothing dirty
		CachedFile cached = m.pageCache().file(ci);
		Ext4FileSystem fs = null;
		for (MergedFileSystem.DiskMatch d : m.disks()) {
			if (d.mount() != null && d.mount().superBlock() == ci.superBlock()) fs = d.diskOnly();
		}
		Ext4Inode disk = null;
		if (fs != null) {
			try {
				Ext4Inode in = fs.inode(ci.ino());
				if (in.isRegular() && in.linksCount > 0 && in.dtime == 0) disk = in;
			} catch (IOException e) {
				// no such inode on the disk: everything is unallocated there
			}
		}
		BlockMap map = disk == null || disk.hasInlineData() ? BlockMap.EMPTY : fs.blockMap(disk);
		long size = ci.size();
		List<DirtyPageDiff> out = new ArrayList<>();
		List<Long> missing = new ArrayList<>();
		int dirty = 0;
		for (CachedPage page : cached.pages()) {
			if (page.provenance() != Provenance.DIRTY && page.provenance() != Provenance.WRITEBACK) continue;
			dirty++;
			if (!page.isWhole()) continue; // partially valid: no page to compare
			byte[] mem = new byte[PAGE];
			try {
				cached.physicalLayer().read(page.physical(), mem, 0, PAGE);
				out.add(pageDiff(page.index(), mem, size, fs, map, disk));
			} catch (MissingBytesException e) {
				missing.add(page.index());
			}
		}
		return new FileHexDiff(p, ci.ino(), size, disk == null ? -1 : disk.size, dirty, out, List.copyOf(missing));
	}

	private static DirtyPageDiff pageDiff(long index, byte[] mem, long size, Ext4FileSystem fs, BlockMap map, Ext4Inode disk) throws IOException {
		long off = index * PAGE;
		int valid = (int) Math.max(0, Math.min(PAGE, size - off));
		long diskSize = disk == null ? -1 : disk.size;
		if (fs == null) return new DirtyPageDiff(index, off, valid, -1, false, diskSize, List.of(new DirtyPageDiff.ByteRun(off, null, mem)));
		int bs = fs.blockSize();
		byte[] onDisk = new byte[PAGE];
		boolean allocated = true;
		long first = -1;
		Layer layer = fs.layer();
		for (int at = 0; at < PAGE; at += Math.min(bs, PAGE)) {
			long lb = (off + at) / bs;
			int in = (int) ((off + at) % bs);
			int k = Math.min(PAGE - at, bs - in);
			BlockRun r = map.runAt(lb);
			if (r == null || r.unwritten()) {
				allocated = false;
				continue;
			}
			long phys = r.physical() + lb - r.logical();
			if (first < 0) first = phys;
			layer.read(phys * bs + in, onDisk, at, k);
		}
		if (!allocated) return new DirtyPageDiff(index, off, valid, first, false, diskSize, List.of(new DirtyPageDiff.ByteRun(off, null, mem)));
		List<DirtyPageDiff.ByteRun> runs = new ArrayList<>();
		int i = 0;
		while (i < PAGE) {
			if (mem[i] == onDisk[i]) {
				i++;
				continue;
			}
			int j = i;
			while (j < PAGE && mem[j] != onDisk[j]) j++;
			runs.add(new DirtyPageDiff.ByteRun(off + i, java.util.Arrays.copyOfRange(onDisk, i, j), java.util.Arrays.copyOfRange(mem, i, j)));
			i = j;
		}
		return new DirtyPageDiff(index, off, valid, first, true, diskSize, runs);
	}
}
