package cacheshadow.pagecache;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a task for every index of {@code [0, n)} on up to {@code threads} threads (the caller's one of them), a chunk
 * of indices at a time: the page walks of many inodes, each independent of the others. The first failure stops
 * the other threads from taking more and is rethrown to the caller; indices before the one that failed may or may
 * not have run.
 */
final class ParallelRange {
	interface Task {
		void run(int index) throws IOException;
	}

	private ParallelRange() {
	}

	static void run(int n, int threads, int chunk, String name, Task task) throws IOException {
		AtomicInteger next = new AtomicInteger();
		Exception[] failure = new Exception[1];
		Runnable worker = () -> {
			try {
				for (int from; (from = next.getAndAdd(chunk)) < n && failure[0] == null;) {
					for (int k = from; k < Math.min(from + chunk, n); k++) task.run(k);
				}
			} catch (IOException | RuntimeException e) {
				synchronized (failure) {
					if (failure[0] == null) failure[0] = e;
				}
			}
		};
		Thread[] pool = new Thread[Math.max(0, Math.min(threads, (n + chunk - 1) / chunk) - 1)];
		for (int t = 0; t < pool.length; t++) (pool[t] = new Thread(worker, name + " " + (t + 1))).start();
		worker.run();
		for (Thread t : pool) {
			try {
				t.join();
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw new InterruptedIOException(name + " interrupted");
			}
		}
		if (failure[0] instanceof IOException e) throw e;
		if (failure[0] instanceof RuntimeException e) throw e;
	}
}
