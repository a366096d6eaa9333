package cacheshadow.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;

import cacheshadow.journal.DiskAtInstant;
import cacheshadow.journal.DmLogWritesWriter;
import cacheshadow.journal.InstantSpec;
import cacheshadow.journal.JournalImporter;
import cacheshadow.journal.JournalIndex;
import cacheshadow.journal.JournalLandmarks;
import cacheshadow.journal.NaiveReplay;
import cacheshadow.journal.ResolvedInstant;
import cacheshadow.journal.Timeline;
import cacheshadow.journal.WriteLog;
import cacheshadow.layers.Layer;
import cacheshadow.layers.LittleEndian;
import cacheshadow.layers.Progress;
import cacheshadow.layers.RawFileLayer;

/**
 * The journal bench (a program, not a timed test): generates a synthetic dm-log-writes journal of at least a
 * million writes over a sparse disk of at least 4 GiB, then measures in one run
 * <ol>
 * <li>a plain sequential read of the log file (the yardstick), seven times after three warm-up turns;</li>
 * <li>import = parse + validate + build the block index + write the index file, as often, taking turns with (1),
 * as a ratio to (1) (goal ≥ 0.8): median to median and best to best, and the JVM's first import (JIT cold); also
 * conversion to the timestamped .csj format, reported separately;</li>
 * <li>seek-to-instant latency (resolve {@code entry:N}, open the disk at N, read a written block) p50/p99 at
 * positions across the log;</li>
 * <li>the same instants the O(n) way of replay-log: replay entries [0, N) onto a sparse copy of the base (at 0.1%,
 * 1%, 10% and 50% of the log only: it writes that much of the log again).</li>
 * </ol>
 * Usage: {@code JournalBench [--dir DIR] [--writes N] [--disk-gib G] [--write-bytes B] [--csj] [--keep]}; everything is
 * written under DIR (default a new directory in the temp dir) and deleted afterwards unless {@code --keep}.
 */
public final class JournalBench {
	public record Options(Path dir, int writes, long diskBytes, int writeBytes, boolean keep, long seed, boolean csj) {
		/** The seed's record: 4 KiB writes; a million of them over 4 GiB. */
		public static Options defaults() {
			return new Options(null, 1_000_000, 4L << 30, 4096, false, 42, false);
		}
	}

	/** Timed turns of yardstick and import, after {@link #WARMUP} turns of each (as JMH warms up before it measures). */
	private static final int ROUNDS = 7;
	/** Turns of each side before the timed ones: the first import is reported on its own as the JIT-cold one. */
	private static final int WARMUP = 3;

	private JournalBench() {
	}

	public static void main(String[] args) throws Exception {
		Options o = Options.defaults();
		for (int i = 0; i < args.length; i++) {
			switch (args[i]) {
			case "--dir" -> o = new Options(Path.of(args[++i]), o.writes(), o.diskBytes(), o.writeBytes(), o.keep(), o.seed(), o.csj());
			case "--writes" -> o = new Options(o.dir(), Integer.parseInt(args[++i]), o.diskBytes(), o.writeBytes(), o.keep(), o.seed(), o.csj());
			case "--disk-gib" -> o = new Options(o.dir(), o.writes(), Long.parseLong(args[++i]) << 30, o.writeBytes(), o.keep(), o.seed(), o.csj());
			case "--write-bytes" -> o = new Options(o.dir(), o.writes(), o.diskBytes(), Integer.parseInt(args[++i]), o.keep(), o.seed(), o.csj());
			case "--keep" -> o = new Options(o.dir(), o.writes(), o.diskBytes(), o.writeBytes(), true, o.seed(), o.csj());
			case "--csj" -> o = new Options(o.dir(), o.writes(), o.diskBytes(), o.writeBytes(), o.keep(), o.seed(), true);
			default -> {
				System.err.println("usage: JournalBench [--dir DIR] [--writes N] [--disk-gib G] [--write-bytes B] [--csj] [--keep]");
				System.exit(2);
			}
			}
		}
		run(o, System.out);
	}

	public static void run(Options o, PrintStream out) throws IOException {
		if (o.writeBytes() % 512 != 0 || o.writeBytes() <= 0) throw new IllegalArgumentException("write size must be whole 512-byte sectors");
		Path dir = o.dir() != null ? Files.createDirectories(o.dir()) : Files.createTempDirectory("cacheshadow-bench");
		try {
			bench(o, dir, out);
			// after bench() has returned: nothing left on its stack keeps the log mapped (see evict)
			Path logPath = dir.resolve("writes.log");
			fromStorage(logPath, Files.size(logPath), dir, out);
		} finally {
			if (!o.keep()) {
				try (Stream<Path> s = Files.walk(dir)) {
					for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
				}
			}
		}
	}

