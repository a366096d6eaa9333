package cacheshadow.ext4.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import cacheshadow.ext4.Crc32c;

/**
 * {@link Crc32c} against a bit-at-a-time CRC32C written from the polynomial: every seed path (the table loop for
 * short runs, the JDK's intrinsic with its forged 4-byte prefix for long ones) must give the raw register the
 * kernel's {@code crc32c_le()} gives.
 */
class Crc32cTest {
	/** The reflected Castagnoli polynomial, one bit per step: slow, and free of every table the class uses. */
	private static int bitwise(int crc, byte[] b, int off, int len) {
		for (int i = off; i < off + len; i++) {
			crc ^= b[i] & 0xff;
			for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0x82F63B78 : crc >>> 1;
		}
		return crc;
	}

	@Test
	void standardCheckValue() {
		byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
		assertEquals(0xE3069283, ~Crc32c.update(~0, check, 0, check.length));
		byte[] long32 = "123456789123456789123456789123456789".getBytes(StandardCharsets.US_ASCII);
		assertEquals(~bitwise(~0, long32, 0, long32.length), ~Crc32c.update(~0, long32, 0, long32.length));
	}

	@Test
	void everySeedAndLengthMatchesTheBitwiseCrc() {
		SplittableRandom r = new SplittableRandom(20261207);
		byte[] data = new byte[9000];
		r.nextBytes(data);
		int[] special = { 0, ~0, 1, 0x80000000, 0x7fffffff };
		for (int len = 0; len <= 300; len++) {
			for (int s : special) check(s, data, len % 7, len);
			check(r.nextInt(), data, r.nextInt(50), len);
		}
		for (int n = 0; n < 200; n++) {
			int len = r.nextInt(8192);
			check(r.nextInt(), data, r.nextInt(data.length - len), len);
		}
	}

	@Test
	void fixedWidthUpdatesMatchTheBitwiseCrc() {
		SplittableRandom r = new SplittableRandom(7);
		for (int n = 0; n < 1000; n++) {
			int seed = r.nextInt();
			long v = r.nextLong();
			byte[] le = { (byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24), (byte) (v >>> 32), (byte) (v >>> 40),
					(byte) (v >>> 48), (byte) (v >>> 56) };
			byte[] be = { (byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v };
			assertEquals(bitwise(seed, le, 0, 4), Crc32c.updateLe32(seed, v));
			assertEquals(bitwise(seed, le, 0, 8), Crc32c.updateLe64(seed, v));
			assertEquals(bitwise(seed, be, 0, 4), Crc32c.updateBe32(seed, v));
			assertEquals(bitwise(seed, new byte[n % 40], 0, n % 40), Crc32c.updateZeros(seed, n % 40));
		}
	}

	private static void check(int seed, byte[] data, int off, int len) {
		assertEquals(bitwise(seed, data, off, len), Crc32c.update(seed, data, off, len),
				() -> "seed " + Integer.toHexString(seed) + ", " + len + " bytes at " + off);
	}
}
