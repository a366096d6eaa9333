package cacheshadow.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import cacheshadow.layers.Progress;
import cacheshadow.merge.LiveMerge;
import cacheshadow.merge.View;
import cacheshadow.pagecache.LiveGuest;

/**
 * {@code bench live}: refreshes of a running guest as {@code watch} and {@code mount --live} do them ({@link LiveMerge}:
 * walked while the guest runs, checked in a short pause, hashes reused from the refresh before where nothing changed)
 * against the baseline of the same run, the refresh done wholly while paused with nothing reused (as before the
 * check): per round one of each, back to back, so both see the same load. Pause and whole refresh (with the merged
 * view's hashes and the statuses, as {@code watch} needs them) per round, medians, worst, and the paired ratios. The
 * goals: paused at most 50 ms, the whole refresh at most 1 s (a 1 GiB guest with 10,000 cached files).
 */
public final class LiveBench {
	private LiveBench() {
	}

	private record Round(LiveMerge.Refresh checked, LiveMerge.Refresh baseline) {
	}

	public static void run(LiveGuest guest, Path kernelDir, Path disk, int rounds, PrintStream out) throws IOException {
		out.printf("guest %s: %d MiB of RAM, disk %s; load average %s%n", guest.ramFile(), Files.size(guest.ramFile()) >> 20, disk, loadAverage());
		long k0 = System.nanoTime();
		LiveGuest.KernelFiles kernel = guest.kernelFiles(kernelDir, Progress.NONE);
		out.printf("kernel found while the guest ran: %.0f ms%n", (System.nanoTime() - k0) / 1e6);
		LiveMerge.Warm warm = LiveMerge.listing(View.MERGED, disk != null);
		LiveMerge.Refresh last = LiveMerge.refresh(guest, kernel, disk, true, warm, null, Progress.NONE);
		last.fs().close();
		out.println("first refresh (nothing to reuse; not counted): " + last.timings());
		List<Round> done = new ArrayList<>();
		for (int i = 1; i <= rounds; i++) {
			LiveMerge.Refresh c = LiveMerge.refresh(guest, kernel, disk, true, warm, last, Progress.NONE);
			c.fs().close();
			last = c;
			LiveMerge.Refresh b = LiveMerge.refreshWalkingPaused(guest, kernel, disk, true, warm, Progress.NONE);
			b.fs().close();
			done.add(new Round(c, b));
			out.printf("round %d: checked paused %.1f ms, refresh %.0f ms (%d pause%s, %d of %d hashes reused) | baseline paused %.1f ms, refresh %.0f ms | ratios %.3f, %.3f%n",
					i, c.pausedNanos() / 1e6, c.refreshNanos() / 1e6, c.pauses(), c.pauses() == 1 ? "" : "s", c.hashesReused(), c.hashesTotal(),
					b.pausedNanos() / 1e6, b.refreshNanos() / 1e6, (double) c.pausedNanos() / b.pausedNanos(), (double) c.refreshNanos() / b.refreshNanos());
		}
		out.println("last checked refresh: " + last.timings());
		out.println("last baseline refresh: " + done.get(done.size() - 1).baseline().timings());
		double[] cp = ms(done, r -> r.checked().pausedNanos()), cr = ms(done, r -> r.checked().refreshNanos());
		double[] bp = ms(done, r -> r.baseline().pausedNanos()), br = ms(done, r -> r.baseline().refreshNanos());
		double[] pr = new double[done.size()], rr = new double[done.size()];
		for (int i = 0; i < done.size(); i++) {
			pr[i] = (double) done.get(i).checked().pausedNanos() / done.get(i).baseline().pausedNanos();
			rr[i] = (double) done.get(i).checked().refreshNanos() / done.get(i).baseline().refreshNanos();
		}
		int retried = 0;
		for (Round r : done) if (r.checked().pauses() > 1) retried++;
		out.printf("checked:  paused median %.1f ms, best %.1f, worst %.1f; refresh median %.0f ms, best %.0f, worst %.0f; %d of %d refreshes checked again after a change%n",
				median(cp), min(cp), max(cp), median(cr), min(cr), max(cr), retried, done.size());
		out.printf("baseline: paused median %.1f ms, best %.1f, worst %.1f; refresh median %.0f ms, best %.0f, worst %.0f%n", median(bp), min(bp), max(bp),
				median(br), min(br), max(br));
		out.printf("paired ratios checked/baseline (median): paused %.3f, refresh %.3f%n", median(pr), median(rr));
		out.printf("goals: paused <= 50 ms: median %s, worst %s; refresh <= 1 s: median %s, worst %s; load average now %s%n", median(cp) <= 50 ? "met" : "NOT met",
				max(cp) <= 50 ? "met" : "NOT met", median(cr) <= 1000 ? "met" : "NOT met", max(cr) <= 1000 ? "met" : "NOT met", loadAverage());
	}

	private static double[] ms(List<Round> rounds, java.util.function.ToLongFunction<Round> f) {
		return rounds.stream().mapToDouble(r -> f.applyAsLong(r) / 1e6).toArray();
	}

	private static double median(double[] v) {
		double[] s = v.clone();
		Arrays.sort(s);
		return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
	}

	private static double min(double[] v) {
		return Arrays.stream(v).min().orElse(Double.NaN);
	}

	private static double max(double[] v) {
		return Arrays.stream(v).max().orElse(Double.NaN);
	}

	/** The host's 1, 5 and 15 minute load averages: how shared the cores were. */
	private static String loadAverage() {
		try {
			String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
			return f[0] + " " + f[1] + " " + f[2];
		} catch (IOException | RuntimeException e) {
			return "unknown";
		}
	}
}