	private static void bench(Options o, Path dir, PrintStream out) throws IOException {
		Path logPath = dir.resolve("writes.log"), basePath = dir.resolve("disk.base.img");
		out.printf(Locale.ROOT, "bench: %d writes of %d bytes over a %d GiB sparse disk, in %s%n", o.writes(), o.writeBytes(), o.diskBytes() >> 30, dir);
		try (FileChannel b = FileChannel.open(basePath, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
			b.write(ByteBuffer.wrap(new byte[1]), o.diskBytes() - 1); // sparse base image
		}
		long t = System.nanoTime();
		generate(o, logPath);
		long logBytes = Files.size(logPath);
		out.printf(Locale.ROOT, "generate      %8.2f s  (%d MiB log)%n", sec(t), logBytes >> 20);
		// The page cache as an importer finds a journal: read from storage (the kernel reads ahead into large
		// folios), not as the generator's unaligned writes left it (small ones, which cost both sides more per page).
		if (evict(logPath)) sequentialRead(logPath);

		// 1. + 2. the yardstick (a plain sequential read of the log) and import (parse + validate + index + index file),
		// taking turns so that both meet the same machine; the first import is this JVM's first (JIT cold), the
		// later ones are what a long-running workbench sees. Before each side the previous import's mapping of the
		// log is released (it goes with the garbage collector, and tearing down 4 GiB of page tables on another thread
		// would otherwise be timed as part of whichever side runs meanwhile).
		Path idxPath = dir.resolve("writes.csjvix");
		double[] seq = new double[ROUNDS], imp = new double[ROUNDS];
		int versions = 0;
		double firstMBs = 0;
		for (int k = 0; k < WARMUP + ROUNDS; k++) {
			unmapped(logPath);
			t = System.nanoTime();
			sequentialRead(logPath);
			double s = logBytes / 1e6 / sec(t);
			Files.deleteIfExists(idxPath);
			t = System.nanoTime();
			double m;
			try (JournalIndex i = JournalIndex.readAndIndex(logPath, idxPath, Progress.NONE); WriteLog l = i.log()) {
				m = logBytes / 1e6 / sec(t);
				versions = (int) i.store().versionCount();
			}
			if (k == 0) firstMBs = m;
			if (k >= WARMUP) {
				seq[k - WARMUP] = s;
				imp[k - WARMUP] = m;
			}
			unmapped(logPath);
		}
		JournalIndex imported = JournalIndex.readAndIndex(logPath, idxPath, Progress.NONE); // reuses the index file
		WriteLog log = imported.log();
		Arrays.sort(seq);
		Arrays.sort(imp);
		double seqMBs = seq[ROUNDS / 2];
		out.printf(Locale.ROOT, "sequential    %8.1f MB/s  plain read of the log file from the page cache (median of %d after %d warm-up turns: %.0f..%.0f)%n", seqMBs,
				ROUNDS, WARMUP, seq[0], seq[ROUNDS - 1]);
		out.printf(Locale.ROOT, "import        %8.1f MB/s  ratio %.2f to sequential for the JVM's first import (JIT cold, %.2f s); %d entries, %d versions, %d MiB index%n",
				firstMBs, firstMBs / seqMBs, logBytes / 1e6 / firstMBs, log.entryCount(), versions, Files.size(idxPath) >> 20);
		out.printf(Locale.ROOT, "import, %d    %8.1f MB/s  ratio %.2f median to median (goal >= 0.8); best of %d each: %.1f vs %.1f MB/s, ratio %.2f%n", ROUNDS, imp[ROUNDS / 2],
				imp[ROUNDS / 2] / seqMBs, ROUNDS, imp[ROUNDS - 1], seq[ROUNDS - 1], imp[ROUNDS - 1] / seq[ROUNDS - 1]);
		if (o.csj()) {
		t = System.nanoTime();
		Path csj = dir.resolve("writes.csj");
		JournalImporter.Report rep = JournalImporter.importJournal(log, syntheticTimeline(log.entryCount()), csj, o.diskBytes(), Progress.NONE);
		double csjMBs = logBytes / 1e6 / sec(t);
		out.printf(Locale.ROOT, "to .csj       %8.1f MB/s  ratio %.2f (conversion with CRC32C per record, %d MiB written)%n", csjMBs, csjMBs / seqMBs,
				rep.journalBytes() >> 20);
		Files.deleteIfExists(csj);
		}

		// 3. seek to instant through the mapped index file
		try (RawFileLayer base = new RawFileLayer(basePath); JournalIndex idx = JournalIndex.openOrBuild(log, idxPath, Progress.NONE)) {
			double[] positions = { 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1.0 };
			Random rnd = new Random(o.seed() + 1);
			byte[] buf = new byte[4096];
			LANDMARKS = JournalLandmarks.of(log);
			for (int k = 0; k < 20_000; k++) seekOnce(log, base, idx, 1 + rnd.nextInt(log.entryCount()), rnd, buf); // JIT warm-up
			double[][] lat = new double[positions.length][];
			List<Double> all = new ArrayList<>();
			for (int p = 0; p < positions.length; p++) {
				int n = (int) Math.max(1, Math.round(positions[p] * log.entryCount()));
				lat[p] = new double[1000];
				for (int k = 0; k < lat[p].length; k++) {
					lat[p][k] = seekOnce(log, base, idx, n, rnd, buf);
					all.add(lat[p][k]);
				}
				Arrays.sort(lat[p]);
			}
			out.println("seek-to-instant (resolve entry:N or flush:K, disk at it, read one 4 KiB block; 1000 per position) vs naive replay:");
			out.println("  position    entry:N     p50 ms   p99 ms   naive replay s   naive/ours(p99)");
			for (int p = 0; p < positions.length; p++) {
				int n = (int) Math.max(1, Math.round(positions[p] * log.entryCount()));
				double pos = positions[p];
				double naive = pos == 0.001 || pos == 0.01 || pos == 0.1 || pos == 0.5 ? naiveReplay(log, n, basePath, dir) : Double.NaN;
				double p50 = lat[p][lat[p].length / 2], p99 = lat[p][(int) (lat[p].length * 0.99)];
				out.printf(Locale.ROOT, "  %7.1f%%  %9d  %8.3f %8.3f   %14s   %s%n", pos * 100, n, p50, p99,
						Double.isNaN(naive) ? "-" : String.format(Locale.ROOT, "%.3f", naive),
						Double.isNaN(naive) ? "-" : String.format(Locale.ROOT, "%.0fx", naive * 1e3 / p99));
			}
			double[] a = all.stream().mapToDouble(Double::doubleValue).sorted().toArray();
			out.printf(Locale.ROOT, "  all        %9s  %8.3f %8.3f   (goal: p99 <= 20 ms at any position)%n", "", a[a.length / 2], a[(int) (a.length * 0.99)]);
		} finally {
			LANDMARKS = null;
			imported.close();
			log.close();
		}
	}

	/**
	 * Import and the yardstick again with the log read from storage: its pages are dropped from the page cache
	 * before each side ({@code dd iflag=nocache count=0}: posix_fadvise DONTNEED on the whole file), five pairs with
	 * the side that goes first alternating, and the median of the pair ratios is reported. This is what importing a journal shipped
	 * from the monitored machine costs; from the page cache (above) the yardstick is a memory copy.
	 */
	private static void fromStorage(Path logPath, long logBytes, Path dir, PrintStream out) throws IOException {
		double[] seq = new double[5], imp = new double[5], ratio = new double[5];
		Path idx = dir.resolve("cold.csjvix");
		for (int k = 0; k < ratio.length; k++) {
			// Alternate which side goes first: storage below the guest (a host's cache) warms with repetition.
			for (int side = 0; side < 2; side++) {
				if (!evict(logPath)) {
					out.println("from storage  skipped: could not drop the log's pages from the page cache (still mapped here, or dd iflag=nocache failed)");
					return;
				}
				long t = System.nanoTime();
				if ((side + k) % 2 == 0) {
					sequentialRead(logPath);
					seq[k] = logBytes / 1e6 / sec(t);
				} else {
					try (JournalIndex i = JournalIndex.readAndIndex(logPath, idx, Progress.NONE); WriteLog l = i.log()) {
						imp[k] = logBytes / 1e6 / sec(t);
					}
					Files.deleteIfExists(idx);
				}
			}
			ratio[k] = imp[k] / seq[k];
		}
		double[] r = ratio.clone();
		Arrays.sort(r);
		out.printf(Locale.ROOT, "from storage  import %s MB/s vs plain read %s MB/s (log evicted before each): ratio %.2f (median of pairs %s; goal >= 0.8)%n",
				Arrays.toString(Arrays.stream(imp).mapToLong(Math::round).toArray()), Arrays.toString(Arrays.stream(seq).mapToLong(Math::round).toArray()),
				r[r.length / 2], Arrays.toString(Arrays.stream(ratio).map(x -> Math.round(x * 100) / 100.0).toArray()));
	}

	/**
	 * Drops the file's pages from the page cache (GNU dd: posix_fadvise DONTNEED over the whole file); false if it
	 * cannot. The kernel keeps pages that are mapped, so this JVM's mappings of the file go first: a closed log's
	 * mapping is released by the garbage collector.
	 */
	private static boolean evict(Path file) {
		try {
			if (!unmapped(file)) return false;
			Process p = new ProcessBuilder("dd", "if=" + file, "iflag=nocache", "count=0").redirectErrorStream(true).start();
			p.getInputStream().readAllBytes();
			return p.waitFor() == 0;
		} catch (IOException e) {
			return false;
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	/** Collects garbage until /proc/self/maps lists no mapping of {@code file} (true at once where there is no such file). */
	private static boolean unmapped(Path file) throws IOException {
		Path maps = Path.of("/proc/self/maps");
		if (!Files.isReadable(maps)) return true;
		String name = " " + file.toAbsolutePath();
		for (int k = 0; k < 100; k++) {
			if (Files.readAllLines(maps).stream().noneMatch(l -> l.endsWith(name))) return true;
			System.gc();
			try {
				Thread.sleep(20);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				return false;
			}
		}
		return false;
	}

	private static JournalLandmarks LANDMARKS;

	/** One seek: resolve entry:n, open the disk at n, read a 4 KiB block some entry before n wrote; milliseconds. */
	private static double seekOnce(WriteLog log, Layer base, JournalIndex idx, int n, Random rnd, byte[] buf) throws IOException {
		int e = rnd.nextInt(n);
		while (!log.changesDisk(e)) e = rnd.nextInt(n);
		long s = System.nanoTime();
		int k = LANDMARKS.flushesBefore(n); // half the seeks name the instant as flush:K, half as entry:N
		InstantSpec spec = k > 0 && rnd.nextBoolean() ? InstantSpec.parse("flush:" + k) : InstantSpec.entry(n);
		ResolvedInstant at = spec.resolve(log, null, LANDMARKS);
		Layer d = new DiskAtInstant(base, idx, at);
		if (e >= at.entryCount()) e = rnd.nextInt(Math.max(1, at.entryCount()));
		d.read(Math.min(log.diskOffset(e) / 4096 * 4096, d.size() - 4096), buf, 0, 4096);
		return (System.nanoTime() - s) / 1e6;
	}

	/** A dm-log-writes log: random sectors over the disk, a hot spot rewritten often, a flush every 64 writes, marks. */
	static void generate(Options o, Path logPath) throws IOException {
		generate(o, logPath, 1);
	}

	/** {@link #generate(Options, Path)} with every write starting at a multiple of {@code alignSectors} sectors. */
	static void generate(Options o, Path logPath, int alignSectors) throws IOException {
		Random rnd = new Random(o.seed());
		long sectors = o.diskBytes() / 512 - o.writeBytes() / 512;
		byte[] data = new byte[o.writeBytes()];
		try (DmLogWritesWriter w = new DmLogWritesWriter(logPath, 512)) {
			for (int i = 0; i < o.writes(); i++) {
				long s = rnd.nextInt(10) == 0 ? rnd.nextInt(4096) : (long) (rnd.nextDouble() * sectors);
				s -= s % alignSectors;
				for (int k = 0; k < data.length; k += 8) LittleEndian.put64(data, k, (long) i << 32 | k); // distinct, cheap
				w.write(s, data, 0, data.length, 0);
				if (i % 64 == 63) w.flush();
				if (i % 100_000 == 99_999) w.mark("bench-" + (i + 1));
			}
		}
		// on disk before anything is measured: else the kernel writes the log back while both sides are timed
		try (FileChannel ch = FileChannel.open(logPath, StandardOpenOption.WRITE)) {
			ch.force(true);
		}
	}

	/** One sample per flush: a million writes spread over 1000 seconds. */
	static Timeline syntheticTimeline(int entries) {
		List<Timeline.Sample> s = new ArrayList<>();
		long t0 = 1_800_000_000_000_000_000L;
		for (int e = 0; e <= entries; e += 64) s.add(new Timeline.Sample(t0 + (long) e * 1_000_000L, e, "", ""));
		s.add(new Timeline.Sample(t0 + (long) entries * 1_000_000L + 1, entries, "", ""));
		return new Timeline("synthetic", s);
	}

	static void sequentialRead(Path p) throws IOException {
		ByteBuffer b = ByteBuffer.allocateDirect(4 << 20);
		long sum = 0;
		try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
			while (ch.read(b) > 0) {
				b.flip();
				sum += b.get(0);
				b.clear();
			}
		}
		if (sum == 42) System.out.print("");
	}

	/** replay-log's way: copy nothing, replay entries [0, n) onto a sparse copy of the (empty) base; seconds. */
	private static double naiveReplay(WriteLog log, int n, Path basePath, Path dir) throws IOException {
		Path copy = dir.resolve("replay.img");
		Files.deleteIfExists(copy);
		long t = System.nanoTime();
		try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
			ch.write(ByteBuffer.wrap(new byte[1]), Files.size(basePath) - 1);
			NaiveReplay.replay(log, n, ch);
		}
		double s = sec(t);
		Files.deleteIfExists(copy);
		return s;
	}

	private static double sec(long t0) {
		return (System.nanoTime() - t0) / 1e9;
	}
}
