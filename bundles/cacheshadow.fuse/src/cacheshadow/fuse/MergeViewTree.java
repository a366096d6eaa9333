package cacheshadow.fuse;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import cacheshadow.caches.Mount;
import cacheshadow.listing.FileRecord;
import cacheshadow.merge.ByteProvenance;
import cacheshadow.merge.FileContent;
import cacheshadow.merge.FileTree;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.PathStatus;
import cacheshadow.merge.View;
import cacheshadow.merge.ViewTree;

/**
 * One view of the merge model ({@link FileTree}: merged, cache-only or disk-only) as the mount serves it: the
 * mount's {@code /} is the tree's {@link FileTree#root()} ({@code /} for the guest's namespace, {@code /mnt/disk}
 * for a disk alone), so {@code MOUNTPOINT/x} is the tree's {@code root/x}.
 * <p>
 * A FUSE mount is one st_dev, but the guest's namespace holds several file systems whose inode numbers collide
 * (rootfs, tmpfs, proc and sysfs roots are all inode 1), and tools take equal (st_dev, st_ino) for the same file:
 * find reports loops and skips subtrees, tar and du see hard links. So st_ino is the evidence's inode number for
 * the file system matched to the disk, and for every other guest file system the inode number plus
 * {@code k << 32} ({@code k} = 1, 2, ... per super block, in mount-path order): the low 32 bits stay the guest's.
 */
public final class MergeViewTree implements MountedTree {
	private final FileTree tree;
	private final String root;
	private final TreeMap<String, Integer> mountTags = new TreeMap<>(); // guest mount path → k (0: inode numbers as they are)
	private MergedFileSystem merged; // for the status attribute and statfs; null for a bare tree

	/** The tree with its inode numbers as they are (one file system, e.g. the disk-only view). */
	public MergeViewTree(FileTree tree) {
		this.tree = tree;
		String r = tree.root();
		this.root = r == null || r.equals("/") ? "" : r;
	}

	/** One view of a merge, with inode numbers made unique across the guest's file systems (see above). */
	public static MergeViewTree of(MergedFileSystem merged, View view) {
		MergeViewTree t = new MergeViewTree(merged.tree(view));
		t.merged = merged;
		long primary = 0;
		for (MergedFileSystem.DiskMatch d : merged.disks()) if (d.mount() != null && primary == 0) primary = d.mount().superBlock();
		Map<Long, Integer> tagOf = new HashMap<>();
		tagOf.put(primary, 0);
		TreeMap<String, Long> byPath = new TreeMap<>();
		for (Mount m : merged.analysis().mounts()) byPath.put(m.path(), m.superBlock());
		for (Map.Entry<String, Long> e : byPath.entrySet()) {
			Integer k = tagOf.get(e.getValue());
			if (k == null) tagOf.put(e.getValue(), k = tagOf.size());
			t.mountTags.put(e.getKey(), k);
		}
		return t;
	}

	/** statfs: the matched disk's ext4 (block size, blocks, inodes), as df shows a mounted disk. */
	@Override
	public long[] capacity() {
		if (merged != null) {
			for (MergedFileSystem.DiskMatch d : merged.disks()) {
				var fs = d.diskOnly();
				return new long[] { fs.blockSize(), fs.blocksCount(), fs.superblock().inodesCount };
			}
		}
		return MountedTree.super.capacity();
	}

	/** The k of the file system holding {@code guestPath} (its longest mount-path prefix); 0 when none is known. */
	int fileSystemTag(String guestPath) {
		String p = guestPath.isEmpty() ? "/" : guestPath;
		while (true) {
			Integer k = mountTags.get(p);
			if (k != null) return k;
			if (p.equals("/")) return 0;
			int slash = p.lastIndexOf('/');
			p = slash <= 0 ? "/" : p.substring(0, slash);
		}
	}

	public FileTree tree() {
		return tree;
	}

	private String inTree(String path) {
		return root.isEmpty() ? path : path.equals("/") ? root : root + path;
	}

	@Override
	public FileRecord getattr(String path) throws IOException {
		String p = inTree(path);
		FileRecord r = tree.getattr(p);
		if (r == null || mountTags.isEmpty()) return r;
		int k = fileSystemTag(p);
		if (k == 0) return r;
		return new FileRecord(r.path(), r.type(), r.mode(), r.uid(), r.gid(), r.size(), r.nlink(), r.inode() + ((long) k << 32), r.atime(),
				r.mtime(), r.ctime(), r.mtimeNanos(), r.sha256(), r.symlinkTarget());
	}

	@Override
	public List<String> readdir(String path) throws IOException {
		return tree.readdir(inTree(path));
	}

	@Override
	public int read(String path, long offset, byte[] buf, int off, int len) throws IOException {
		return tree.read(inTree(path), offset, buf, off, len);
	}

	/** Binds the file's content once, so a read request is no path lookup. */
	@Override
	public OpenFile open(String path) throws IOException {
		if (!(tree instanceof ViewTree v)) return MountedTree.super.open(path);
		FileContent c = v.content(inTree(path));
		return c::read;
	}

	@Override
	public String readlink(String path) throws IOException {
		return tree.readlink(inTree(path));
	}

	/**
	 * {@code user.cacheshadow.path} (the guest path), {@code .inode} (the guest's inode number), {@code .provenance}
	 * of regular files (one line per byte range: offset+length source [disk block]), {@code .status} in a merge
	 * (same, differs:..., cache-only, disk-only, deleted).
	 */
	@Override
	public List<String> attributeNames(String path) throws IOException {
		FileRecord r = tree.getattr(inTree(path));
		if (r == null) return List.of();
		List<String> names = new java.util.ArrayList<>(List.of("path", "inode"));
		if (r.type().isRegular()) names.add("provenance");
		if (merged != null) names.add("status");
		return names;
	}

	@Override
	public String attribute(String path, String name) throws IOException {
		String p = inTree(path);
		FileRecord r = tree.getattr(p);
		if (r == null) return null;
		switch (name) {
		case "path":
			return p.isEmpty() ? "/" : p;
		case "inode":
			return Long.toString(r.inode());
		case "provenance":
			if (!r.type().isRegular()) return null;
			StringBuilder b = new StringBuilder();
			for (ByteProvenance bp : tree.provenance(p)) b.append(bp).append('\n');
			return b.toString();
		case "status":
			if (merged == null) return null;
			PathStatus st = merged.status(p.isEmpty() ? "/" : p);
			return st == null ? null : st.column();
		default:
			return null;
		}
	}
}
