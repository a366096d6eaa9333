package cacheshadow.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import cacheshadow.fuse.LiveMountTree;
import cacheshadow.fuse.MergeViewTree;
import cacheshadow.layers.Progress;
import cacheshadow.listing.Finding;
import cacheshadow.listing.GuestName;
import cacheshadow.merge.LiveChanges;
import cacheshadow.merge.LiveWatch;
import cacheshadow.merge.View;
import cacheshadow.pagecache.LiveGuest;

/**
 * {@code mount --live} with a refresh policy: the running guest followed by a {@link LiveWatch} (kernel found once,
 * each refresh pausing it briefly and resuming it whatever happens, the changes since the refresh before) and served
 * through a {@link LiveMountTree}, one generation per refresh. Each refresh prints its pause and refresh times and
 * what changed (under where the disk is mounted and every tmpfs) on stderr; one that fails, or is refused because
 * open files hold too many older refreshes, leaves the mount serving the refresh before and says why. One refresh at a
 * time: the interval and SIGHUP on a thread of their own, the directory-open policy on the request that opens it;
 * {@link #close} waits for a refresh under way. The guest stays attached (QMP, RAM mapping) while mounted.
 */
final class LiveMount implements AutoCloseable {
	/** What refreshes the mount: every {@code intervalMs} (0: never), on SIGHUP, when a directory is opened {@code onOpenMs} after the last refresh (0: never). */
	record Policy(long intervalMs, boolean onHup, long onOpenMs, int maxGenerations) {
		boolean any() {
			return intervalMs > 0 || onHup || onOpenMs > 0;
		}
	}

	/**
	 * Whether this process was started with SIGHUP ignored (under {@code nohup}, say). The JVM then installs no
	 * handler for it and {@code Signal.handle} still succeeds, so {@code --refresh-on-hup} would silently never refresh:
	 * proc(5)'s {@code SigIgn} mask of this process, bit 0 for signal 1.
	 */
	static boolean hupIgnored() {
		try {
			for (String l : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
				if (l.startsWith("SigIgn:")) return (Long.parseUnsignedLong(l.substring(7).trim(), 16) & 1) != 0;
			}
		} catch (java.io.IOException | NumberFormatException e) {
			// no procfs: nothing to tell, Signal.handle decides
		}
		return false;
	}

	private static final String STOP = "\0stop";
	private final LiveGuest guest;
	private final LiveWatch watch;
	private final View view;
	private final Policy policy;
	private final PrintStream err;
	private final Object refreshing = new Object(); // one refresh at a time
	private final LinkedBlockingQueue<String> requests = new LinkedBlockingQueue<>();
	private final Set<String> findingsShown = new HashSet<>();
	private final LiveMountTree tree;
	private long lastAttempt; // System.nanoTime() of the last refresh begun (done, failed or refused)
	private String lastRefusal;
	private boolean stopping;
	private Thread thread;
	private sun.misc.SignalHandler previousHup;
	private LiveWatch.Step first; // reported by start

	private LiveMount(LiveGuest guest, LiveWatch watch, View view, Policy policy, PrintStream err, LiveWatch.Step first) throws IOException {
		this.guest = guest;
		this.watch = watch;
		this.view = view;
		this.policy = policy;
		this.err = err;
		this.lastAttempt = System.nanoTime();
		this.tree = new LiveMountTree(MergeViewTree.of(first.refresh().fs(), view), first.refresh().fs(), policy.maxGenerations(),
				msg -> err.println("cacheshadow mount: " + msg));
		this.first = first;
	}

	/**
	 * Attaches to the guest, finds its kernel (not paused) and makes the first refresh, served at once; the policy
	 * starts with {@link #start}. Changes are told against {@code disk}, which is therefore required.
	 */
	static LiveMount open(AttachArgs live, Path disk, Path kernel, boolean replay, View view, Policy policy, PrintStream err, Progress progress)
			throws IOException, UsageException {
		if (disk == null) throw new UsageException("a refreshed mount tells each refresh's changes against the guest's disk: --disk D (with --live DIR: DIR/disk.img)");
		LiveGuest guest = live.attach();
		try {
			LiveWatch watch = LiveWatch.start(guest, kernel, disk, replay, List.of(), progress);
			LiveWatch.Step first = watch.refresh(progress);
			try {
				return new LiveMount(guest, watch, view, policy, err, first);
			} catch (IOException | RuntimeException e) {
				first.refresh().fs().close();
				throw e;
			}
		} catch (IOException | RuntimeException e) {
			guest.close();
			throw e;
		}
	}

	LiveMountTree tree() {
		return tree;
	}

