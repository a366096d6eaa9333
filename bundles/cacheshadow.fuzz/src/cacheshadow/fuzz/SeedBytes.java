package cacheshadow.fuzz;

/** Seed layouts shared by the targets whose first input byte picks the sample. */
final class SeedBytes {
	private SeedBytes() {
	}

	/** {@code selector} followed by {@code body}. */
	static byte[] withSelector(int selector, byte[] body) {
		byte[] b = new byte[body.length + 1];
		b[0] = (byte) selector;
		System.arraycopy(body, 0, b, 1, body.length);
		return b;
	}
}
