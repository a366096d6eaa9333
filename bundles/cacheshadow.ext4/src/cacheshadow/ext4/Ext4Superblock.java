package cacheshadow.ext4;

import static cacheshadow.layers.LittleEndian.u16;
import static cacheshadow.layers.LittleEndian.u32;
import static cacheshadow.layers.LittleEndian.u8;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.LongStream;

import cacheshadow.layers.EvidenceFormatException;

/**
 * The ext2/3/4 superblock: 1024 bytes at byte offset 1024 of the device (kernel docs, "Super Block").
 * Only fields a reader needs are decoded; {@link #raw()} keeps the rest.
 */
public final class Ext4Superblock {
	public static final int OFFSET = 1024;
	public static final int SIZE = 1024;
	public static final int MAGIC = 0xEF53;

	// s_feature_compat
	public static final int COMPAT_HAS_JOURNAL = 0x4, COMPAT_EXT_ATTR = 0x8, COMPAT_RESIZE_INODE = 0x10,
			COMPAT_DIR_INDEX = 0x20, COMPAT_SPARSE_SUPER2 = 0x200, COMPAT_ORPHAN_FILE = 0x1000;
	// s_feature_incompat
	public static final int INCOMPAT_COMPRESSION = 0x1, INCOMPAT_FILETYPE = 0x2, INCOMPAT_RECOVER = 0x4,
			INCOMPAT_JOURNAL_DEV = 0x8, INCOMPAT_META_BG = 0x10, INCOMPAT_EXTENTS = 0x40, INCOMPAT_64BIT = 0x80,
			INCOMPAT_MMP = 0x100, INCOMPAT_FLEX_BG = 0x200, INCOMPAT_EA_INODE = 0x400, INCOMPAT_DIRDATA = 0x1000,
			INCOMPAT_CSUM_SEED = 0x2000, INCOMPAT_LARGEDIR = 0x4000, INCOMPAT_INLINE_DATA = 0x8000,
			INCOMPAT_ENCRYPT = 0x10000, INCOMPAT_CASEFOLD = 0x20000;
	// s_feature_ro_compat
	public static final int RO_COMPAT_SPARSE_SUPER = 0x1, RO_COMPAT_LARGE_FILE = 0x2, RO_COMPAT_HUGE_FILE = 0x8,
			RO_COMPAT_GDT_CSUM = 0x10, RO_COMPAT_DIR_NLINK = 0x20, RO_COMPAT_EXTRA_ISIZE = 0x40,
			RO_COMPAT_BIGALLOC = 0x200, RO_COMPAT_METADATA_CSUM = 0x400, RO_COMPAT_ORPHAN_PRESENT = 0x10000;

	private final byte[] raw;
	public final long inodesCount;
	/** As of the last superblock write (stale on a live image). */
	public final long freeInodesCount;
	public final long blocksCount;
	public final long firstDataBlock;
	public final int logBlockSize;
	public final int blockSize;
	public final long blocksPerGroup;
	/** log2(cluster size / 1024); equals the block size's unless bigalloc. */
	public final int logClusterSize;
	/** Bits per block bitmap; equals blocks per group unless bigalloc. */
	public final long clustersPerGroup;
	public final long inodesPerGroup;
	public final int revLevel;
	public final long firstIno;
	public final int inodeSize;
	public final int featureCompat, featureIncompat, featureRoCompat;
	public final byte[] uuid;
	public final String volumeName;
	public final String lastMounted;
	public final long journalInum;
	public final long journalDev;
	public final long lastOrphan;
	public final int descSize;
	public final long firstMetaBg;
	public final int reservedGdtBlocks;
	public final int minExtraIsize, wantExtraIsize;
	public final int checksumType;
	public final long checksumSeedField;
	/** {@code s_orphan_file_inum} (orphan_file feature), 0 if none. */
	public final long orphanFileInum;
	public final long storedChecksum;
	public final int state;