	/**
	 * Prints the first refresh's line, then starts the policy: the SIGHUP handler (sun.misc.Signal, the JDK's only way;
	 * SIGHUP otherwise ends the JVM, which unmounts), the refresh thread (interval, SIGHUP) and the directory-open hook.
	 */
	void start() throws UsageException {
		report(first, "mount");
		first = null;
		if (policy.onHup()) {
			try {
				previousHup = sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> requests.offer("SIGHUP"));
			} catch (IllegalArgumentException e) {
				throw new UsageException("--refresh-on-hup: this JVM does not let SIGHUP be caught (" + e.getMessage() + ")");
			}
		}
		if (policy.onOpenMs() > 0) {
			tree.onDirectoryOpened(path -> refresh("open " + GuestName.printable(path), TimeUnit.MILLISECONDS.toNanos(policy.onOpenMs())));
		}
		if (policy.intervalMs() > 0 || policy.onHup()) {
			thread = new Thread(this::loop, "live mount refresh");
			thread.setDaemon(true);
			thread.start();
		}
	}

	private void loop() {
		long next = policy.intervalMs() > 0 ? System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(policy.intervalMs()) : Long.MAX_VALUE;
		while (true) {
			String reason;
			try {
				long wait = next - System.nanoTime();
				reason = next == Long.MAX_VALUE ? requests.take() : wait <= 0 ? requests.poll() : requests.poll(wait, TimeUnit.NANOSECONDS);
			} catch (InterruptedException e) {
				return;
			}
			if (reason == null) reason = "every " + seconds(policy.intervalMs());
			// signals that came while waiting or refreshing are answered by this one refresh
			List<String> more = new ArrayList<>();
			requests.drainTo(more);
			if (reason.equals(STOP) || more.contains(STOP)) return;
			if (policy.intervalMs() > 0) next = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(policy.intervalMs());
			refresh(reason, -1);
		}
	}

	/**
	 * A refresh for {@code reason}, unless one began less than {@code olderThanNanos} ago (-1: whatever its age) or
	 * the mount is stopping. Never throws: a failure is printed and the refresh before stays served.
	 */
	void refresh(String reason, long olderThanNanos) {
		synchronized (refreshing) {
			if (stopping) return;
			long t0 = System.nanoTime();
			if (olderThanNanos >= 0 && t0 - lastAttempt < olderThanNanos) return;
			lastAttempt = t0;
			String no = tree.refused();
			if (no != null) {
				if (!no.equals(lastRefusal)) err.println("cacheshadow mount: no refresh (" + reason + "), still serving refresh " + tree.currentNumber() + ": " + no);
				lastRefusal = no;
				return;
			}
			lastRefusal = null;
			try {
				LiveWatch.Step step = watch.refresh(Progress.NONE);
				try {
					tree.install(MergeViewTree.of(step.refresh().fs(), view), step.refresh().fs());
				} catch (RuntimeException e) {
					step.refresh().fs().close();
					throw e;
				}
				report(step, reason);
			} catch (Exception | OutOfMemoryError | StackOverflowError e) {
				String why = e.getMessage() == null ? e.toString() : e.getMessage();
				err.println("cacheshadow mount: refresh (" + reason + ") at " + now() + " failed, still serving refresh " + tree.currentNumber() + ": "
						+ GuestName.printable(why));
			}
		}
	}

	/**
	 * One line per refresh: number, cause, pause instant, timings, and what changed, briefly (counts per event and the
	 * first few paths; the first refresh: every difference from the disk); then findings not printed before.
	 */
	private void report(LiveWatch.Step step, String reason) {
		List<LiveChanges.Change> changes = step.changes();
		StringBuilder b = new StringBuilder("cacheshadow mount: refresh ").append(step.number()).append(" (").append(reason).append(") at ").append(step.pausedAt())
				.append(": ").append(step.refresh().timings()).append("; ");
		boolean first = step.number() == 1;
		if (changes.isEmpty()) {
			b.append(first ? "nothing differs from the disk" : "no changes");
		} else {
			Map<String, Integer> counts = new LinkedHashMap<>();
			for (LiveChanges.Change c : changes) counts.merge(c.event(), 1, Integer::sum);
			b.append(changes.size()).append(first ? (changes.size() == 1 ? " path differs from the disk: " : " paths differ from the disk: ")
					: (changes.size() == 1 ? " change: " : " changes: "));
			String sep = "";
			for (Map.Entry<String, Integer> e : counts.entrySet()) {
				b.append(sep).append(e.getValue()).append(' ').append(e.getKey());
				sep = ", ";
			}
			b.append(" (");
			int shown = 0;
			for (LiveChanges.Change c : changes) {
				if (shown == 5) {
					b.append("; ").append(changes.size() - shown).append(" more: watch lists every change");
					break;
				}
				b.append(shown++ == 0 ? "" : "; ").append(c.event()).append(' ').append(GuestName.printable(c.path()));
				if (c.detail() != null && !c.detail().isEmpty()) b.append(' ').append(GuestName.printable(c.detail()));
			}
			b.append(')');
		}
		err.println(b);
		for (Finding f : step.refresh().fs().findings()) if (findingsShown.add(f.toString())) err.println("cacheshadow mount: " + f);
	}

	/** No more refreshes; waits for one under way (which resumes the guest); puts back the SIGHUP handler. */
	void stop() {
		synchronized (refreshing) {
			stopping = true;
		}
		requests.offer(STOP);
		if (previousHup != null) {
			sun.misc.Signal.handle(new sun.misc.Signal("HUP"), previousHup);
			previousHup = null;
		}
	}

	/** Stops and closes every refresh still held. */
	@Override
	public void close() {
		stop();
		if (thread != null) {
			try {
				thread.join(TimeUnit.SECONDS.toMillis(30));
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		}
		tree.close();
		try {
			guest.close();
		} catch (IOException e) {
			err.println("cacheshadow mount: " + e.getMessage());
		}
	}

	private static String now() {
		return Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
	}

	private static String seconds(long ms) {
		return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
	}
}
