package cacheshadow.layers;

/** Big-endian field access in byte arrays, for the formats that store their fields so (qcow2, VHD). */
public final class BigEndian {
	private BigEndian() {
	}

	public static long u32(byte[] b, int o) {
		return ((b[o] & 0xffL) << 24) | ((b[o + 1] & 0xffL) << 16) | ((b[o + 2] & 0xffL) << 8) | (b[o + 3] & 0xffL);
	}

	public static long u64(byte[] b, int o) {
		return (u32(b, o) << 32) | u32(b, o + 4);
	}
}