	private Ext4Superblock(byte[] b) throws EvidenceFormatException {
		this.raw = b;
		if (u16(b, 0x38) != MAGIC) {
			throw new EvidenceFormatException("ext4 superblock", String.format("bad magic 0x%04x (expected 0xef53)", u16(b, 0x38)));
		}
		inodesCount = u32(b, 0x0);
		freeInodesCount = u32(b, 0x10);
		logBlockSize = (int) u32(b, 0x18);
		if (logBlockSize > 6) throw new EvidenceFormatException("ext4 superblock", "block size 2^(10+" + logBlockSize + ") is not 1..64 KiB");
		blockSize = 1024 << logBlockSize;
		firstDataBlock = u32(b, 0x14);
		blocksPerGroup = u32(b, 0x20);
		logClusterSize = (int) u32(b, 0x1C);
		clustersPerGroup = u32(b, 0x24);
		inodesPerGroup = u32(b, 0x28);
		state = u16(b, 0x3A);
		revLevel = (int) u32(b, 0x4C);
		featureCompat = revLevel >= 1 ? (int) u32(b, 0x5C) : 0;
		featureIncompat = revLevel >= 1 ? (int) u32(b, 0x60) : 0;
		featureRoCompat = revLevel >= 1 ? (int) u32(b, 0x64) : 0;
		firstIno = revLevel >= 1 ? u32(b, 0x54) : 11;
		inodeSize = revLevel >= 1 ? u16(b, 0x58) : 128;
		long blocksHi = (featureIncompat & INCOMPAT_64BIT) != 0 ? u32(b, 0x150) : 0;
		blocksCount = u32(b, 0x4) | blocksHi << 32;
		uuid = java.util.Arrays.copyOfRange(b, 0x68, 0x78);
		volumeName = cString(b, 0x78, 16);
		lastMounted = cString(b, 0x88, 64);
		journalInum = u32(b, 0xE0);
		journalDev = u32(b, 0xE4);
		lastOrphan = u32(b, 0xE8);
		int ds = u16(b, 0xFE);
		descSize = (featureIncompat & INCOMPAT_64BIT) != 0 ? ds : 32;
		firstMetaBg = u32(b, 0x104);
		reservedGdtBlocks = u16(b, 0xCE);
		minExtraIsize = u16(b, 0x15C);
		wantExtraIsize = u16(b, 0x15E);
		checksumType = u8(b, 0x175);
		checksumSeedField = u32(b, 0x270);
		orphanFileInum = u32(b, 0x280);
		storedChecksum = u32(b, 0x3FC);
		validate();
	}

	private void validate() throws EvidenceFormatException {
		String w = "ext4 superblock";
		long clusterRatio = hasRoCompat(RO_COMPAT_BIGALLOC) && logClusterSize >= logBlockSize && logClusterSize - logBlockSize < 20 ? 1L << (logClusterSize - logBlockSize) : 1;
		if (blocksPerGroup == 0 || blocksPerGroup > 8L * blockSize * clusterRatio) throw new EvidenceFormatException(w, "blocks per group " + blocksPerGroup + " is impossible for block size " + blockSize);
		if (inodesPerGroup == 0 || inodesPerGroup > 8L * blockSize) throw new EvidenceFormatException(w, "inodes per group " + inodesPerGroup + " is impossible for block size " + blockSize);
		if (inodeSize < 128 || inodeSize > blockSize || Integer.bitCount(inodeSize) != 1) throw new EvidenceFormatException(w, "inode size " + inodeSize + " is not a power of two in [128, block size]");
		if (blocksCount == 0 || blocksCount <= firstDataBlock) throw new EvidenceFormatException(w, "block count " + blocksCount + " is impossible");
		if (firstDataBlock != (blockSize == 1024 ? 1 : 0) && firstDataBlock > 1) throw new EvidenceFormatException(w, "first data block " + firstDataBlock + " is impossible");
		if ((featureIncompat & INCOMPAT_64BIT) != 0 && (descSize < 32 || descSize > 1024 || Integer.bitCount(descSize) != 1)) throw new EvidenceFormatException(w, "group descriptor size " + descSize + " is impossible");
		if (groupCount() > Integer.MAX_VALUE / 2) throw new EvidenceFormatException(w, "too many block groups (" + groupCount() + ")");
		if (inodesCount > groupCount() * inodesPerGroup) throw new EvidenceFormatException(w, "inode count " + inodesCount + " exceeds groups x inodes per group");
	}

	/** Parses the 1024 superblock bytes; throws when they cannot be an ext2/3/4 superblock. */
	public static Ext4Superblock parse(byte[] b) throws EvidenceFormatException {
		if (b.length < SIZE) throw new EvidenceFormatException("ext4 superblock", "short read");
		return new Ext4Superblock(b.clone());
	}

	private static String cString(byte[] b, int off, int max) {
		int n = 0;
		while (n < max && b[off + n] != 0) n++;
		return new String(b, off, n, StandardCharsets.UTF_8);
	}

	public byte[] raw() {
		return raw.clone();
	}

