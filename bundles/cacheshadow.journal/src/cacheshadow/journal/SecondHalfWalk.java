package cacheshadow.journal;

import java.io.IOException;

import cacheshadow.layers.ReadableFile;
import cacheshadow.layers.Progress;

/**
 * The second of two {@link EntryWalk}s over one dm-log-writes log, on its own thread, so that each maps only half
 * of the log's pages (mapping page-cache pages costs per page about what copying them does; two cores do it in
 * half the time). Where an entry header lies is known only by walking from the start, so this walk guesses: the
 * first sector at or after the middle from which {@link #CHAIN} entries validate. The first walk confirms the
 * guess by arriving exactly at {@link #start()} and then takes this walk's entries; a first walk that passes the
 * guess cancels this one and goes on alone. A wrong guess (data that looks like entries) costs time, never a
 * different parse.
 */
final class SecondHalfWalk {
	/** Entries a guessed header must lead through (or to the file's end) to be taken for one. */
	static final int CHAIN = 8;
	/** How far past the middle to look for a header: beyond that the first walk does it all. */
	static final long SCAN_BYTES = 16 << 20;
	private static final long NOT_YET = Long.MAX_VALUE, NONE = -1;

	private final ReadableFile file;
	private final int sectorSize;
	private final long from;
	private final int expectedEntries, maxEntries;
	private final EntrySink sink;
	private final Thread thread;
	private volatile long start = NOT_YET;
	private EntryWalk walk; // published by the write of start
	private Throwable failure;

	private SecondHalfWalk(ReadableFile file, int sectorSize, long from, int expectedEntries, int maxEntries, EntrySink sink) {
		this.file = file;
		this.sectorSize = sectorSize;
		this.from = from;
		this.expectedEntries = expectedEntries;
		this.maxEntries = maxEntries;
		this.sink = sink;
		this.thread = new Thread(this::run, "dm-log-writes second half " + file.fileName());
		thread.setDaemon(true);
	}

	/** Starts looking for an entry at or after byte {@code from} and walking from it, into {@code sink}. */
	static SecondHalfWalk start(ReadableFile file, int sectorSize, long from, int expectedEntries, int maxEntries, EntrySink sink) {
		SecondHalfWalk w = new SecondHalfWalk(file, sectorSize, from, expectedEntries, maxEntries, sink);
		w.thread.start();
		return w;
	}

	private void run() {
		try {
			long at = findEntry(file, sectorSize, from);
			if (at < 0 || Thread.currentThread().isInterrupted()) {
				start = NONE;
				return;
			}
			walk = new EntryWalk(file, sectorSize, at, new EntryTable(false, expectedEntries), sink);
			start = at;
			walk.run(null, Progress.NONE, maxEntries);
		} catch (IOException | RuntimeException | Error e) {
			failure = e;
			start = NONE;
		}
	}

	/**
	 * The first sector-aligned position in {@code [from, from + SCAN_BYTES)} from which {@link #CHAIN} entries validate
	 * (or entries up to the file's very end), or -1.
	 */
	static long findEntry(ReadableFile file, int sectorSize, long from) throws IOException {
		long size = file.size();
		EntryWalk probe = new EntryWalk(file, sectorSize, 0, null, EntrySink.NONE);
		long first = Math.max(sectorSize, (from + sectorSize - 1) / sectorSize * sectorSize);
		for (long p = first; p < Math.min(size, first + SCAN_BYTES) && !Thread.currentThread().isInterrupted(); p += sectorSize) {
			probe.restart(p);
			probe.run(null, Progress.NONE, CHAIN);
			if (probe.end == EntryWalk.End.ENTRY_LIMIT || probe.end == EntryWalk.End.FILE_END && probe.count > 0) return p;
		}
		return -1;
	}

	/** Where this walk begins: {@code Long.MAX_VALUE} while it is still looking, -1 if it found nothing or failed. */
	long start() {
		return start;
	}

	void cancel() {
		thread.interrupt();
	}

	/**
	 * Waits for the walk to end; the walk, or null if it failed (then the first walk goes on from {@link #start()}
	 * itself). Only for a first walk that arrived at {@link #start()}.
	 */
	EntryWalk join() {
		try {
			thread.join();
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			cancel();
			return null;
		}
		return failure == null && walk.end != EntryWalk.End.INTERRUPTED ? walk : null;
	}

	/** Stops the thread, whatever it is doing, and waits for it (the log's mapping must outlive it). */
	void close() {
		cancel();
		boolean interrupted = false;
		while (thread.isAlive()) {
			try {
				thread.join();
			} catch (InterruptedException e) {
				interrupted = true;
			}
		}
		if (interrupted) Thread.currentThread().interrupt();
	}
}
