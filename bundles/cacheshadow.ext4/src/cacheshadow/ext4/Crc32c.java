package cacheshadow.ext4;

/**
 * CRC32C (Castagnoli) as ext4 and jbd2 use it: the raw register update with a caller-chosen seed and no final
 * inversion ({@code ext4_chksum()}, {@code jbd2_chksum()}). The standard CRC32C of {@code data} is
 * {@code ~update(~0, data)}.
 */
public final class Crc32c {
	private static final int[][] T = new int[8][256];
	static {
		for (int i = 0; i < 256; i++) {
			int c = i;
			for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >>> 1) ^ 0x82F63B78 : c >>> 1;
			T[0][i] = c;
		}
		for (int i = 0; i < 256; i++) {
			for (int t = 1; t < 8; t++) T[t][i] = (T[t - 1][i] >>> 8) ^ T[0][T[t - 1][i] & 0xff];
		}
	}

	private Crc32c() {
	}

	public static int update(int crc, byte[] b, int off, int len) {
		int i = off, end = off + len;
		while (end - i >= 8) {
			int lo = crc ^ ((b[i] & 0xff) | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff) << 16 | (b[i + 3] & 0xff) << 24);
			crc = T[7][lo & 0xff] ^ T[6][(lo >>> 8) & 0xff] ^ T[5][(lo >>> 16) & 0xff] ^ T[4][lo >>> 24]
					^ T[3][b[i + 4] & 0xff] ^ T[2][b[i + 5] & 0xff] ^ T[1][b[i + 6] & 0xff] ^ T[0][b[i + 7] & 0xff];
			i += 8;
		}
		for (; i < end; i++) crc = T[0][(crc ^ b[i]) & 0xff] ^ (crc >>> 8);
		return crc;
	}

	/** Update with a little-endian 32-bit value (inode numbers, group numbers). */
	public static int updateLe32(int crc, long v) {
		byte[] b = { (byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24) };
		return update(crc, b, 0, 4);
	}

	/** Update with a big-endian 32-bit value (jbd2 sequence numbers). */
	public static int updateBe32(int crc, long v) {
		byte[] b = { (byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v };
		return update(crc, b, 0, 4);
	}

	public static int updateLe64(int crc, long v) {
		return updateLe32(updateLe32(crc, v), v >>> 32);
	}

	/** Update with {@code n} zero bytes (a checksum field counted as zero). */
	public static int updateZeros(int crc, int n) {
		for (int i = 0; i < n; i++) crc = T[0][crc & 0xff] ^ (crc >>> 8);
		return crc;
	}
}
