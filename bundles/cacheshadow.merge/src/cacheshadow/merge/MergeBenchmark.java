package cacheshadow.merge;

import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

import cacheshadow.ext4.Ext4File;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.layers.Progress;
import cacheshadow.listing.FileRecord;

/**
 * The seed's Figure 8, in process: hashing 4 MiB of one file (a) straight from the disk image through ext4, (b)
 * through the merged view (cached pages, else disk blocks), (c) through the merged view with the clean pages dropped
 * (every byte from the disk through journal replay and the block-device cache overlay). Files smaller than 4 MiB
 * are hashed in repeated passes up to 4 MiB. Median of 5 timed runs after 3 warm-ups; ratios to (a).
 *
 * <pre>java -cp ... cacheshadow.merge.MergeBenchmark MEMORY DISK [KERNEL_DIR] [PATH]</pre>
 */
public final class MergeBenchmark {
	static final long VOLUME = 4L << 20;
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
					+ "(c) merged view, clean pages dropped %.1f ms = %.2fx", VOLUME >> 20, path, fileSize, passes, diskNanos / 1e6, mergedNanos / 1e6,
					mergedRatio(), mergedFromDiskNanos / 1e6, mergedFromDiskRatio());
		}
	}

	private interface Reader {
		int read(long offset, byte[] buf, int off, int len) throws IOException;
	}

	private MergeBenchmark() {
	}

	/** Benchmarks {@code path} (null: the largest regular file both the disk and the merged view have). */
	public static Result run(MergedFileSystem m, String path) throws IOException {
		ViewTree disk = m.tree(View.DISK_ONLY), merged = m.tree(View.MERGED), dropped = m.mergedWithoutCleanPages();
		if (path == null) {
			long best = -1;
			for (FileRecord r : disk.listing(false)) {
				if (r.type().isRegular() && r.size() > best && merged.getattr(r.path()) != null && merged.getattr(r.path()).size() == r.size()) {
					best = r.size();
					path = r.path();
				}
			}
			if (path == null) throw new IOException("no regular file on the disk to benchmark");
		}
		FileRecord r = disk.getattr(path);
		if (r == null || !r.type().isRegular()) throw new java.nio.file.NoSuchFileException(path, null, "not a regular file on the disk");
		// (a) ext4 straight on the image: the disk-only view's own reader
		Ext4FileSystem fs = m.disks().get(0).diskOnly();
		Ext4File direct = fs.open(fs.inode(r.inode()));
		FileContent viaMerge = merged.content(path), viaDisk = dropped.content(path);
		int passes = (int) Math.max(1, (VOLUME + r.size() - 1) / Math.max(1, r.size()));
		String a = hash(direct::read, r.size(), passes), b = hash(viaMerge::read, viaMerge.size(), passes), c = hash(viaDisk::read, viaDisk.size(), passes);
		if (!a.equals(b) && viaMerge.size() == r.size() && m.status(path).kind() == PathStatus.Kind.SAME) {
			throw new IOException(path + ": the merged view hashes differently from the disk although the status is same");
		}
		long[] ta = new long[RUNS], tb = new long[RUNS], tc = new long[RUNS];
		for (int i = 0; i < WARMUP + RUNS; i++) {
			long t0 = System.nanoTime();
			hash(direct::read, r.size(), passes);
			long t1 = System.nanoTime();
			hash(viaMerge::read, viaMerge.size(), passes);
			long t2 = System.nanoTime();
			hash(viaDisk::read, viaDisk.size(), passes);
			long t3 = System.nanoTime();
			if (i >= WARMUP) {
				ta[i - WARMUP] = t1 - t0;
				tb[i - WARMUP] = t2 - t1;
				tc[i - WARMUP] = t3 - t2;
			}
		}
		return new Result(path, r.size(), passes, median(ta), median(tb), median(tc));
	}

	private static long median(long[] t) {
		long[] s = t.clone();
		Arrays.sort(s);
		return s[s.length / 2];
	}

	private static String hash(Reader reader, long size, int passes) throws IOException {
		MessageDigest md;
		try {
			md = MessageDigest.getInstance("SHA-256");
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
		byte[] buf = new byte[BUFFER];
		for (int p = 0; p < passes; p++) {
			long pos = 0;
			while (pos < size) {
				int k = reader.read(pos, buf, 0, (int) Math.min(buf.length, size - pos));
				if (k <= 0) break;
				md.update(buf, 0, k);
				pos += k;
			}
		}
		return java.util.HexFormat.of().formatHex(md.digest());
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
