package cacheshadow.layers;

/**
 * Progress of long work (hashing, scans, imports), reported by core code without knowing who watches: the
 * workbench adapts it to an Eclipse progress monitor, the CLI prints a progress line. Cancellation is polled.
 */
public interface Progress {
	Progress NONE = new Progress() {
		@Override
		public void begin(String task, long totalWork) {
		}

		@Override
		public void worked(long units) {
		}
	};

	/** Starts a task of {@code totalWork} units ({@code -1} if unknown). */
	void begin(String task, long totalWork);

	/** {@code units} more done since the last call. */
	void worked(long units);

	default boolean isCanceled() {
		return false;
	}

	/** Throws {@link java.util.concurrent.CancellationException} when the watcher asked to stop. */
	default void checkCanceled() {
		if (isCanceled()) throw new java.util.concurrent.CancellationException("canceled");
	}
}
