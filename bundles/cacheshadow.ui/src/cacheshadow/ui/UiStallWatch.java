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
	private static volatile Thread thread;

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
			long t0 = System.nanoTime();
			try {
				display.asyncExec(answered::countDown);
			} catch (RuntimeException disposed) {
				return;
			}
			try {
				while (!answered.await(1, TimeUnit.SECONDS)) {
					if (display.isDisposed()) return;
				}
				long waited = System.nanoTime() - t0;
				if (waited > longestNanos) {
					longestNanos = waited;
					longestAtMillis = System.currentTimeMillis();
				}
				Thread.sleep(20);
			} catch (InterruptedException e) {
				return;
			}
		}
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
		longestNanos = 0;
		longestAtMillis = 0;
	}
}
