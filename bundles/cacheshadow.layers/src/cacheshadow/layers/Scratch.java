package cacheshadow.layers;

/** Per-thread 8-byte buffer for the small typed reads of {@link Layer}: no allocation per read. */
final class Scratch {
	private static final ThreadLocal<byte[]> BUF = ThreadLocal.withInitial(() -> new byte[8]);

	private Scratch() {
	}

	static byte[] get() {
		return BUF.get();
	}
}
