package cacheshadow.ext4;

import java.util.zip.CRC32C;

/**
 * CRC32C (Castagnoli) as ext4 and jbd2 use it: the raw register update with a caller-chosen seed and no final
 * inversion ({@code ext4_chksum()}, {@code jbd2_chksum()}). The standard CRC32C of {@code data} is
 * {@code ~update(~0, data)}.
 * <p>
 * Runs of {@link #INTRINSIC} bytes or more go to the JDK's {@link CRC32C}, which the JIT compiles to the CPU's crc32
 * instruction (metadata_csum has every descriptor, inode, directory block and journal block checksummed; a forged
 * group count alone asks for 100,000 descriptor checksums). The JDK's class starts from ~0 and cannot be seeded, so
 * four bytes are put in front that take its register from ~0 to the caller's seed ({@link #prefix}).
 */
public final class Crc32c {
	/** Below this many bytes the table loop is cheaper than the JDK call and its 4-byte prefix. */
	static final int INTRINSIC = 24;
	private static final int[][] T = new int[8][256];
	/** Index of the table entry with each top byte: the 256 entries' top bytes differ, so one byte step can be undone. */
	private static final int[] BY_TOP = new int[256];
	static {
		for (int i = 0; i < 256; i++) {
			int c = i;
			for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >>> 1) ^ 0x82F63B78 : c >>> 1;
			T[0][i] = c;
		}
		for (int i = 0; i < 256; i++) {
			for (int t = 1; t < 8; t++) T[t][i] = (T[t - 1][i] >>> 8) ^ T[0][T[t - 1][i] & 0xff];
		}
		for (int i = 0; i < 256; i++) BY_TOP[T[0][i] >>> 24] = i;
	}

	private Crc32c() {
	}

	public static int update(int crc, byte[] b, int off, int len) {
		if (len >= INTRINSIC) {
			CRC32C c = new CRC32C();
			c.update(prefix(crc));
			c.update(b, off, len);
			return ~(int) c.getValue();
		}
		return table(crc, b, off, len);
	}

	/** The slicing-by-8 table loop: the reference the intrinsic path is checked against. */
	static int table(int crc, byte[] b, int off, int len) {
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

	/**
	 * Four bytes that, fed from the register value ~0, leave {@code seed} in the register. A byte step is
	 * {@code r' = T[(r ^ b) & 0xff] ^ (r >>> 8)}; the top byte of {@code r'} names the table entry, which gives back
	 * {@code r ^ b}. Undoing four steps from {@code seed} gives {@code ~0 ^ bytes}.
	 */
	static byte[] prefix(int seed) {
		Prefix p = last;
		if (p != null && p.seed == seed) return p.bytes;
		byte[] bytes = forge(seed);
		last = new Prefix(seed, bytes);
		return bytes;
	}

	/** The last prefix made: callers checksum many structures from one file system's seed in a row. */
	private record Prefix(int seed, byte[] bytes) {
	}

	private static volatile Prefix last;

	private static byte[] forge(int seed) {
		int r = seed;
		for (int k = 0; k < 4; k++) {
			int i = BY_TOP[r >>> 24];
			r = ((r ^ T[0][i]) << 8) | i;
		}
		int x = r ^ ~0;
		return new byte[] { (byte) x, (byte) (x >>> 8), (byte) (x >>> 16), (byte) (x >>> 24) };
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
