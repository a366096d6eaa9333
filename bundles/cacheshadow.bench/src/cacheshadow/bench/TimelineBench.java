package cacheshadow.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import cacheshadow.ext4.BlockRun;
import cacheshadow.ext4.DirectoryEntry;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.ext4.Ext4Inode;
import cacheshadow.journal.DiskHistory;
import cacheshadow.journal.DmLogWritesWriter;
import cacheshadow.journal.ResolvedInstant;
import cacheshadow.layers.LittleEndian;
import cacheshadow.layers.Progress;
import cacheshadow.layers.RawFileLayer;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.GuestPath;
import cacheshadow.merge.InstantScrub;
import cacheshadow.merge.InstantTree;
import cacheshadow.merge.ViewTree;

/**
 * {@code bench timeline}: the timeline slider's scrub ({@link InstantScrub}: resolve the instant, open ext4 at it,
 * compare with the end of the journal, read the rows a fresh tree shows) at many instants spread over the journal,
 * p50/p99/max, against a baseline measured in the same run, scrub and baseline taking turns: the same rows read by
 * ext4 from a plain image of the disk at the end (no write journal: open ext4 with jbd2 replay, read the root
 * directory, read each entry's inode). Two cases: (1) a sample set's own journal; (2) that journal followed by a
 * million generated 4 KiB writes of random bytes, each to a block free in the final file system or to a data block
 * of one of its regular files (so ext4 stays valid at every instant), written under a temporary directory and
 * deleted afterwards. The reference tree (the end) is opened once and kept, as the workbench keeps it.
 */
public final class TimelineBench {
	public static final double GOAL_SAMPLE_MS = 100, GOAL_GENERATED_MS = 300;

	public record Options(Path set, String mountPrefix, int writes, int scrubs, Path dir, long seed) {
		public static Options defaults(Path set) {
			return new Options(set, "/mnt/disk", 1_000_000, 1000, null, 42);
		}
	}

	private TimelineBench() {
	}

	public static void main(String[] args) throws Exception {
		run(parse(args), System.out);
	}

