package cacheshadow.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

import cacheshadow.ext4.Ext4File;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.layers.Progress;
import cacheshadow.merge.FileContent;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.PathStatus;
import cacheshadow.merge.View;
import cacheshadow.merge.ViewTree;

/**
 * The seed's Figure 8, in process: hashing 4 MiB of one file (a) straight from the disk image through ext4, (b)
 * through the merged view (cached pages, else disk blocks), (c) through the merged view with the clean pages dropped
 * (every byte from the disk through journal replay and the block-device cache overlay). Files smaller than 4 MiB
 * are hashed in repeated passes up to 4 MiB ({@link HashWorkload}, 1 MiB reads). Median of 5 timed runs after 3
 * warm-ups; ratios to (a).
 *
 * <pre>java -cp ... cacheshadow.bench.MergeBenchmark MEMORY DISK [KERNEL_DIR] [PATH]</pre>
 */
public final class MergeBenchmark {
	private static final int WARMUP = 3, RUNS = 5, BUFFER = 1 << 20;

	/** Median nanoseconds of each way, and what was hashed. */
	public record Result(String path, long fileSize, int passes, long diskNanos, long mergedNanos, long mergedFromDiskNanos) {
		public double mergedRatio() {
			return (double) mergedNanos / diskNanos;
		}

		public double mergedFromDiskRatio() {
			return (double) mergedFromDiskNanos / diskNanos;
		}

		@Override
		public String toString() {
			return String.format("hashing %d MiB of %s (%d bytes x %d passes): (a) disk image %.1f ms, (b) merged view %.1f ms = %.2fx, "
					+ "(c) merged view, clean pages dropped %.1f ms = %.2fx", HashWorkload.VOLUME >> 20, path, fileSize, passes, diskNanos / 1e6,
					mergedNanos / 1e6, mergedRatio(), mergedFromDiskNanos / 1e6, mergedFromDiskRatio());
		}
	}

	private MergeBenchmark() {
	}

	/** Benchmarks {@code path} (null: the largest regular file both the disk and the merged view have). */
	public static Result run(MergedFileSystem m, String path) throws IOException {
		HashWorkload w = HashWorkload.of(m, path, BUFFER);
		ViewTree merged = m.tree(View.MERGED), dropped = m.mergedWithoutCleanPages();
		HashWorkload.Source direct = diskImage(m, w.path());
		HashWorkload.Source viaMerge = inProcess(merged, w.path()), viaDisk = inProcess(dropped, w.path());
		long diskSize = m.tree(View.DISK_ONLY).getattr(w.path()).size();
		String a = w.hash(direct, diskSize), b = w.hash(viaMerge, w.fileSize());
		w.hash(viaDisk, dropped.content(w.path()).size());
		if (!a.equals(b) && diskSize == w.fileSize() && m.status(w.path()).kind() == PathStatus.Kind.SAME) {
			throw new IOException(w.path() + ": the merged view hashes differently from the disk although the status is same");
		}
		long[] ta = new long[RUNS], tb = new long[RUNS], tc = new long[RUNS];
		for (int i = 0; i < WARMUP + RUNS; i++) {
			long t0 = System.nanoTime();
			w.hash(direct, diskSize);
			long t1 = System.nanoTime();
			w.hash(viaMerge, w.fileSize());
			long t2 = System.nanoTime();
			w.hash(viaDisk, dropped.content(w.path()).size());
			long t3 = System.nanoTime();
			if (i >= WARMUP) {
				ta[i - WARMUP] = t1 - t0;
				tb[i - WARMUP] = t2 - t1;
				tc[i - WARMUP] = t3 - t2;
			}
		}
		return new Result(w.path(), w.fileSize(), w.passes(), median(ta), median(tb), median(tc));
	}

	/**
	 * (a) of Figure 8: ext4 straight on the image (the disk-only view's file system). The file's block map is read
	 * once, as the views hold theirs ready: an open then costs (a) no more than (b) or the mount, so the baseline
	 * is not slowed by re-parsing the inode each pass.
	 */
	public static HashWorkload.Source diskImage(MergedFileSystem m, String path) throws IOException {
		Ext4FileSystem fs = m.disks().get(0).diskOnly();
		Ext4File f = fs.open(fs.inode(m.tree(View.DISK_ONLY).getattr(path).inode()));
		return () -> HashWorkload.of(f::read);
	}

	/** (b) of Figure 8: the view's content of the path, looked up per pass. */
	public static HashWorkload.Source inProcess(ViewTree view, String path) {
		return () -> {
			FileContent c = view.content(path);
			return HashWorkload.of(c::read);
		};
	}

	private static long median(long[] t) {
		long[] s = t.clone();
		Arrays.sort(s);
		return s[s.length / 2];
	}

	public static void main(String[] args) throws Exception {
		if (args.length < 2) {
			System.err.println("usage: MergeBenchmark MEMORY DISK [KERNEL_DIR] [PATH]");
			System.exit(2);
		}
		try (MergedFileSystem m = MergedFileSystem.open(Path.of(args[0]), Path.of(args[1]), args.length > 2 ? Path.of(args[2]) : null, true, Progress.NONE)) {
			System.out.println(run(m, args.length > 3 ? args[3] : null));
		}
	}
}
