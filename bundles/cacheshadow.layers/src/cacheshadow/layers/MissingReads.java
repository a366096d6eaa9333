package cacheshadow.layers;

/**
 * Reads of bytes missing from partial evidence ({@link MissingBytesException}), noted on the reading thread. Work
 * that makes one result (a file's record, a directory's listing, a page-cache walk) watches while it runs and
 * flags the result when anything it read rests on missing bytes, whatever the code in between did with the
 * exception (reported it, skipped a branch, fell back to another source). Watches nest: a read is noted in every
 * watch open on its thread. Work handed to another thread watches there.
 */
public final class MissingReads {
	private static final ThreadLocal<Watch> CURRENT = new ThreadLocal<>();

	private MissingReads() {
	}

	/** Starts watching this thread's reads; close it (try-with-resources) where the result is made. */
	public static Watch watch() {
		Watch w = new Watch(CURRENT.get());
		CURRENT.set(w);
		return w;
	}

	/** Notes a read of missing bytes at {@code address} of {@code layer} in every open watch. */
	public static void note(String layer, long address) {
		for (Watch w = CURRENT.get(); w != null; w = w.outer) w.noted(layer, address);
	}

	/** Notes a read of missing bytes and gives the exception the reading layer throws. */
	public static MissingBytesException missing(String layer, long address) {
		note(layer, address);
		return new MissingBytesException(layer, address);
	}

	/** The reads of missing bytes on one thread since {@link MissingReads#watch()}. */
	public static final class Watch implements AutoCloseable {
		private final Watch outer;
		private long count;
		private String first;

		private Watch(Watch outer) {
			this.outer = outer;
		}

		private void noted(String layer, long address) {
			if (count++ == 0) first = String.format("%s at 0x%x", layer, address);
		}

		/** Whether anything read since the watch began rests on missing bytes. */
		public boolean touched() {
			return count > 0;
		}

		/** Reads of missing bytes seen. */
		public long count() {
			return count;
		}

		/** The first missing read, e.g. {@code memory.elf (ELF core) at 0xe000000}, or null. */
		public String first() {
			return first;
		}

		@Override
		public void close() {
			// watches close innermost first (try-with-resources); a stray order still ends this watch's noting
			if (CURRENT.get() == this) CURRENT.set(outer);
		}
	}
}