	/** {@code SET_DIR [--mount-prefix P] [--writes N] [--scrubs N] [--dir DIR]}. */
	public static Options parse(String[] args) {
		Path set = null;
		String prefix = "/mnt/disk";
		int writes = 1_000_000, scrubs = 1000;
		Path dir = null;
		for (int i = 0; i < args.length; i++) {
			String a = args[i];
			if (a.startsWith("--") && i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value");
			switch (a) {
			case "--mount-prefix" -> prefix = args[++i];
			case "--writes" -> writes = Integer.parseInt(args[++i]);
			case "--scrubs" -> scrubs = Integer.parseInt(args[++i]);
			case "--dir" -> dir = Path.of(args[++i]);
			default -> {
				if (a.startsWith("--") || set != null) throw new IllegalArgumentException("unexpected argument " + a);
				set = Path.of(a);
			}
			}
		}
		if (set == null) throw new IllegalArgumentException("give the sample set's directory (disk.base.img, writes.log, timeline.tsv)");
		if (writes < 0 || scrubs < 10) throw new IllegalArgumentException("--writes >= 0, --scrubs >= 10");
		return new Options(set, prefix, writes, scrubs, dir, 42);
	}

	public static void run(Options o, PrintStream out) throws IOException {
		Path base = o.set().resolve("disk.base.img"), log = o.set().resolve("writes.log"), tl = o.set().resolve("timeline.tsv");
		for (Path p : List.of(base, log)) if (!Files.isRegularFile(p)) throw new IOException(p + ": missing (a sample set holds disk.base.img, writes.log, timeline.tsv)");
		Path dir = o.dir() != null ? Files.createDirectories(o.dir()) : Files.createTempDirectory("cacheshadow-timeline-bench");
		try {
			out.printf(Locale.ROOT, "bench timeline: %s, mount prefix %s, %d scrubs per case (after %d warm-up), in %s%n", o.set(), o.mountPrefix(), o.scrubs(),
					warmups(o), dir);
			try (DiskHistory h = DiskHistory.open(base, log, Files.isRegularFile(tl) ? tl : null, null, Progress.NONE)) {
				measure("(1) sample journal", h, o, dir, GOAL_SAMPLE_MS, out);
			}
			if (o.writes() > 0) {
				Path big = dir.resolve("writes.log");
				long t = System.nanoTime();
				long added = generate(base, log, o, big);
				out.printf(Locale.ROOT, "    generated %s: the sample's entries + %d writes of 4 KiB (+ a flush every 64): %d MiB in %.1f s%n", big.getFileName(),
						added, Files.size(big) >> 20, sec(t));
				t = System.nanoTime();
				try (DiskHistory h = DiskHistory.open(base, big, null, null, Progress.NONE)) {
					out.printf(Locale.ROOT, "    imported: %d entries, %d block versions in %.1f s%n", h.journal().entryCount(), h.index().store().versionCount(), sec(t));
					measure("(2) generated journal", h, o, dir, GOAL_GENERATED_MS, out);
				}
			}
		} finally {
			if (o.dir() == null) {
				try (Stream<Path> s = Files.walk(dir)) {
					for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
				}
			}
		}
	}

	private static int warmups(Options o) {
		return Math.max(20, o.scrubs() / 5);
	}

	/** Scrubs at instants spread over the journal (random order), each followed by one baseline turn. */
	private static void measure(String name, DiskHistory h, Options o, Path dir, double goalMs, PrintStream out) throws IOException {
		Path plain = dir.resolve("end.img");
		Files.deleteIfExists(plain);
		h.writeImage(h.resolve("end"), plain, Progress.NONE);
		int n = h.journal().entryCount();
		boolean times = h.timeline() != null;
		// instants evenly spread over the journal, visited in random order; named by time where the sidecar gives times
		List<String> specs = new ArrayList<>();
		for (int k = 0; k < o.scrubs(); k++) {
			int e = (int) Math.round((double) k * n / (o.scrubs() - 1));
			specs.add(times && e > 0 ? "time:@" + seconds(h.timeline().timeOfEntry(e - 1).estimateNanos()) : "entry:" + e);
		}
		SplittableRandom rnd = new SplittableRandom(o.seed());
		for (int i = specs.size() - 1; i > 0; i--) {
			int j = rnd.nextInt(i + 1);
			String x = specs.get(i);
			specs.set(i, specs.get(j));
			specs.set(j, x);
		}
		long sink = 0;
		double[] scrub = new double[specs.size()], baseline = new double[specs.size()];
		int rows = 0;
		try (InstantTree reference = InstantScrub.reference(h, o.mountPrefix(), true); RawFileLayer img = new RawFileLayer(plain)) {
			for (int k = 0; k < warmups(o); k++) {
				sink += scrubOnce(h, reference, specs.get(k % specs.size()));
				sink += baselineOnce(img, o.mountPrefix());
			}
			for (int k = 0; k < specs.size(); k++) {
				long t = System.nanoTime();
				int r = scrubOnce(h, reference, specs.get(k));
				scrub[k] = (System.nanoTime() - t) / 1e6;
				t = System.nanoTime();
				int b = baselineOnce(img, o.mountPrefix());
				baseline[k] = (System.nanoTime() - t) / 1e6;
				rows = Math.max(rows, r);
				sink += r + b;
			}
		}
		// the first scrub after opening the history: the reference (end) tree opened too, nothing of it cached
		int cold = Math.max(10, specs.size() / 10);
		double[] fresh = new double[cold];
		for (int k = 0; k < cold; k++) {
			long t = System.nanoTime();
			try (InstantTree reference = InstantScrub.reference(h, o.mountPrefix(), true)) {
				sink += scrubOnce(h, reference, specs.get(k));
			}
			fresh[k] = (System.nanoTime() - t) / 1e6;
		}
		Arrays.sort(fresh);
		Files.deleteIfExists(plain);
		Arrays.sort(scrub);
		Arrays.sort(baseline);
		double p50 = scrub[scrub.length / 2], p99 = scrub[(int) Math.min(scrub.length - 1, Math.ceil(scrub.length * 0.99) - 1)], max = scrub[scrub.length - 1];
		double b50 = baseline[baseline.length / 2], b99 = baseline[(int) Math.min(baseline.length - 1, Math.ceil(baseline.length * 0.99) - 1)],
				bmax = baseline[baseline.length - 1];
		out.printf(Locale.ROOT, "%s: %d entries, up to %d rows; instants named by %s%n", name, n, rows, times ? "time (timeline.tsv)" : "entry count");
		out.printf(Locale.ROOT, "    scrub (resolve, open ext4 at t, compare with the end, first rows)  p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms%n", p50, p99, max);
		out.printf(Locale.ROOT, "    baseline (ext4 on a plain image, same rows, no journal)          p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms%n", b50, b99, bmax);
		out.printf(Locale.ROOT, "    scrub with the end tree opened anew too (%d instants)              p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms%n", cold,
				fresh[cold / 2], fresh[(int) Math.min(cold - 1, Math.ceil(cold * 0.99) - 1)], fresh[cold - 1]);
		out.printf(Locale.ROOT, "    ratio scrub/baseline: p50 %.2f, p99 %.2f; goal <= %.0f ms per scrub: %s%s%n", p50 / b50, p99 / b99, goalMs,
				max <= goalMs ? "met (max " + fmt(max) + " ms)" : p99 <= goalMs ? "met at p99, not at max (" + fmt(max) + " ms)" : "NOT met (p99 " + fmt(p99) + " ms)",
				sink == 42 ? " " : "");
	}

	private static String fmt(double ms) {
		return String.format(Locale.ROOT, "%.1f", ms);
	}

	private static String seconds(long nanos) {
		return Math.floorDiv(nanos, 1_000_000_000L) + "." + String.format(Locale.ROOT, "%09d", Math.floorMod(nanos, 1_000_000_000L));
	}

	/** One scrub as the workbench does it; returns the row count. */
	static int scrubOnce(DiskHistory h, InstantTree reference, String spec) throws IOException {
		ResolvedInstant at = h.resolve(spec);
		try (InstantScrub s = InstantScrub.open(reference, at)) {
			return s.rows().size();
		}
	}

	/** The same rows from a plain image: ext4 opened (jbd2 replayed), the root read, each entry's inode read. */
	static int baselineOnce(RawFileLayer img, String prefix) throws IOException {
		try (Ext4FileSystem fs = Ext4FileSystem.open(img, Ext4FileSystem.Options.REPLAYED)) {
			Ext4Inode root = fs.inode(Ext4FileSystem.ROOT_INODE);
			int rows = 1;
			long sink = fs.record(prefix, root, false).size();
			for (DirectoryEntry e : fs.readDirectory(root)) {
				if (e.isDotOrDotDot()) continue;
				Ext4Inode in = fs.inode(e.inode());
				FileRecord r = fs.record(GuestPath.child(prefix, e.name()), in, false);
				sink += r.size();
				rows++;
			}
			return sink == 42 ? rows + 1 : rows;
		}
	}

	/**
	 * Writes {@code out}: every entry of {@code log}, then {@code o.writes()} 4 KiB writes of pseudo-random bytes, 4 in 5
	 * to a block free in the final file system (free both after the jbd2 replay and as the image lies), 1 in 5 to a data
	 * block of a regular file, a flush after every 64. Returns the number of writes added.
	 */
	static long generate(Path base, Path log, Options o, Path out) throws IOException {
		long[] free, data;
		int bs;
		try (DiskHistory h = DiskHistory.open(base, log, null, null, Progress.NONE)) {
			ResolvedInstant end = h.resolve("end");
			try (InstantTree t = InstantTree.open(h, end, o.mountPrefix(), true);
					Ext4FileSystem lies = Ext4FileSystem.open(h.at(end), Ext4FileSystem.Options.AS_IT_LIES)) {
				Ext4FileSystem fs = t.fileSystem();
				bs = fs.blockSize();
				if (bs % 512 != 0) throw new IOException("block size " + bs);
				long[] f = new long[(int) fs.blocksCount()];
				int nf = 0;
				long first = fs.superblock().firstDataBlock;
				for (long b = first; b < fs.blocksCount(); b++) if (!fs.blockAllocated(b) && !lies.blockAllocated(b)) f[nf++] = b;
				free = Arrays.copyOf(f, nf);
				List<Long> d = new ArrayList<>();
				for (FileRecord r : t.listing(false, Progress.NONE)) {
					if (!r.type().isRegular() || r.size() == 0) continue;
					Ext4Inode in = fs.inode(r.inode());
					if (in.hasInlineData()) continue;
					for (BlockRun run : fs.blockMap(in).runs()) {
						if (run.unwritten()) continue;
						for (long k = 0; k < run.length() && (run.logical() + k) * bs < r.size(); k++) d.add(run.physical() + k);
					}
				}
				data = d.stream().mapToLong(Long::longValue).toArray();
			}
			if (free.length == 0) throw new IOException("no free block in the final file system of " + base);
			try (DmLogWritesWriter w = new DmLogWritesWriter(out, h.journal().sectorSize())) {
				w.writeAll(h.journal());
				SplittableRandom rnd = new SplittableRandom(o.seed());
				byte[] block = new byte[bs];
				long x = o.seed() | 1;
				int sector = h.journal().sectorSize();
				for (int i = 0; i < o.writes(); i++) {
					long b = data.length > 0 && rnd.nextInt(5) == 0 ? data[rnd.nextInt(data.length)] : free[rnd.nextInt(free.length)];
					for (int k = 0; k < bs; k += 8) { // xorshift64: random-looking, cheap
						x ^= x << 13;
						x ^= x >>> 7;
						x ^= x << 17;
						LittleEndian.put64(block, k, x);
					}
					w.write(b * bs / sector, block, 0, bs, 0);
					if (i % 64 == 63) w.flush();
				}
			}
		}
		return o.writes();
	}

	private static double sec(long t0) {
		return (System.nanoTime() - t0) / 1e9;
	}
}
