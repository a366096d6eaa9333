package cacheshadow.ext4.jbd2;

/** jbd2 stores every field big-endian ("Journal (jbd2)"), unlike the rest of ext4. */
final class BigEndian {
	private BigEndian() {
	}

	static long u32(byte[] b, int off) {
		return ((b[off] & 0xffL) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
	}

	static int u16(byte[] b, int off) {
		return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
	}

	static long u64(byte[] b, int off) {
		return u32(b, off) << 32 | u32(b, off + 4);
	}
}
