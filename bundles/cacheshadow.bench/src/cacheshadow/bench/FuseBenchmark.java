package cacheshadow.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import cacheshadow.caches.Mount;
import cacheshadow.ext4.Ext4File;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.fuse.Ext4Tree;
import cacheshadow.fuse.FuseMount;
import cacheshadow.fuse.MergeViewTree;
import cacheshadow.fuse.MountedTree;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;
import cacheshadow.listing.FileRecord;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.View;
import cacheshadow.merge.ViewTree;

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
 * <li>{@link #run(MergedFileSystem, String, Path, String, Path, int)}: the same, but (a) reads the file from another
 * image that holds the bytes the merged view serves, for a file the evidence's disk image lacks (one dirty in the
 * page cache only, the only way evidence has a 4 MiB file that the merged view serves); all three sides must then
 * hash alike in every round.
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
	 * image and through the view (in-process and mount agree, else the run fails); {@code disk} names (a)'s image.
	 */
	public record Result(HashWorkload workload, String disk, double diskSeconds, double mergedSeconds, double fuseSeconds, double handlerSeconds, double sha256sumSeconds,
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
			return String.format("hashing %d MiB of %s (%d bytes x %d pass%s, %d KiB reads): (a) %s %.2f ms, %s(c) FUSE mount%s %.2f ms = %.2fx (goal <= 1.50), "
					+ "of which the read handler %.2f ms; %.1f read requests per pass; sha256sum on the mount %.1f ms incl. process start", HashWorkload.VOLUME >> 20, w.path(), w.fileSize(), w.passes(),
					w.passes() == 1 ? "" : "es", w.buffer() >> 10, disk, diskSeconds * 1e3, b, Double.isNaN(mergedSeconds) ? " of the disk image" : " of the merged view",
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
			return measure(new Ext4Tree(fs), FILE, new HashWorkload(FILE, SIZE, 1, CHUNK), "disk image", imageFile(fs, FILE), null, true, work, rounds);
		}
	}

	/**
	 * Mounts the merged view of {@code m} in {@code work} (an empty scratch directory), measures {@code path} (null:
	 * the file {@link HashWorkload#of} picks), unmounts.
	 */
	public static Result run(MergedFileSystem m, String path, Path work, int rounds) throws IOException, InterruptedException {
		HashWorkload w = HashWorkload.of(m, path, CHUNK);
		Sized disk = new Sized(MergeBenchmark.diskImage(m, w.path()), m.tree(View.DISK_ONLY).getattr(w.path()).size());
		return measureMerged(m, w, "disk image", disk, false, work, rounds);
	}

	/**
	 * As {@link #run(MergedFileSystem, String, Path, int)}, but (a) hashes {@code baselinePath} (null: the guest
	 * path below the mount point of the evidence's disk) of {@code baselineImage}, an ext4 image holding the bytes
	 * the merged view serves for {@code path} (null: the merged view's largest file on that disk). Every round
	 * checks that (a), (b) and (c) hash alike.
	 */
	public static Result run(MergedFileSystem m, String path, Path baselineImage, String baselinePath, Path work, int rounds)
			throws IOException, InterruptedException {
		Mount diskMount = m.disks().isEmpty() ? null : m.disks().get(0).mount();
		if (diskMount == null) throw new IOException("the evidence's disk matches no mount of the guest");
		String under = diskMount.path().equals("/") ? "" : diskMount.path();
		ViewTree merged = m.tree(View.MERGED);
		HashWorkload w = HashWorkload.of(merged, path != null ? path : largestFile(merged, under), CHUNK);
		if (baselinePath == null) {
			if (!w.path().startsWith(under + "/")) throw new IOException(w.path() + " is not on the disk mounted at " + diskMount.path() + ": give the path on the baseline image");
			baselinePath = w.path().substring(under.length());
		}
		try (Layer image = Layers.openDisk(baselineImage); Ext4FileSystem fs = Ext4FileSystem.open(image, Ext4FileSystem.Options.REPLAYED)) {
			Sized disk = imageFile(fs, baselinePath);
			if (disk.size() != w.fileSize()) {
				throw new IOException(baselineImage + ":" + baselinePath + " has " + disk.size() + " bytes, the merged view's " + w.path() + " " + w.fileSize());
			}
			return measureMerged(m, w, "baseline image " + baselineImage.getFileName() + ":" + baselinePath, disk, true, work, rounds);
		}
	}

	/** (b) and (c) of the merged view, mounted as {@code ./cacheshadow mount} mounts it (guest namespace at the root). */
	private static Result measureMerged(MergedFileSystem m, HashWorkload w, String diskName, Sized disk, boolean sameFile, Path work, int rounds)
			throws IOException, InterruptedException {
		MergeViewTree tree = MergeViewTree.of(m, View.MERGED);
		String onMount = tree.tree().root().equals("/") ? w.path() : w.path().substring(tree.tree().root().length());
		return measure(tree, onMount, w, diskName, disk, MergeBenchmark.inProcess(m.tree(View.MERGED), w.path()), sameFile, work, rounds);
	}

	/** A source of (a) and the size every pass of it must read. */
	private record Sized(HashWorkload.Source source, long size) {
	}

	/** (a) from an ext4 image: the file's block map read once, as {@link MergeBenchmark#diskImage} does. */
	private static Sized imageFile(Ext4FileSystem fs, String path) throws IOException {
		Ext4File f = fs.open(fs.lookup(path));
		return new Sized(() -> HashWorkload.of(f::read), f.size());
	}

	/** The largest regular file of {@code view} below {@code under} (a guest mount point; "" for all). */
	private static String largestFile(ViewTree view, String under) throws IOException {
		FileRecord best = null;
		for (FileRecord r : view.listing(false)) {
			if (r.type().isRegular() && r.path().startsWith(under + "/") && (best == null || r.size() > best.size())) best = r;
		}
		if (best == null) throw new IOException("no regular file below " + under + "/ in the merged view");
		return best.path();
	}

	/**
	 * {@code sameFile}: (a)'s file holds the bytes the view serves, so its hash must match theirs in every round
	 * (else only (b) and (c) must agree: a stale disk image may legitimately differ).
	 */
	private static Result measure(MountedTree tree, String fileInTree, HashWorkload w, String diskName, Sized disk, HashWorkload.Source merged,
			boolean sameFile, Path work, int rounds) throws IOException, InterruptedException {
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
				hDisk = w.hash(disk.source(), disk.size());
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
				if (sameFile && !hDisk.equals(hView)) throw new IOException(w.path() + ": hashes differ: " + diskName + " " + hDisk + ", through the view " + hView);
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
			return new Result(w, diskName, a, b, c, handler, tool, (double) requests / ((WARMUP + rounds) * w.passes()), leastAsked, hDisk, hView);
		}
	}

	/** The command line: {@link #USAGE}. */
	public record Arguments(int rounds, List<String> evidence, Path baselineDisk, String baselinePath) {
		public static final String USAGE = "[--rounds N] [MEMORY DISK [KERNEL_DIR] [PATH] [--baseline-disk IMAGE [--baseline-path P]]]";

		/** Options anywhere among the positionals; IllegalArgumentException (with the usage) on anything else. */
		public static Arguments parse(String... args) {
			int rounds = 5;
			Path baseline = null;
			String baselinePath = null;
			List<String> evidence = new ArrayList<>();
			for (int i = 0; i < args.length; i++) {
				if (!args[i].startsWith("--")) {
					evidence.add(args[i]);
					continue;
				}
				String option = args[i];
				if (!List.of("--rounds", "--baseline-disk", "--baseline-path").contains(option)) throw new IllegalArgumentException("unknown option " + option + "; usage: " + USAGE);
				if (++i == args.length) throw new IllegalArgumentException(option + " needs a value; usage: " + USAGE);
				switch (option) {
				case "--rounds" -> rounds = Integer.parseInt(args[i]);
				case "--baseline-disk" -> baseline = Path.of(args[i]);
				default -> baselinePath = args[i];
				}
			}
			if (evidence.size() == 1 || evidence.size() > 4 || rounds < 1 || (baseline == null ? baselinePath != null : evidence.isEmpty())) {
				throw new IllegalArgumentException("usage: " + USAGE);
			}
			return new Arguments(rounds, List.copyOf(evidence), baseline, baselinePath);
		}
	}

	/**
	 * Without evidence the synthetic run, else the merged view of the evidence (with a baseline image: (a) from it);
	 * best of the rounds; scratch files in a temporary directory; prints the result's line.
	 */
	public static Result run(Arguments a, PrintStream out) throws IOException, InterruptedException {
		Path work = Files.createTempDirectory("cacheshadow-fuse-bench");
		try {
			Result r;
			List<String> ev = a.evidence();
			if (ev.isEmpty()) {
				r = run(work, a.rounds());
			} else {
				try (MergedFileSystem m = MergedFileSystem.open(Path.of(ev.get(0)), Path.of(ev.get(1)), ev.size() > 2 ? Path.of(ev.get(2)) : null, true, Progress.NONE)) {
					String path = ev.size() > 3 ? ev.get(3) : null;
					r = a.baselineDisk() == null ? run(m, path, work, a.rounds()) : run(m, path, a.baselineDisk(), a.baselinePath(), work, a.rounds());
				}
			}
			out.println(r.line());
			return r;
		} finally {
			try (var s = Files.walk(work)) {
				s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
			}
		}
	}

	/** {@code FuseBenchmark} {@link Arguments#USAGE}. */
	public static void main(String[] args) throws Exception {
		Arguments a;
		try {
			a = Arguments.parse(args);
		} catch (IllegalArgumentException e) {
			System.err.println("FuseBenchmark: " + e.getMessage());
			System.exit(2);
			return;
		}
		run(a, System.out);
	}
}
