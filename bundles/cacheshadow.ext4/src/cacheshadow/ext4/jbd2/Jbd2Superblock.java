package cacheshadow.ext4.jbd2;

import static cacheshadow.ext4.jbd2.BigEndian.u32;

import java.util.Arrays;

import cacheshadow.ext4.Crc32c;
import cacheshadow.layers.EvidenceFormatException;

/** The journal superblock, block 0 of the journal ("Journal Superblock"); big-endian. */
public final class Jbd2Superblock {
	public static final long MAGIC = 0xC03B3998L;
	public static final int BLOCK_DESCRIPTOR = 1, BLOCK_COMMIT = 2, BLOCK_SB_V1 = 3, BLOCK_SB_V2 = 4, BLOCK_REVOKE = 5;
	public static final int COMPAT_CHECKSUM = 0x1;
	public static final int INCOMPAT_REVOKE = 0x1, INCOMPAT_64BIT = 0x2, INCOMPAT_ASYNC_COMMIT = 0x4,
			INCOMPAT_CSUM_V2 = 0x8, INCOMPAT_CSUM_V3 = 0x10, INCOMPAT_FAST_COMMIT = 0x20;

	public final int blockType;
	public final int blockSize;
	public final long maxLen;
	public final long first;
	public final long sequence;
	public final long start;
	public final int errno;
	public final int featureCompat, featureIncompat, featureRoCompat;
	public final byte[] uuid;
	public final long numFcBlocks;
	public final long storedChecksum;
	private final byte[] raw;

	Jbd2Superblock(byte[] b) throws EvidenceFormatException {
		if (u32(b, 0) != MAGIC) throw new EvidenceFormatException("jbd2 superblock", String.format("bad magic 0x%08x", u32(b, 0)));
		blockType = (int) u32(b, 4);
		if (blockType != BLOCK_SB_V1 && blockType != BLOCK_SB_V2) throw new EvidenceFormatException("jbd2 superblock", "block type " + blockType + " is not a superblock");
		blockSize = (int) u32(b, 0xC);
		maxLen = u32(b, 0x10);
		first = u32(b, 0x14);
		sequence = u32(b, 0x18);
		start = u32(b, 0x1C);
		errno = (int) u32(b, 0x20);
		boolean v2 = blockType == BLOCK_SB_V2;
		featureCompat = v2 ? (int) u32(b, 0x24) : 0;
		featureIncompat = v2 ? (int) u32(b, 0x28) : 0;
		featureRoCompat = v2 ? (int) u32(b, 0x2C) : 0;
		uuid = Arrays.copyOfRange(b, 0x30, 0x40);
		numFcBlocks = v2 ? u32(b, 0x54) : 0;
		storedChecksum = u32(b, 0xFC);
		raw = Arrays.copyOf(b, 1024);
		if (first == 0 || first >= maxLen) throw new EvidenceFormatException("jbd2 superblock", "first log block " + first + " / length " + maxLen + " impossible");
	}

	public boolean hasIncompat(int f) {
		return (featureIncompat & f) != 0;
	}

	public boolean csumV2orV3() {
		return hasIncompat(INCOMPAT_CSUM_V2) || hasIncompat(INCOMPAT_CSUM_V3);
	}

	/** True when {@code s_start} is 0: nothing to recover. */
	public boolean isClean() {
		return start == 0;
	}

	/** crc32c(~0, uuid): seed of every v2/v3 journal checksum. */
	int checksumSeed() {
		return Crc32c.update(~0, uuid, 0, 16);
	}

	/** crc32c(~0, the 1024-byte superblock with s_checksum as zero). */
	long computedChecksum() {
		int c = Crc32c.update(~0, raw, 0, 0xFC);
		c = Crc32c.updateZeros(c, 4);
		c = Crc32c.update(c, raw, 0x100, 1024 - 0x100);
		return c & 0xffffffffL;
	}

	/** Bytes per descriptor tag ({@code journal_tag_bytes()}). */
	int tagBytes() {
		if (hasIncompat(INCOMPAT_CSUM_V3)) return 16;
		int sz = 12;
		if (hasIncompat(INCOMPAT_CSUM_V2)) sz += 2;
		return hasIncompat(INCOMPAT_64BIT) ? sz : sz - 4;
	}

	/** Last usable log block + 1 (fast-commit blocks sit at the end of the journal). */
	long logEnd() {
		return hasIncompat(INCOMPAT_FAST_COMMIT) ? maxLen - (numFcBlocks == 0 ? 256 : numFcBlocks) : maxLen;
	}
}
