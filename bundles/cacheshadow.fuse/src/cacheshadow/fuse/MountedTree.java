package cacheshadow.fuse;

import java.io.IOException;
import java.util.List;

import cacheshadow.listing.FileRecord;

/**
 * The read-only tree a {@link FuseMount} serves. Paths are absolute inside the tree ({@code "/"} is its root,
 * {@code "/a/b"} below it). The same four questions as the merge model's {@code FileTree}, plus {@link #open} so
 * a source can bind a path to its file once per open instead of once per read.
 */
public interface MountedTree {
	/** The path's metadata (its {@code inode} becomes st_ino, {@code mode} the full st_mode), or null if absent. */
	FileRecord getattr(String path) throws IOException;

	/** Names in the directory ("." and ".." left out), or null if the path is not a directory. */
	List<String> readdir(String path) throws IOException;

	/** Up to {@code len} bytes at {@code offset} into {@code buf}; the count, 0 at or past the end. */
	int read(String path, long offset, byte[] buf, int off, int len) throws IOException;

	/** The symlink's target, or null if the path is not a symlink. */
	String readlink(String path) throws IOException;

	/** Total and used size for statfs: {block size, blocks, files}; unknown parts 0. */
	default long[] capacity() {
		return new long[] { 4096, 0, 0 };
	}

	/**
	 * Names of the extended attributes the mount shows for the path (without the {@code user.cacheshadow.}
	 * prefix); cheap, values are computed only by {@link #attribute}.
	 */
	default List<String> attributeNames(String path) throws IOException {
		return List.of();
	}

	/** The value of one attribute named by {@link #attributeNames}, or null. */
	default String attribute(String path, String name) throws IOException {
		return null;
	}

	/** A reader bound to the file at {@code path}; the default reads through {@link #read} by path. */
	default OpenFile open(String path) throws IOException {
		return (offset, buf, off, len) -> read(path, offset, buf, off, len);
	}

	/**
	 * Whether the tree may change while mounted ({@link LiveMountTree}): then the kernel keeps no names, attributes
	 * or file pages, so every request sees the tree as it stands.
	 */
	default boolean refreshes() {
		return false;
	}

	/**
	 * The tree for one request that asks it several questions (a listing and its entries' types, a type check and
	 * the open), all answered from one state of the tree; closed when the request is answered. A tree that never
	 * changes is its own snapshot.
	 */
	default Snapshot snapshot() {
		return new Snapshot(this, null);
	}

	/** A directory was opened (opendir), before it is listed; only called when the tree {@link #refreshes()}. */
	default void directoryOpened(String path) {
	}

	/** Runs {@code action} after each refresh of a tree that {@link #refreshes()} (the mount drops what the kernel keeps). */
	default void whenRefreshed(Runnable action) {
	}

	/** The tree as one request sees it; {@link #close} lets it go. */
	record Snapshot(MountedTree tree, Runnable release) implements AutoCloseable {
		@Override
		public void close() {
			if (release != null) release.run();
		}
	}

	/** An open regular file. */
	interface OpenFile {
		int read(long offset, byte[] buf, int off, int len) throws IOException;

		/**
		 * The file's metadata as of its open, or null to ask the tree by path: for a getattr the kernel sends with the
		 * file's handle (e.g. lseek to SEEK_END); fstat itself asks by path.
		 */
		default FileRecord attributes() throws IOException {
			return null;
		}

		/** The file was released (its last descriptor closed, or the mount went away). */
		default void close() {
		}
	}
}
