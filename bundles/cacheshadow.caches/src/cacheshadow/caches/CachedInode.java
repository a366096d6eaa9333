package cacheshadow.caches;

/**
 * An inode's metadata as the guest kernel caches it ({@code struct inode}).
 *
 * @param address       the {@code struct inode}
 * @param symlinkTarget the target of a symbolic link when cached in memory, else null
 * @param hasDentry     whether any dentry refers to it ({@code i_dentry} not empty)
 * @param mapping       {@code i_mapping}: the {@code struct address_space} of its page cache (0 if none)
 */
public record CachedInode(long address, long superBlock, long ino, int mode, long uid, long gid, long size, long nlink,
		long atime, long atimeNanos, long mtime, long mtimeNanos, long ctime, long ctimeNanos, String symlinkTarget,
		boolean hasDentry, long mapping) {

	public boolean isSymlink() {
		return (mode & 0xF000) == 0xA000;
	}

	public boolean isDirectory() {
		return (mode & 0xF000) == 0x4000;
	}
}
