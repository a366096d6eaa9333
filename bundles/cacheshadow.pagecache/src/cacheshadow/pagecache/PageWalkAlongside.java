package cacheshadow.pagecache;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;

import cacheshadow.caches.CachedInode;
import cacheshadow.caches.Mount;
import cacheshadow.caches.WalkListener;
import cacheshadow.kernel.AddressMap;
import cacheshadow.kernel.LinuxKernel;
import cacheshadow.listing.Finding;

/**
 * Walks page caches on worker threads while the dentry/inode walk is still finding inodes: the walk hands over
 * inodes in batches and goes on, so on two cores the two walks overlap instead of running one after the other
 * (each is bound by touching guest memory, ~1 µs per inode). Every inode's findings are kept apart, for
 * {@link PageCache} to add in its own order. Each inode's tree is offered to the reader to learn where the root
 * keeps its marks ({@link CachedFileReader#calibrateMarks}) before its walk, where {@code new PageCache} offers all
 * of them before any walk; inodes walked before that was known are walked again at the end if it became known, so
 * every result is what the one-after-the-other order gives.
 */
final class PageWalkAlongside implements WalkListener {
	/**
	 * One inode's page cache, or {@code file == null} when reading it failed (then left to {@link PageCache#file});
	 * {@code marksKnown} whether the root's mark bit was known before the walk.
	 */
	record Walked(CachedInode inode, CachedFile file, List<Finding> findings, boolean marksKnown) {
	}

	private static final int BATCH = 128;
	/** Tells a worker to stop (compared by identity). */
	private static final List<CachedInode> DONE = new ArrayList<>(0);

	private final int workers;
	private final LinkedBlockingQueue<List<CachedInode>> queue = new LinkedBlockingQueue<>();
	private final List<Walked> walked = new ArrayList<>();
	private List<CachedInode> batch = new ArrayList<>(BATCH);
	private Thread[] threads;
	private volatile RuntimeException failure;
	private volatile boolean abandoned;
	private CachedFileReader reader;
	private final AddressMap<String> fsTypes = new AddressMap<>();

	PageWalkAlongside(int workers) {
		this.workers = workers;
	}

	@Override
	public void started(LinuxKernel kernel, List<Mount> mounts) throws IOException {
		reader = new CachedFileReader(kernel);
		for (Mount m : mounts) if (m.fsType() != null) fsTypes.putIfAbsent(m.superBlock(), m.fsType());
		BlockDeviceCache.calibrate(reader, mounts);
		threads = new Thread[workers];
		for (int t = 0; t < workers; t++) {
			threads[t] = new Thread(this::work, "page-cache walk alongside " + (t + 1));
			threads[t].setDaemon(true);
			threads[t].start();
		}
	}

	@Override
	public void inode(CachedInode inode) {
		batch.add(inode);
		if (batch.size() == BATCH) {
			queue.add(batch);
			batch = new ArrayList<>(BATCH);
		}
	}

	/** The reader the walks used (it has learned the marks), or null when the walk never started. */
	CachedFileReader reader() {
		return reader;
	}

	/** After the dentry/inode walk (also when it failed): hands over the rest, helps, and waits for the workers. */
	void finish() throws IOException {
		if (threads == null) return;
		queue.add(batch);
		for (int t = 0; t < workers; t++) queue.add(DONE);
		List<Walked> mine = new ArrayList<>();
		for (List<CachedInode> b; (b = queue.poll()) != null;) {
			if (b == DONE) {
				queue.add(DONE); // a worker's
				break;
			}
			walk(b, mine);
		}
		joinAll(threads);
		walked.addAll(mine);
		if (failure != null) throw failure;
		if (reader.pageIndex().rootMarkShift() < 0) return; // never learned: as the sequential walk, none knew it
		// Walked again with the marks known, on as many threads as the walks alongside had (each slot written by the
		// one thread that takes its index).
		int[] again = java.util.stream.IntStream.range(0, walked.size()).filter(k -> !walked.get(k).marksKnown()).toArray();
		ParallelRange.run(again.length, workers + 1, 256, "page-cache walk again", j -> walked.set(again[j], walk(walked.get(again[j]).inode())));
	}

	private static void joinAll(Thread[] threads) throws java.io.InterruptedIOException {
		for (Thread t : threads) {
			try {
				t.join();
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw new java.io.InterruptedIOException("page-cache walk interrupted");
			}
		}
	}

	/**
	 * After a failed or canceled walk: the workers drop what is queued and stop (nothing is walked here), so a
	 * canceled analysis ends at once.
	 */
	void abandon() {
		if (threads == null) return;
		abandoned = true;
		queue.clear();
		for (int t = 0; t < workers; t++) queue.add(DONE);
		for (Thread t : threads) {
			try {
				t.join();
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	/** Everything walked, by inode address (valid after {@link #finish}). */
	AddressMap<Walked> results() {
		AddressMap<Walked> m = new AddressMap<>();
		for (Walked w : walked) m.putIfAbsent(w.inode().address(), w);
		return m;
	}

	private void work() {
		List<Walked> mine = new ArrayList<>();
		try {
			for (List<CachedInode> b; (b = queue.take()) != DONE;) walk(b, mine);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		} catch (RuntimeException e) {
			failure = e;
		}
		synchronized (walked) {
			walked.addAll(mine);
		}
	}

	private void walk(List<CachedInode> inodes, List<Walked> out) {
		for (CachedInode i : inodes) {
			if (abandoned) return;
			out.add(walk(i));
		}
	}

	private Walked walk(CachedInode i) {
		// offered before the walk (not only as mapping() begins it): a big file that shows the marks is then walked once
		boolean known = reader.calibrateMapping(i.mapping());
		List<Finding> f = new ArrayList<>(0);
		CachedFile file;
		try {
			file = reader.file(i, PageCache.isShmem(fsTypes.get(i.superBlock())), f);
		} catch (IOException e) {
			file = null;
		}
		return new Walked(i, file, f, known);
	}
}
