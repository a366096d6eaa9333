package cacheshadow.ext4;

import static cacheshadow.layers.LittleEndian.u16;
import static cacheshadow.layers.LittleEndian.u32;

import java.util.Arrays;

/**
 * One on-disk inode (kernel docs, "Index Nodes"): the first 128 bytes plus {@code i_extra_isize} bytes of
 * extra fields, and whatever in-inode extended attributes follow them. Timestamps decode the extra epoch bits
 * and nanoseconds ("Inode Timestamps").
 */
public final class Ext4Inode {
	public static final int S_IFMT = 0xF000, S_IFREG = 0x8000, S_IFDIR = 0x4000, S_IFLNK = 0xA000;
	// i_flags
	public static final int FL_INDEX = 0x1000, FL_HUGE_FILE = 0x40000, FL_EXTENTS = 0x80000, FL_EA_INODE = 0x200000,
			FL_INLINE_DATA = 0x10000000;
	public static final int I_BLOCK_OFFSET = 0x28, I_BLOCK_SIZE = 60;

	public final long number;
	private final byte[] raw;
	public final int mode;
	public final long uid, gid;
	public final long size;
	public final int linksCount;
	public final long flags;
	public final long generation;
	public final long fileAcl;
	public final long dtime;
	public final int extraIsize;
	public final long atime, mtime, ctime, crtime;
	public final long atimeNanos, mtimeNanos, ctimeNanos, crtimeNanos;
	private final long blocksRaw;
	private final long eaBlocks512;

	Ext4Inode(long number, byte[] raw, Ext4Superblock sb) {
		this.number = number;
		this.raw = raw;
		mode = u16(raw, 0x0);
		uid = u16(raw, 0x2) | (long) u16(raw, 0x78) << 16;
		gid = u16(raw, 0x18) | (long) u16(raw, 0x7A) << 16;
		size = u32(raw, 0x4) | u32(raw, 0x6C) << 32;
		linksCount = u16(raw, 0x1A);
		flags = u32(raw, 0x20);
		generation = u32(raw, 0x64);
		fileAcl = u32(raw, 0x68) | (long) u16(raw, 0x76) << 32;
		dtime = u32(raw, 0x14);
		int ei = raw.length > 128 ? u16(raw, 0x80) : 0;
		if (ei > raw.length - 128 || (ei & 3) != 0) ei = 0; // corrupt: ignore the extra fields
		extraIsize = ei;
		ctime = seconds(u32(raw, 0x0C), extra(0x84));
		ctimeNanos = nanos(extra(0x84));
		mtime = seconds(u32(raw, 0x10), extra(0x88));
		mtimeNanos = nanos(extra(0x88));
		atime = seconds(u32(raw, 0x08), extra(0x8C));
		atimeNanos = nanos(extra(0x8C));
		crtime = has(0x90) ? seconds(u32(raw, 0x90), extra(0x94)) : 0;
		crtimeNanos = nanos(extra(0x94));
		long blocks = u32(raw, 0x1C);
		if (sb.hasRoCompat(Ext4Superblock.RO_COMPAT_HUGE_FILE)) {
			blocks |= (long) u16(raw, 0x74) << 32;
			if ((flags & FL_HUGE_FILE) != 0) blocks *= sb.blockSize / 512;
		}
		blocksRaw = blocks;
		eaBlocks512 = fileAcl != 0 ? (sb.blockSize << sb.clusterBits()) / 512 : 0;
	}

	private boolean has(int fieldOffset) {
		return fieldOffset + 4 <= 128 + extraIsize;
	}

	private long extra(int off) {
		return has(off) ? u32(raw, off) : 0;
	}

	/** Signed 32-bit seconds plus the two epoch bits of the extra field. */
	static long seconds(long base, long extra) {
		return (long) (int) base + ((extra & 3L) << 32);
	}

	static long nanos(long extra) {
		return extra >>> 2;
	}

	public byte[] raw() {
		return raw.clone();
	}

	byte[] rawNoCopy() {
		return raw;
	}

	/** The 60 bytes of {@code i_block}: extent root, block pointers, fast symlink target or inline data. */
	public byte[] iBlock() {
		return Arrays.copyOfRange(raw, I_BLOCK_OFFSET, I_BLOCK_OFFSET + I_BLOCK_SIZE);
	}

	public int type() {
		return mode & S_IFMT;
	}

	public boolean isDirectory() {
		return type() == S_IFDIR;
	}

	public boolean isRegular() {
		return type() == S_IFREG;
	}

	public boolean isSymlink() {
		return type() == S_IFLNK;
	}

	public boolean hasExtents() {
		return (flags & FL_EXTENTS) != 0;
	}

	public boolean hasInlineData() {
		return (flags & FL_INLINE_DATA) != 0;
	}

	public boolean isHtree() {
		return (flags & FL_INDEX) != 0;
	}

	/** Allocated space in 512-byte units (huge_file scaling applied). */
	public long blocks512() {
		return blocksRaw;
	}

	/** An inode slot that was never used or was cleared. */
	public boolean isUnused() {
		return mode == 0 && linksCount == 0;
	}

	/** In-use per the kernel's view: a link count and no deletion time (orphans keep dtime as list link). */
	public boolean isDeleted() {
		return linksCount == 0 && dtime != 0;
	}

	/**
	 * Whether a symlink keeps its target in {@code i_block}: as the kernel decides it, no blocks besides an
	 * xattr block (for an ea_inode, a size below 60) and no inline data.
	 */
	public boolean isFastSymlink() {
		if (!isSymlink() || hasInlineData()) return false;
		if ((flags & FL_EA_INODE) != 0) return size > 0 && size < I_BLOCK_SIZE;
		return blocksRaw - eaBlocks512 == 0 && size < I_BLOCK_SIZE;
	}

	/** Inode checksum per "Checksums": crc32c(seed, ino, gen, inode with checksum fields as zero). */
	int computeChecksum(int fsSeed, int inodeSize) {
		int c = Crc32c.updateLe32(fsSeed, number);
		c = Crc32c.updateLe32(c, generation);
		c = Crc32c.update(c, raw, 0, 0x7C);
		c = Crc32c.updateZeros(c, 2);
		c = Crc32c.update(c, raw, 0x7E, 128 - 0x7E);
		if (inodeSize > 128) {
			c = Crc32c.update(c, raw, 128, 2);
			if (hasChecksumHi()) {
				c = Crc32c.updateZeros(c, 2);
				c = Crc32c.update(c, raw, 0x84, inodeSize - 0x84);
			} else {
				c = Crc32c.update(c, raw, 0x82, inodeSize - 0x82);
			}
		}
		return c;
	}

	boolean hasChecksumHi() {
		return raw.length > 128 && u16(raw, 0x80) >= 4;
	}

	long storedChecksum() {
		long lo = u16(raw, 0x7C);
		return hasChecksumHi() ? lo | (long) u16(raw, 0x82) << 16 : lo;
	}

	/** crc32c(fs seed, ino, generation): seed of this inode's extent, directory and xattr checksums. */
	int checksumSeed(int fsSeed) {
		return Crc32c.updateLe32(Crc32c.updateLe32(fsSeed, number), generation);
	}
}
