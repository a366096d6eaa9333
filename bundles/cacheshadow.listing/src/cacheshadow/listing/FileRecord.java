package cacheshadow.listing;

/**
 * One path's metadata as the ground-truth manifest lists it. Every source of file listings (the guest's caches,
 * ext4 on a disk layer, the merge) produces these, so every view, report and CLI prints them one way.
 *
 * @param mode       the inode's full {@code i_mode} (type bits included); the manifest shows the permission bits
 * @param mtimeNanos nanoseconds of the mtime (the manifest's {@code mtime_full})
 * @param sha256     lowercase hex of the content, or null when not applicable or not known
 * @param symlinkTarget the link target, or null
 */
public record FileRecord(String path, FileType type, int mode, long uid, long gid, long size, long nlink, long inode,
		long atime, long mtime, long ctime, long mtimeNanos, String sha256, String symlinkTarget) {

	public int permissions() {
		return mode & 07777;
	}

	public FileRecord withPath(String newPath) {
		return new FileRecord(newPath, type, mode, uid, gid, size, nlink, inode, atime, mtime, ctime, mtimeNanos, sha256,
				symlinkTarget);
	}

	public FileRecord withSha256(String hash) {
		return new FileRecord(path, type, mode, uid, gid, size, nlink, inode, atime, mtime, ctime, mtimeNanos, hash,
				symlinkTarget);
	}
}
