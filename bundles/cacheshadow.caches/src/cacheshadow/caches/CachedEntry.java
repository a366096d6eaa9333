package cacheshadow.caches;

import cacheshadow.listing.FileRecord;
import cacheshadow.listing.FileType;

/**
 * One name in the dentry cache.
 *
 * @param path   the path as the guest sees it (mount point prefix included)
 * @param state  positive (a live name), negative (the name is known not to exist: typically deleted or renamed
 *               away), unhashed (removed from the lookup hash but still referenced: deleted while open)
 * @param dentry the {@code struct dentry}
 * @param inode  the cached inode, or null for a negative dentry
 * @param mount  the mount the name was found under
 */
public record CachedEntry(String path, State state, long dentry, CachedInode inode, Mount mount) {
	public enum State {
		POSITIVE, NEGATIVE, UNHASHED
	}

	/** The manifest view (sha256 unknown: the page cache is not read here); null for a negative entry. */
	public FileRecord toRecord() {
		if (inode == null) return null;
		CachedInode i = inode;
		return new FileRecord(path, FileType.fromMode(i.mode(), i.size()), i.mode(), i.uid(), i.gid(), i.size(),
				i.nlink(), i.ino(), i.atime(), i.mtime(), i.ctime(), i.mtimeNanos(), null, i.symlinkTarget());
	}
}
