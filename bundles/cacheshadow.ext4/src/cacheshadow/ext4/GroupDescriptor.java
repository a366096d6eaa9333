package cacheshadow.ext4;

import static cacheshadow.layers.LittleEndian.u16;
import static cacheshadow.layers.LittleEndian.u32;

import cacheshadow.layers.LittleEndian;

/**
 * One block group descriptor ("Block Group Descriptors"), 32 bytes or {@code s_desc_size} (64) with the
 * 64bit feature's high halves.
 */
public record GroupDescriptor(long group, long blockBitmap, long inodeBitmap, long inodeTable, int flags,
		long itableUnused, int checksum, long blockBitmapCsum, long inodeBitmapCsum) {
	public static final int INODE_UNINIT = 0x1, BLOCK_UNINIT = 0x2, ITABLE_ZEROED = 0x4;

	static GroupDescriptor parse(long group, byte[] b, int off, int descSize) {
		boolean wide = descSize >= 64;
		long bb = u32(b, off) | (wide ? u32(b, off + 0x20) << 32 : 0);
		long ib = u32(b, off + 4) | (wide ? u32(b, off + 0x24) << 32 : 0);
		long it = u32(b, off + 8) | (wide ? u32(b, off + 0x28) << 32 : 0);
		long unused = u16(b, off + 0x1C) | (wide ? (long) u16(b, off + 0x32) << 16 : 0);
		long bbc = u16(b, off + 0x18) | (wide ? (long) u16(b, off + 0x38) << 16 : 0);
		long ibc = u16(b, off + 0x1A) | (wide ? (long) u16(b, off + 0x3A) << 16 : 0);
		return new GroupDescriptor(group, bb, ib, it, u16(b, off + 0x12), unused, u16(b, off + 0x1E), bbc, ibc);
	}

	/**
	 * uninit_bg (gdt_csum, no metadata_csum): crc16 (poly 0x8005 reflected, seed ~0) over the uuid, le32 group and
	 * the descriptor without {@code bg_checksum}.
	 */
	static int computeCrc16(byte[] uuid, long group, byte[] b, int off, int descSize) {
		int c = crc16(0xffff, uuid, 0, 16);
		byte[] g = { (byte) group, (byte) (group >>> 8), (byte) (group >>> 16), (byte) (group >>> 24) };
		c = crc16(c, g, 0, 4);
		c = crc16(c, b, off, 0x1E);
		if (descSize > 0x20) c = crc16(c, b, off + 0x20, descSize - 0x20);
		return c & 0xffff;
	}

	private static int crc16(int crc, byte[] b, int off, int len) {
		for (int i = off; i < off + len; i++) crc = (crc >>> 8) ^ CRC16[(crc ^ b[i]) & 0xff];
		return crc;
	}

	/** crc16's byte steps: a lookup a byte, not eight shifts and branches (a forged group count has 100,000 descriptors checked). */
	private static final int[] CRC16 = new int[256];
	static {
		for (int i = 0; i < 256; i++) {
			int c = i;
			for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >>> 1) ^ 0xA001 : c >>> 1;
			CRC16[i] = c;
		}
	}

	/** metadata_csum: low 16 bits of crc32c(seed, le32 group, descriptor with bg_checksum as zero). */
	static int computeChecksum(int seed, long group, byte[] b, int off, int descSize) {
		// one run of bytes, so the whole descriptor goes through the CPU's crc32 instruction in one call
		byte[] m = new byte[4 + descSize];
		LittleEndian.put32(m, 0, (int) group);
		System.arraycopy(b, off, m, 4, descSize);
		m[4 + 0x1E] = 0;
		m[4 + 0x1F] = 0;
		return Crc32c.update(seed, m, 0, m.length) & 0xffff;
	}
}
