package cacheshadow.fuse;

import com.sun.jna.Pointer;

import cacheshadow.listing.FileRecord;

/**
 * Writes {@code struct stat} and {@code struct statvfs} as glibc lays them out on x86-64
 * ({@code bits/struct_stat.h}: 144 bytes; {@code bits/statvfs.h}: 112 bytes). Offsets checked with offsetof()
 * against glibc 2.36 (Debian 12).
 */
public final class StatBuffer {
	public static final int STAT_SIZE = 144;
	// struct stat (x86-64): st_dev 0, st_ino 8, st_nlink 16, st_mode 24, st_uid 28, st_gid 32, st_rdev 40,
	// st_size 48, st_blksize 56, st_blocks 64, st_atim 72, st_mtim 88, st_ctim 104 (struct timespec: sec, nsec)
	private static final int ST_INO = 8, ST_NLINK = 16, ST_MODE = 24, ST_UID = 28, ST_GID = 32, ST_SIZE = 48,
			ST_BLKSIZE = 56, ST_BLOCKS = 64, ST_ATIM = 72, ST_MTIM = 88, ST_CTIM = 104;
	// struct statvfs (x86-64): f_bsize 0, f_frsize 8, f_blocks 16, f_bfree 24, f_bavail 32, f_files 40, f_ffree 48,
	// f_favail 56, f_fsid 64, f_flag 72, f_namemax 80
	private static final int F_BSIZE = 0, F_FRSIZE = 8, F_BLOCKS = 16, F_FILES = 40, F_FLAG = 72, F_NAMEMAX = 80;
	private static final long ST_RDONLY = 1;

	private StatBuffer() {
	}

	/**
	 * The record's own inode number, full mode, owner, link count, size and times; {@code st_blocks} is the size
	 * rounded up to 4 KiB in 512-byte units (FileRecord carries no block count).
	 */
	public static void fill(Pointer st, FileRecord r) {
		st.clear(STAT_SIZE);
		st.setLong(ST_INO, r.inode());
		st.setLong(ST_NLINK, r.nlink());
		st.setInt(ST_MODE, r.mode());
		st.setInt(ST_UID, (int) r.uid());
		st.setInt(ST_GID, (int) r.gid());
		st.setLong(ST_SIZE, r.size());
		st.setLong(ST_BLKSIZE, 4096);
		st.setLong(ST_BLOCKS, (r.size() + 4095) / 4096 * 8);
		st.setLong(ST_ATIM, r.atime());
		st.setLong(ST_MTIM, r.mtime());
		st.setLong(ST_MTIM + 8, r.mtimeNanos());
		st.setLong(ST_CTIM, r.ctime());
	}

	/** Only inode number and type bits, as readdir's filler uses them for d_ino and d_type. */
	public static void fillEntry(Pointer st, long inode, int mode) {
		st.clear(STAT_SIZE);
		st.setLong(ST_INO, inode);
		st.setInt(ST_MODE, mode);
	}

	/** A read-only file system: ST_RDONLY, name length 255, sizes from the tree. */
	public static void fillStatvfs(Pointer sv, long blockSize, long blocks, long files) {
		sv.clear(112);
		sv.setLong(F_BSIZE, blockSize);
		sv.setLong(F_FRSIZE, blockSize);
		sv.setLong(F_BLOCKS, blocks);
		sv.setLong(F_FILES, files);
		sv.setLong(F_FLAG, ST_RDONLY);
		sv.setLong(F_NAMEMAX, 255);
	}
}
