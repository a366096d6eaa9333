package cacheshadow.layers;

/** Little-endian field access in byte arrays: every format this project reads is little-endian. */
public final class LittleEndian {
	private LittleEndian() {
	}

	public static int u8(byte[] b, int off) {
		return b[off] & 0xff;
	}

	public static int u16(byte[] b, int off) {
		return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8;
	}

	public static long u32(byte[] b, int off) {
		return s32(b, off) & 0xffffffffL;
	}

	public static int s32(byte[] b, int off) {
		return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
	}

	public static long u64(byte[] b, int off) {
		return (s32(b, off) & 0xffffffffL) | ((long) s32(b, off + 4)) << 32;
	}

	public static void put32(byte[] b, int off, int v) {
		b[off] = (byte) v;
		b[off + 1] = (byte) (v >>> 8);
		b[off + 2] = (byte) (v >>> 16);
		b[off + 3] = (byte) (v >>> 24);
	}

	public static void put64(byte[] b, int off, long v) {
		put32(b, off, (int) v);
		put32(b, off + 4, (int) (v >>> 32));
	}
}
