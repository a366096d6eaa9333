package cacheshadow.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import cacheshadow.caches.Mount;
import cacheshadow.layers.Progress;
import cacheshadow.listing.GuestName;
import cacheshadow.listing.Json;
import cacheshadow.merge.LiveChanges;
import cacheshadow.merge.LiveMerge;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.View;
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
		long everyMs = duration(a.option("every", "10s"));
		long count = a.option("count") == null ? Long.MAX_VALUE : count(a.option("count"));
		boolean json = a.flag("json"), replay = !a.flag("no-journal-replay");
		List<String> under = new ArrayList<>();
		if (a.option("under") != null) {
			for (String r : a.option("under").split(",")) {
				String t = r.strip();
				while (t.length() > 1 && t.endsWith("/")) t = t.substring(0, t.length() - 1);
				if (!t.isEmpty()) under.add(t);
			}
		}
		Object lock = new Object();
		boolean[] stopping = { false };
		try (LiveGuest guest = live.attach()) {
			long k0 = System.nanoTime();
			LiveGuest.KernelFiles kf = guest.kernelFiles(kernel, Progress.NONE);
			err.printf("cacheshadow watch: kernel located in the running guest in %.0f ms (not paused)%n", (System.nanoTime() - k0) / 1e6);
			// Ctrl-C / SIGTERM: let a running refresh finish (it resumes the guest) before the JVM exits
			Thread hook = new Thread(() -> {
				synchronized (lock) {
					stopping[0] = true;
					err.println("cacheshadow watch: stopped; guest running");
				}
			}, "watch shutdown");
			Runtime.getRuntime().addShutdownHook(hook);
			try {
				Map<String, LiveChanges.State> before = new TreeMap<>();
				long next = System.currentTimeMillis();
				for (long n = 1; n <= count; n++) {
					long wait = next - System.currentTimeMillis();
					if (wait > 0) Thread.sleep(wait);
					next = System.currentTimeMillis() + everyMs;
					List<LiveChanges.Change> changes;
					LiveMerge.Refresh r;
					String time;
					synchronized (lock) {
						if (stopping[0]) break;
						time = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
						r = LiveMerge.refresh(guest, kf, disk, replay, LiveMerge.listing(View.MERGED, true), Progress.NONE);
						try (MergedFileSystem m = r.fs()) {
							if (under.isEmpty()) under.addAll(defaultRoots(m));
							Map<String, LiveChanges.State> now = LiveChanges.states(m, under);
							changes = LiveChanges.since(before, now, m);
							before = now;
						}
					}
					for (LiveChanges.Change c : changes) out.println(line(n, time, c, json));
					out.flush();
					err.printf("cacheshadow watch: refresh %d at %s: %d change%s; %s%n", n, time, changes.size(), changes.size() == 1 ? "" : "s", r.timings());
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

	/** Where the disk is mounted in the guest, and every tmpfs mount. */
	static List<String> defaultRoots(MergedFileSystem m) {
		List<String> roots = new ArrayList<>();
		for (MergedFileSystem.DiskMatch d : m.disks()) if (d.mount() != null && !roots.contains(d.mount().path())) roots.add(d.mount().path());
		for (Mount mt : m.analysis().mounts()) if ("tmpfs".equals(mt.fsType()) && !roots.contains(mt.path())) roots.add(mt.path());
		return roots;
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

	static long duration(String s) throws UsageException {
		String t = s.strip().toLowerCase();
		long mult = 1000;
		if (t.endsWith("ms")) {
			mult = 1;
			t = t.substring(0, t.length() - 2);
		} else if (t.endsWith("s")) {
			t = t.substring(0, t.length() - 1);
		} else if (t.endsWith("m")) {
			mult = 60_000;
			t = t.substring(0, t.length() - 1);
		}
		try {
			double v = Double.parseDouble(t);
			if (!(v >= 0) || v * mult > 86_400_000L * 365) throw new NumberFormatException();
			return (long) (v * mult);
		} catch (NumberFormatException e) {
			throw new UsageException("--every " + s + ": a duration such as 10s, 500ms or 2m");
		}
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
