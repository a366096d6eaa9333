package cacheshadow.fuse;

import java.io.IOException;
import java.util.List;

import cacheshadow.listing.FileRecord;
import cacheshadow.merge.FileTree;

/**
 * One view of the merge model ({@link FileTree}: merged, cache-only or disk-only) as the mount serves it: the
 * mount's {@code /} is the tree's {@link FileTree#root()} ({@code /} for the guest's namespace, {@code /mnt/disk}
 * for a disk alone), so {@code MOUNTPOINT/x} is the tree's {@code root/x}.
 */
public final class MergeViewTree implements MountedTree {
	private final FileTree tree;
	private final String root;

	public MergeViewTree(FileTree tree) {
		this.tree = tree;
		String r = tree.root();
		this.root = r == null || r.equals("/") ? "" : r;
	}

	public FileTree tree() {
		return tree;
	}

	private String inTree(String path) {
		return root.isEmpty() ? path : path.equals("/") ? root : root + path;
	}

	@Override
	public FileRecord getattr(String path) throws IOException {
		return tree.getattr(inTree(path));
	}

	@Override
	public List<String> readdir(String path) throws IOException {
		return tree.readdir(inTree(path));
	}

	@Override
	public int read(String path, long offset, byte[] buf, int off, int len) throws IOException {
		return tree.read(inTree(path), offset, buf, off, len);
	}

	@Override
	public String readlink(String path) throws IOException {
		return tree.readlink(inTree(path));
	}
}
