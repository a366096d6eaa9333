package cacheshadow.ui;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.eclipse.swt.widgets.Display;

/**
 * Watches how long the UI thread takes to answer: every 20 ms a no-op is queued on it and the wait for it measured.
 * The longest wait since the last {@link #reset()} is what an examiner felt as a freeze; UI tests print it, and work
 * that shows up here belongs in a Job. One daemon thread, stopped with the display.
 */
public final class UiStallWatch {
	private static volatile long longestNanos;
	private static volatile long longestAtMillis;
	private static volatile String longestWhere = "";
	/** A wait this long is sampled: where the UI thread was is what to move into a Job. */
	static final long SAMPLE_AFTER_MILLIS = 100;
	private static volatile Thread thread;
	/** Bumped by {@link #reset()}: a wait that began before a reset is not counted after it. */
	private static volatile long epoch;

	private UiStallWatch() {
	}

	/** Starts watching {@code display} (once). */
	public static synchronized void start(Display display) {
		if (thread != null) return;
		Thread t = new Thread(() -> watch(display), "CacheShadow UI stall watch");
		t.setDaemon(true);
		thread = t;
		t.start();
	}

	private static void watch(Display display) {
		while (!display.isDisposed()) {
			CountDownLatch answered = new CountDownLatch(1);
			long since = epoch;
			long t0 = System.nanoTime();
			try {
				display.asyncExec(answered::countDown);
			} catch (RuntimeException disposed) {
				return;
			}
			try {
				String where = "";
				if (!answered.await(SAMPLE_AFTER_MILLIS, TimeUnit.MILLISECONDS)) {
					where = sample(display.getThread());
					while (!answered.await(1, TimeUnit.SECONDS)) {
						if (display.isDisposed()) return;
					}
				}
				long waited = System.nanoTime() - t0;
				if (since == epoch && waited > longestNanos) {
					longestNanos = waited;
					longestAtMillis = System.currentTimeMillis();
					longestWhere = where;
				}
				Thread.sleep(20);
			} catch (InterruptedException e) {
				return;
			}
		}
	}

	/** The innermost frames of a thread and the innermost of our own code, one line. */
	private static String sample(Thread t) {
		StackTraceElement[] st = t.getStackTrace();
		StringBuilder sb = new StringBuilder();
		int ours = 0;
		for (StackTraceElement e : st) {
			if (!e.getClassName().startsWith("cacheshadow.") || ours++ >= 4) continue;
			sb.append(sb.isEmpty() ? "" : " < ").append(e.getClassName().substring(e.getClassName().lastIndexOf('.') + 1)).append('.').append(e.getMethodName())
					.append(':').append(e.getLineNumber());
		}
		// and the innermost frames, wherever they are (platform code called from ours)
		StringBuilder top = new StringBuilder();
		for (int i = 0; i < Math.min(3, st.length); i++) top.append(i == 0 ? "" : " < ").append(st[i]);
		return top + (sb.isEmpty() ? "" : " ... " + sb);
	}

	/** Where the UI thread was 100 ms into the longest stall (empty when that stall was shorter). */
	public static String longestWhere() {
		return longestWhere;
	}

	/** The longest time the UI thread took to answer since the last reset, in milliseconds. */
	public static long longestMillis() {
		return longestNanos / 1_000_000;
	}

	/** When the longest stall ended (wall clock, ms), 0 if none was measured. */
	public static long longestAtMillis() {
		return longestAtMillis;
	}

	public static void reset() {
		epoch++;
		longestNanos = 0;
		longestAtMillis = 0;
		longestWhere = "";
	}
}
