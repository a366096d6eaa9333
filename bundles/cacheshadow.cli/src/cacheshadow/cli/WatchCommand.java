package cacheshadow.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import cacheshadow.layers.Progress;
import cacheshadow.listing.GuestName;
import cacheshadow.listing.Json;
import cacheshadow.merge.LiveChanges;
import cacheshadow.merge.LiveWatch;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.pagecache.LiveGuest;

/**
 * {@code watch}: refreshes a running guest every few seconds and prints, per refresh, one line per change of its
 * file system against the disk and against the refresh before ({@link LiveChanges}), for an alerting system.
 */
final class WatchCommand implements Command {
	@Override
	public String name() {
		return "watch";
	}

	@Override
	public String summary() {
		return "a running guest, refreshed every N seconds: one line per file that now differs from its disk";
	}

	@Override
	public String usage() {
		return """
				usage: ./cacheshadow watch (--live DIR | --ram FILE --qmp SOCKET --disk D) [--kernel DIR] [--every 10s]
				                           [--count N] [--under P[,P...]] [--no-journal-replay] [--json]
				""" + AttachArgs.USAGE + """

				  --disk D          the guest's disk image (default with --live: DIR/disk.img)
				  --kernel DIR      vmlinux.btf, System.map (default with --live: DIR/kernel; else from memory)
				  --every T         time between the starts of two refreshes: 10s (default), 500ms, 2m, or seconds
				  --count N         stop after N refreshes (default: until Ctrl-C or SIGTERM, which let a running
				                    refresh finish and resume the guest first)
				  --under P,...     only these guest paths and what is below them (default: where the disk is
				                    mounted in the guest and every tmpfs mount)
				  --json            each change as one JSON object per line instead of tab-separated

				Output (stdout), one line per change, nothing for a path that did not change since the last
				refresh (the first refresh compares against nothing, so it lists every difference from the disk):
				  REFRESH<TAB>TIME<TAB>EVENT<TAB>PATH<TAB>DETAIL
				REFRESH counts from 1; TIME is the UTC instant the guest was paused (ISO-8601, ms); PATH is the guest
				path with names the guest chose escaped (\\\\, \\xNN) so it holds no tab, newline or control character;
				DETAIL is - when empty. EVENT is one of
				  cache-only  in the guest's caches, not on the disk (new; DETAIL renamed-from=P when moved here)
				  tmpfs       a file or directory on a tmpfs mount (never on any disk)
				  differs     cached and on the disk, different; DETAIL: the differing columns (data, size, mode,
				              owner, nlink, inode, times, target, type), as analyze's status column
				  deleted     on the disk, gone from the guest's caches (DETAIL renamed-to=P when moved)
				  changed     in the same state as at the last refresh, but its cached data or metadata changed;
				              DETAIL: the columns (a moved atime alone is no change)
				  clean       reported before, now as on the disk again (e.g. written back)
				  gone        reported before as cache-only or tmpfs, now neither in the caches nor on the disk
				With --json: {"refresh":N,"time":"...","event":"...","path":"...","detail":"..."|null}.
				On stderr, per refresh: its number, the number of changes, and how long the guest was paused
				and the whole refresh took. Exit status: 0 after --count refreshes or Ctrl-C, 2 bad usage or a
				guest that cannot be attached or read (one line), 3 an internal error.""";
	}

	@Override
	public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
		Set<String> options = new HashSet<>(AttachArgs.OPTIONS);
		options.addAll(Set.of("disk", "kernel", "every", "count", "under"));
		Args a = new Args(argv, options, Set.of("json", "no-journal-replay"));
		if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument " + a.positionals().get(0));
		AttachArgs live = new AttachArgs(a, null, false);
		if (!live.live()) throw new UsageException("a running guest is required: --live DIR, or --ram FILE --qmp SOCKET");
		Path disk = live.disk(a.path("disk"));
		if (disk == null) throw new UsageException("--disk D is required (the guest's disk image, to compare against)");
		Path kernel = live.kernel(a.path("kernel"));
		long everyMs = a.duration("every", 10_000);
		long count = a.option("count") == null ? Long.MAX_VALUE : count(a.option("count"));
		boolean json = a.flag("json"), replay = !a.flag("no-journal-replay");
		List<String> under = a.option("under") == null ? List.of() : List.of(a.option("under").split(","));
		Object lock = new Object();
		boolean[] stopping = { false };
		try (LiveGuest guest = live.attach()) {
			LiveWatch w = LiveWatch.start(guest, kernel, disk, replay, under, Progress.NONE);
			err.printf("cacheshadow watch: kernel located in the running guest in %.0f ms (not paused)%n", w.kernelNanos() / 1e6);
			// Ctrl-C / SIGTERM: let a running refresh finish (it resumes the guest) before the JVM exits
			Thread hook = new Thread(() -> {
				synchronized (lock) {
					stopping[0] = true;
					err.println("cacheshadow watch: stopped; guest running");
				}
			}, "watch shutdown");
			Runtime.getRuntime().addShutdownHook(hook);
			try {
				long next = System.currentTimeMillis();
				for (long n = 1; n <= count; n++) {
					long wait = next - System.currentTimeMillis();
					if (wait > 0) Thread.sleep(wait);
					next = System.currentTimeMillis() + everyMs;
					LiveWatch.Step step;
					synchronized (lock) {
						if (stopping[0]) break;
						step = w.refresh(Progress.NONE);
						step.refresh().fs().close();
					}
					String time = step.pausedAt().toString();
					for (LiveChanges.Change c : step.changes()) out.println(line(step.number(), time, c, json));
					out.flush();
					err.println("cacheshadow watch: " + step.summary());
				}
			} finally {
				try {
					Runtime.getRuntime().removeShutdownHook(hook);
				} catch (IllegalStateException shuttingDown) {
					// the hook runs
				}
			}
		}
		return 0;
	}

	/** Where the disk is mounted in the guest, and every tmpfs mount ({@link LiveWatch#defaultRoots}). */
	static List<String> defaultRoots(MergedFileSystem m) {
		return LiveWatch.defaultRoots(m);
	}

	static String line(long n, String time, LiveChanges.Change c, boolean json) {
		String path = printable(c.path());
		String detail = c.detail() == null || c.detail().isEmpty() ? null : printable(c.detail());
		if (json) {
			return "{\"refresh\":" + n + ",\"time\":" + Json.quote(time) + ",\"event\":" + Json.quote(c.event()) + ",\"path\":" + Json.quote(path)
					+ ",\"detail\":" + (detail == null ? "null" : Json.quote(detail)) + "}";
		}
		return n + "\t" + time + "\t" + c.event() + "\t" + path + "\t" + (detail == null ? "-" : detail);
	}

	/**
	 * Paths of the model are already in the text form of guest names ({@link GuestName}); this keeps that promise for
	 * the line format whatever the model holds: anything not printable is written as {@code \xNN}.
	 */
	static String printable(String s) {
		return GuestName.printable(s);
	}

	static long count(String s) throws UsageException {
		try {
			long n = Long.parseLong(s.strip());
			if (n < 1) throw new NumberFormatException();
			return n;
		} catch (NumberFormatException e) {
			throw new UsageException("--count " + s + ": a whole number of refreshes, at least 1");
		}
	}
}
