package cacheshadow.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

import cacheshadow.ext4.Ext4File;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;
import cacheshadow.merge.HashWorkload;
import cacheshadow.merge.MergeBenchmark;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.View;

/**
 * The seed's Figure 8 for the mount: the same {@link HashWorkload} (SHA-256, 128 KiB reads, whole-file passes up
 * to 4 MiB, a fresh open per pass) (a) straight from the disk image (ext4 read in-process), (b) through the merged
 * view in-process where there is one, and (c) through the read-only FUSE mount, each round in that order, best of
 * {@code rounds} after warm-up rounds, ratios to (a).
 * <ul>
 * <li>{@link #run(Path, int)}: a synthetic disk alone, made for the purpose ({@code mkfs.ext4 -d} over one 4 MiB
 * random file) and mounted as the disk-only tree.
 * <li>{@link #run(MergedFileSystem, String, Path, int)}: evidence, mounted as {@code ./cacheshadow mount} mounts
 * it (the merged view, guest namespace at the mount's root); (a) and (b) as {@link MergeBenchmark} reads them.
 * </ul>
 * (c) is a cold read every round: the mount opens files FOPEN_DIRECT_IO, so no page of an earlier pass is cached
 * in the kernel; each round checks that the handler was asked for every byte of every pass and fails otherwise.
 */
public final class FuseBenchmark {
	public static final String FILE = "/random-4MiB.bin";
	private static final int SIZE = 4 << 20, CHUNK = 128 << 10, WARMUP = 2;

	/**
	 * Seconds of each side (best of the rounds; {@code mergedSeconds} NaN without a merged view), of them the
	 * seconds the tree's read handler took in (c)'s best round, FUSE read requests per pass of (c), the fewest bytes the handler was asked for in a round, the file's hash from the disk
	 * image and through the view (in-process and mount agree, else the run fails).
	 */
	public record Result(HashWorkload workload, double diskSeconds, double mergedSeconds, double fuseSeconds, double handlerSeconds, double sha256sumSeconds,
			double requestsPerPass, long leastHandlerBytesPerRound, String diskSha256, String sha256) {
		public double ratio() {
			return fuseSeconds / diskSeconds;
		}

		public double mergedRatio() {
			return mergedSeconds / diskSeconds;
		}

		public String line() {
			HashWorkload w = workload;
			String b = Double.isNaN(mergedSeconds) ? "" : String.format("(b) merged view in-process %.2f ms = %.2fx (goal <= 1.10), ", mergedSeconds * 1e3, mergedRatio());
			return String.format("hashing %d MiB of %s (%d bytes x %d pass%s, %d KiB reads): (a) disk image %.2f ms, %s(c) FUSE mount%s %.2f ms = %.2fx (goal <= 1.50), "
					+ "of which the read handler %.2f ms; %.1f read requests per pass; sha256sum on the mount %.1f ms incl. process start", HashWorkload.VOLUME >> 20, w.path(), w.fileSize(), w.passes(),
					w.passes() == 1 ? "" : "es", w.buffer() >> 10, diskSeconds * 1e3, b, Double.isNaN(mergedSeconds) ? " of the disk image" : " of the merged view",
					fuseSeconds * 1e3, ratio(), handlerSeconds * 1e3, requestsPerPass, sha256sumSeconds * 1e3);
		}
	}

	private FuseBenchmark() {
	}

	/** Builds the synthetic image in {@code work} (an empty scratch directory), mounts it there, measures, unmounts. */
	public static Result run(Path work, int rounds) throws IOException, InterruptedException {
		Path src = Files.createDirectories(work.resolve("src"));
		byte[] data = new byte[SIZE];
		new SplittableRandom(8).nextBytes(data);
		Files.write(src.resolve(FILE.substring(1)), data);
		Path image = work.resolve("bench.img");
		Process mkfs = new ProcessBuilder("mkfs.ext4", "-q", "-F", "-b", "4096", "-d", src.toString(), image.toString(), "16M")
				.redirectErrorStream(true).start();
		String mkfsOut = new String(mkfs.getInputStream().readAllBytes());
		if (mkfs.waitFor() != 0) throw new IOException("mkfs.ext4 -d failed: " + mkfsOut.strip());
		try (Layer disk = Layers.openDisk(image); Ext4FileSystem fs = Ext4FileSystem.open(disk, Ext4FileSystem.Options.REPLAYED)) {
			Ext4Tree tree = new Ext4Tree(fs);
			Ext4File f = fs.open(tree.inodeOf(FILE)); // once, as MergeBenchmark.diskImage does
			HashWorkload.Source direct = () -> HashWorkload.of(f::read);
			return measure(tree, FILE, new HashWorkload(FILE, SIZE, 1, CHUNK), direct, SIZE, null, work, rounds);
		}
	}

