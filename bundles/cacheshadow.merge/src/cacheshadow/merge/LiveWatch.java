package cacheshadow.merge;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import cacheshadow.caches.Mount;
import cacheshadow.layers.Progress;
import cacheshadow.pagecache.LiveGuest;

/**
 * A running guest followed refresh after refresh, as {@code watch} prints it and the workbench's File System view
 * shows it: each {@link #refresh} pauses the guest briefly ({@link LiveMerge}) and lists what changed under the
 * watched paths since the refresh before ({@link LiveChanges}; the first one against nothing, so every difference
 * from the disk). What is fixed after boot (BTF, symbols, KASLR) is found once, while the guest runs, by
 * {@link #start}. Not thread-safe: one refresh at a time.
 */
public final class LiveWatch {
	/**
	 * One refresh: its number from 1, the instant the guest was paused (UTC, ms), the refresh (its frozen views and
	 * timings; whoever gets the step closes {@code refresh.fs()}) and the changes since the refresh before.
	 */
	public record Step(long number, Instant pausedAt, LiveMerge.Refresh refresh, List<LiveChanges.Change> changes) {
		/** One line for a person: the refresh, its changes, and how long the guest was paused and the refresh took. */
		public String summary() {
			return String.format("refresh %d at %s: %d change%s; %s", number, pausedAt, changes.size(), changes.size() == 1 ? "" : "s", refresh.timings());
		}
	}

	private final LiveGuest guest;
	private final LiveGuest.KernelFiles kernel;
	private final Path disk;
	private final boolean replayJournal;
	private final List<String> roots;
	private final long kernelNanos;
	private Map<String, LiveChanges.State> before = new TreeMap<>();
	private long count;
	private LiveMerge.Refresh last; // what the next refresh reuses where the guest did not change

	private LiveWatch(LiveGuest guest, LiveGuest.KernelFiles kernel, Path disk, boolean replayJournal, List<String> roots, long kernelNanos) {
		this.guest = guest;
		this.kernel = kernel;
		this.disk = disk;
		this.replayJournal = replayJournal;
		this.roots = roots;
		this.kernelNanos = kernelNanos;
	}

	/**
	 * Finds the kernel in the running guest (not paused; {@code kernelDir} may be null: then from its RAM) and gets
	 * ready to refresh. {@code disk} is the guest's disk image, which the changes are told against. {@code under}: the
	 * guest paths to watch; empty for where the disk is mounted in the guest and every tmpfs mount (found at the
	 * first refresh).
	 */
	public static LiveWatch start(LiveGuest guest, Path kernelDir, Path disk, boolean replayJournal, List<String> under, Progress progress)
			throws IOException {
		if (disk == null) throw new IllegalArgumentException("a running guest is watched against its disk image: none given");
		long t0 = System.nanoTime();
		LiveGuest.KernelFiles kf = guest.kernelFiles(kernelDir, progress);
		List<String> roots = new ArrayList<>();
		for (String r : under) {
			String t = r.strip();
			while (t.length() > 1 && t.endsWith("/")) t = t.substring(0, t.length() - 1);
			if (!t.isEmpty()) roots.add(t);
		}
		return new LiveWatch(guest, kf, disk, replayJournal, roots, System.nanoTime() - t0);
	}

	/** How long finding the kernel took (the guest ran meanwhile). */
	public long kernelNanos() {
		return kernelNanos;
	}

	/** The guest paths watched (empty before the first refresh when they were left to it). */
	public List<String> roots() {
		return List.copyOf(roots);
	}

	public LiveGuest guest() {
		return guest;
	}

	public Path disk() {
		return disk;
	}

	/** Refreshes done so far. */
	public long count() {
		return count;
	}

	/** Pauses the guest for one refresh (resumed whatever happens) and lists the changes since the last one. */
	public Step refresh(Progress progress) throws IOException {
		Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
		LiveMerge.Refresh r = LiveMerge.refresh(guest, kernel, disk, replayJournal, LiveMerge.listing(View.MERGED, true), last, progress);
		last = r;
		try {
			MergedFileSystem m = r.fs();
			if (roots.isEmpty()) roots.addAll(defaultRoots(m));
			Map<String, LiveChanges.State> now = LiveChanges.states(m, roots);
			List<LiveChanges.Change> changes = LiveChanges.since(before, now, m);
			before = now;
			return new Step(++count, at, r, changes);
		} catch (IOException | RuntimeException e) {
			r.fs().close();
			throw e;
		}
	}

	/** Where the disk is mounted in the guest, and every tmpfs mount: the paths watched unless told otherwise. */
	public static List<String> defaultRoots(MergedFileSystem m) {
		List<String> roots = new ArrayList<>();
		for (MergedFileSystem.DiskMatch d : m.disks()) if (d.mount() != null && !roots.contains(d.mount().path())) roots.add(d.mount().path());
		for (Mount mt : m.analysis().mounts()) if ("tmpfs".equals(mt.fsType()) && !roots.contains(mt.path())) roots.add(mt.path());
		return roots;
	}
}
