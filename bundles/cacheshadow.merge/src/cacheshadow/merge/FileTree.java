package cacheshadow.merge;

import java.io.IOException;
import java.util.List;

import cacheshadow.listing.FileRecord;

/**
 * A read-only file tree with guest paths ({@code /mnt/disk/var/log/app.log}): what the FUSE mount, the export and
 * the workbench views walk. One of the three views of {@link MergedFileSystem} (merged, cache-only, disk-only).
 * Safe for concurrent readers.
 */
public interface FileTree {
	/** The path's metadata ({@code sha256} left null: hashing is the reader's business), or null when no such path. */
	FileRecord getattr(String path) throws IOException;

	/** Names in the directory (no "." or ".."), sorted by byte order; null when the path is not a directory. */
	List<String> readdir(String path) throws IOException;

	/**
	 * Reads up to {@code len} bytes of a regular file at {@code offset}; returns the count, 0 at or past the end of
	 * file. Bytes no source can supply (evicted page, no disk) read as zeros; {@link #provenance} says which.
	 * @throws java.nio.file.NoSuchFileException when the path does not exist or is not a regular file
	 */
	int read(String path, long offset, byte[] buf, int off, int len) throws IOException;

	/** The target of a symbolic link, or null when the path is not one. */
	String readlink(String path) throws IOException;

	/** Where each byte range of a regular file comes from, in order, covering {@code [0, size)}; empty otherwise. */
	List<ByteProvenance> provenance(String path) throws IOException;

	/** The root of the tree ("/" for the guest's namespace, the mount point for a disk alone). */
	String root();
}