	/**
	 * Mounts the merged view of {@code m} in {@code work} (an empty scratch directory), measures {@code path} (null:
	 * the file {@link HashWorkload#of} picks), unmounts.
	 */
	public static Result run(MergedFileSystem m, String path, Path work, int rounds) throws IOException, InterruptedException {
		HashWorkload w = HashWorkload.of(m, path, CHUNK);
		MergeViewTree tree = MergeViewTree.of(m, View.MERGED);
		String onMount = tree.tree().root().equals("/") ? w.path() : w.path().substring(tree.tree().root().length());
		return measure(tree, onMount, w, MergeBenchmark.diskImage(m, w.path()), m.tree(View.DISK_ONLY).getattr(w.path()).size(),
				MergeBenchmark.inProcess(m.tree(View.MERGED), w.path()), work, rounds);
	}

	private static Result measure(MountedTree tree, String fileInTree, HashWorkload w, HashWorkload.Source disk, long diskSize, HashWorkload.Source merged,
			Path work, int rounds) throws IOException, InterruptedException {
		Path mnt = Files.createDirectories(work.resolve("mnt"));
		try (FuseMount m = FuseMount.mount(tree, mnt, "bench", FuseMount.Options.DEFAULT, System.err::println)) {
			Path file = mnt.resolve(fileInTree.substring(1));
			HashWorkload.Source fuse = new HashWorkload.Source() {
				@Override
				public HashWorkload.Reader open() throws IOException {
					FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
					return new HashWorkload.Reader() {
						@Override
						public int read(long offset, ByteBuffer dst) throws IOException {
							return ch.read(dst, offset);
						}

						@Override
						public void close() throws IOException {
							ch.close();
						}
					};
				}

				@Override
				public boolean direct() {
					return true;
				}
			};
			long volume = (long) w.passes() * w.fileSize();
			double a = Double.MAX_VALUE, b = merged == null ? Double.NaN : Double.MAX_VALUE, c = Double.MAX_VALUE, handler = 0, tool = Double.MAX_VALUE;
			String hDisk = null, hView = null;
			long requests = 0, leastAsked = Long.MAX_VALUE;
			for (int r = 0; r < WARMUP + rounds; r++) { // warm-up rounds: the JIT, the evidence's and the image's page cache
				long t0 = System.nanoTime();
				hDisk = w.hash(disk, diskSize);
				long t1 = System.nanoTime();
				String hMerged = merged == null ? hDisk : w.hash(merged, w.fileSize());
				long t2 = System.nanoTime();
				long[] before = m.readStatistics();
				hView = w.hash(fuse, w.fileSize());
				long[] after = m.readStatistics();
				long t3 = System.nanoTime();
				long asked = after[1] - before[1];
				if (asked < volume) throw new IOException("round " + r + ": the kernel asked the handler for " + asked + " of " + volume + " bytes (the rest came from its page cache): not a cold read");
				leastAsked = Math.min(leastAsked, asked);
				requests += after[0] - before[0];
				if (!hView.equals(hMerged)) throw new IOException(w.path() + ": hashes differ: in-process " + hMerged + ", FUSE " + hView);
				Process p = new ProcessBuilder("sha256sum", file.toString()).redirectErrorStream(true).start();
				String out = new String(p.getInputStream().readAllBytes());
				if (p.waitFor() != 0 || !out.startsWith(hView)) throw new IOException("sha256sum on the mount: " + out.strip());
				long t4 = System.nanoTime();
				if (r < WARMUP) continue;
				a = Math.min(a, (t1 - t0) / 1e9);
				if (merged != null) b = Math.min(b, (t2 - t1) / 1e9);
				if ((t3 - t2) / 1e9 < c) {
					c = (t3 - t2) / 1e9;
					handler = (after[2] - before[2]) / 1e9;
				}
				tool = Math.min(tool, (t4 - t3) / 1e9);
			}
			return new Result(w, a, b, c, handler, tool, (double) requests / ((WARMUP + rounds) * w.passes()), leastAsked, hDisk, hView);
		}
	}

	/**
	 * {@code FuseBenchmark [--rounds N] [MEMORY DISK [KERNEL_DIR] [PATH]]}: the synthetic run without evidence, else
	 * the merged view of the evidence; best of N rounds (default 5); scratch files in a temporary directory.
	 */
	public static void main(String[] args) throws Exception {
		int rounds = 5, first = 0;
		if (args.length >= 2 && args[0].equals("--rounds")) {
			rounds = Integer.parseInt(args[1]);
			first = 2;
		}
		String[] ev = java.util.Arrays.copyOfRange(args, first, args.length);
		if (ev.length == 1 || ev.length > 4 || rounds < 1) {
			System.err.println("usage: FuseBenchmark [--rounds N] [MEMORY DISK [KERNEL_DIR] [PATH]]");
			System.exit(2);
		}
		Path work = Files.createTempDirectory("cacheshadow-fuse-bench");
		try {
			if (ev.length == 0) {
				System.out.println(run(work, rounds).line());
			} else {
				try (MergedFileSystem m = MergedFileSystem.open(Path.of(ev[0]), Path.of(ev[1]), ev.length > 2 ? Path.of(ev[2]) : null, true, Progress.NONE)) {
					System.out.println(run(m, ev.length > 3 ? ev[3] : null, work, rounds).line());
				}
			}
		} finally {
			try (var s = Files.walk(work)) {
				s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
			}
		}
	}
}
