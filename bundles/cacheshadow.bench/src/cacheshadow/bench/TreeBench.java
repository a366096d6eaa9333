package cacheshadow.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import cacheshadow.layers.Progress;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.GuestPath;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.PathStatus;
import cacheshadow.merge.StatusIndex;
import cacheshadow.merge.TreeFilter;
import cacheshadow.merge.View;
import cacheshadow.merge.ViewTree;

/**
 * {@code bench tree}: the core part of opening the workbench's File System view once an analysis is done, on a
 * snapshot with many cached files (e.g. {@code make-evidence.sh --workload files:100000 --ram 1024}). The goal is
 * the tree on screen within a second of the analysis.
 *
 * <ul>
 * <li><b>open</b>: the statuses indexed for the merged view ({@link StatusIndex}: by path, counts per status) and the
 * first rows the view shows: the root, its names, and the directories down to each disk's mount point opened, each
 * row with its metadata, status and provenance summary;</li>
 * <li><b>filter</b>: the cache-only filter over the whole tree ({@link TreeFilter});</li>
 * <li><b>baseline</b>, in the same run: a plain {@code HashMap} of every path's status, the least any tree that shows
 * statuses must build.</li>
 * </ul>
 * The analysis and the first {@link MergedFileSystem#statuses()} (which hashes every file) are timed once and
 * printed, not part of the ratios: the analysis job does them before the view opens. Median of {@value #RUNS} runs
 * after {@value #WARMUP} warm-ups, the three taking turns.
 *
 * <pre>java -cp ... cacheshadow.bench.TreeBench MEMORY DISK [KERNEL_DIR]</pre>
 */
public final class TreeBench {
	static final int WARMUP = 3, RUNS = 7;

	/** Median nanoseconds of each part, and what was measured. */
	public record Result(int paths, int cacheOnly, int rows, long analysisNanos, long statusesNanos, long openNanos, long filterNanos,
			long baselineNanos) {
		public double openRatio() {
			return (double) openNanos / baselineNanos;
		}

		public double filterRatio() {
			return (double) filterNanos / baselineNanos;
		}

		@Override
		public String toString() {
			return String.format("tree of %,d paths (%,d cache-only): analysis %.0f ms, statuses (hashing every file) %.0f ms; then "
					+ "open (status index + %d first rows) %.1f ms = %.2fx, cache-only filter %.1f ms = %.2fx, baseline (a HashMap of every path's status) %.1f ms; "
					+ "goal: the tree on screen within 1000 ms of the analysis", paths, cacheOnly, analysisNanos / 1e6, statusesNanos / 1e6, rows, openNanos / 1e6,
					openRatio(), filterNanos / 1e6, filterRatio(), baselineNanos / 1e6);
		}
	}

	private TreeBench() {
	}

	public static void main(String[] args) throws IOException {
		if (args.length < 2 || args.length > 3) {
			System.err.println("usage: bench tree MEMORY DISK [KERNEL_DIR]");
			System.exit(2);
		}
		System.out.println(run(Path.of(args[0]), Path.of(args[1]), args.length > 2 ? Path.of(args[2]) : null, System.out));
	}

	/** Opens the evidence (timed), then measures. */
	public static Result run(Path memory, Path disk, Path kernelDir, PrintStream log) throws IOException {
		long t0 = System.nanoTime();
		try (MergedFileSystem m = MergedFileSystem.open(memory, disk, kernelDir, true, Progress.NONE)) {
			long analysis = System.nanoTime() - t0;
			if (log != null) log.printf("analysis: %.0f ms%n", analysis / 1e6);
			return run(m, analysis);
		}
	}

	/** Measures on an analysis already made ({@code analysisNanos}: how long it took, for the print). */
	public static Result run(MergedFileSystem m, long analysisNanos) throws IOException {
		long t0 = System.nanoTime();
		List<PathStatus> statuses = m.statuses();
		long statusesNanos = System.nanoTime() - t0;
		ViewTree merged = m.tree(View.MERGED);
		long[] open = new long[RUNS], filter = new long[RUNS], base = new long[RUNS];
		int rows = 0, cacheOnly = 0;
		long sink = 0;
		for (int i = 0; i < WARMUP + RUNS; i++) {
			long a = System.nanoTime();
			StatusIndex index = StatusIndex.of(merged, statuses);
			rows = firstRows(m, merged, index);
			long b = System.nanoTime();
			TreeFilter.Result f = index.filter(EnumSet.of(PathStatus.Kind.CACHE_ONLY), null);
			long c = System.nanoTime();
			Map<String, PathStatus> plain = new HashMap<>();
			for (PathStatus s : statuses) plain.put(s.path(), s);
			long d = System.nanoTime();
			cacheOnly = f.matches();
			sink += plain.size();
			if (i >= WARMUP) {
				open[i - WARMUP] = b - a;
				filter[i - WARMUP] = c - b;
				base[i - WARMUP] = d - c;
			}
		}
		if (sink == 0 && !statuses.isEmpty()) throw new IllegalStateException("nothing indexed");
		return new Result(merged.paths().size(), cacheOnly, rows, analysisNanos, statusesNanos, median(open), median(filter), median(base));
	}

	/**
	 * What the view shows first: the root and its names, and each directory on the way to a disk's mount point with
	 * its names; for each row the metadata, the status and (for a regular file) where its bytes come from.
	 */
	static int firstRows(MergedFileSystem m, ViewTree t, StatusIndex index) {
		List<String> open = new ArrayList<>(List.of(t.root()));
		for (MergedFileSystem.DiskMatch d : m.disks()) {
			if (d.mount() == null || !d.mount().path().startsWith(t.root())) continue;
			String p = d.mount().path();
			while (!p.equals(t.root()) && !open.contains(p)) {
				open.add(p);
				p = GuestPath.parent(p);
			}
		}
		int rows = 1;
		row(t, index, t.root());
		for (String dir : open) {
			List<String> names = t.readdir(dir);
			if (names == null) continue;
			for (String n : names) {
				row(t, index, GuestPath.child(dir, n));
				rows++;
			}
		}
		return rows;
	}

	private static void row(ViewTree t, StatusIndex index, String path) {
		FileRecord r = t.getattr(path);
		PathStatus s = index.status(path);
		if (r == null || s == null && r.inode() < 0) throw new IllegalStateException(path);
		if (r.type().isRegular()) t.provenance(path);
	}

	private static long median(long[] v) {
		long[] s = v.clone();
		Arrays.sort(s);
		return s[s.length / 2];
	}
}