	/** log2(blocks per cluster): 0 unless bigalloc. */
	public int clusterBits() {
		return hasRoCompat(RO_COMPAT_BIGALLOC) ? Math.max(0, logClusterSize - logBlockSize) : 0;
	}

	public long groupCount() {
		return (blocksCount - firstDataBlock + blocksPerGroup - 1) / blocksPerGroup;
	}

	public boolean hasCompat(int f) {
		return (featureCompat & f) != 0;
	}

	public boolean hasIncompat(int f) {
		return (featureIncompat & f) != 0;
	}

	public boolean hasRoCompat(int f) {
		return (featureRoCompat & f) != 0;
	}

	public boolean is64Bit() {
		return hasIncompat(INCOMPAT_64BIT);
	}

	public boolean hasMetadataCsum() {
		return hasRoCompat(RO_COMPAT_METADATA_CSUM);
	}

	public boolean needsRecovery() {
		return hasIncompat(INCOMPAT_RECOVER);
	}

	/** Seed of every metadata checksum: {@code s_checksum_seed} or crc32c(~0, uuid) ("Checksums"). */
	public int checksumSeed() {
		if (hasIncompat(INCOMPAT_CSUM_SEED)) return (int) checksumSeedField;
		return Crc32c.update(~0, uuid, 0, 16);
	}

	/** crc32c(~0, superblock[0..0x3FC)). */
	public long computedChecksum() {
		return Crc32c.update(~0, raw, 0, 0x3FC) & 0xffffffffL;
	}

	public boolean checksumValid() {
		return !hasMetadataCsum() || computedChecksum() == storedChecksum;
	}

	public String uuidString() {
		String h = HexFormat.of().formatHex(uuid);
		return h.substring(0, 8) + "-" + h.substring(8, 12) + "-" + h.substring(12, 16) + "-" + h.substring(16, 20) + "-" + h.substring(20);
	}

	/** Feature names as dumpe2fs prints them (known ones only). */
	public List<String> featureNames() {
		List<String> n = new ArrayList<>();
		String[][] compat = { { "4", "has_journal" }, { "8", "ext_attr" }, { "16", "resize_inode" }, { "32", "dir_index" }, { "512", "sparse_super2" }, { "4096", "orphan_file" } };
		String[][] incompat = { { "2", "filetype" }, { "4", "needs_recovery" }, { "8", "journal_dev" }, { "16", "meta_bg" }, { "64", "extent" }, { "128", "64bit" }, { "256", "mmp" }, { "512", "flex_bg" }, { "1024", "ea_inode" }, { "8192", "metadata_csum_seed" }, { "16384", "large_dir" }, { "32768", "inline_data" }, { "65536", "encrypt" }, { "131072", "casefold" } };
		String[][] ro = { { "1", "sparse_super" }, { "2", "large_file" }, { "8", "huge_file" }, { "16", "uninit_bg" }, { "32", "dir_nlink" }, { "64", "extra_isize" }, { "256", "quota" }, { "512", "bigalloc" }, { "1024", "metadata_csum" }, { "8192", "project" }, { "32768", "verity" }, { "65536", "orphan_present" } };
		for (String[] f : compat) if ((featureCompat & Integer.parseInt(f[0])) != 0) n.add(f[1]);
		for (String[] f : incompat) if ((featureIncompat & Integer.parseInt(f[0])) != 0) n.add(f[1]);
		for (String[] f : ro) if ((featureRoCompat & Integer.parseInt(f[0])) != 0) n.add(f[1]);
		return n;
	}

	/** Groups that hold a superblock backup (sparse_super: 0, 1 and powers of 3, 5, 7). */
	public boolean groupHasSuperblock(long g) {
		if (g == 0) return true;
		if (hasCompat(COMPAT_SPARSE_SUPER2)) {
			return g == u32(raw, 0x24C) || g == u32(raw, 0x250);
		}
		if (!hasRoCompat(RO_COMPAT_SPARSE_SUPER)) return true;
		if (g == 1) return true;
		return Arrays.binarySearch(SPARSE_GROUPS, g) >= 0;
	}

	/** The powers of 3, 5 and 7 up to 2^32 (group numbers are 32-bit), sorted: sparse_super's backup groups past 1. */
	private static final long[] SPARSE_GROUPS = LongStream.of(3, 5, 7)
			.flatMap(b -> LongStream.iterate(b, p -> p <= 1L << 32, p -> p * b)).sorted().toArray();
}
