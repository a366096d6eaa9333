package cacheshadow.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

import cacheshadow.journal.JournalFormat;
import cacheshadow.journal.JournalImporter;
import cacheshadow.journal.KnownBlocks;
import cacheshadow.journal.SectorHashSearch;
import cacheshadow.journal.WriteLog;
import cacheshadow.layers.Progress;

/**
 * {@code bench search}: the local sector-hash search against a plain sequential read of the same journal, taking
 * turns in one run (3 warm-up turns of each, then 7 timed), for a synthetic dm-log-writes journal (JournalBench's
 * generator: 4 KiB writes on the 4 KiB grid of a sparse disk) and the same journal as .csj. The search is timed whole, as
 * {@code ./cacheshadow search} runs it: opening the journal and scanning it (a .csj's records' CRC32C checked in the
 * scan, each just before its data is searched); the known set is a file of 64 blocks the
 * journal wrote plus 64 it never wrote, so every turn must find the same 64 hits (checked).
 * Usage: {@code [--writes N] [--dir DIR] [--keep]} (default 262,144 writes: a 1 GiB journal).
 */
public final class SectorHashSearchBench {
	private static final int WARMUP = 3, ROUNDS = 7;

	private SectorHashSearchBench() {
	}

	public static void main(String[] args) throws Exception {
		JournalBench.Options o = new JournalBench.Options(null, 262_144, 4L << 30, 4096, false, 42, false);
		for (int i = 0; i < args.length; i++) {
			switch (args[i]) {
			case "--writes" -> o = new JournalBench.Options(o.dir(), Integer.parseInt(args[++i]), o.diskBytes(), o.writeBytes(), o.keep(), o.seed(), false);
			case "--dir" -> o = new JournalBench.Options(Path.of(args[++i]), o.writes(), o.diskBytes(), o.writeBytes(), o.keep(), o.seed(), false);
			case "--keep" -> o = new JournalBench.Options(o.dir(), o.writes(), o.diskBytes(), o.writeBytes(), true, o.seed(), false);
			default -> throw new IllegalArgumentException("usage: bench search [--writes N] [--dir DIR] [--keep]");
			}
		}
		run(o, System.out);
	}

	public static void run(JournalBench.Options o, PrintStream out) throws IOException {
		Path dir = o.dir() != null ? Files.createDirectories(o.dir()) : Files.createTempDirectory("cacheshadow-search-bench");
		try {
			Path log = dir.resolve("writes.log"), csj = dir.resolve("writes.csj"), known = dir.resolve("known.bin");
			JournalBench.generate(o, log, KnownBlocks.BLOCK / 512); // on the 4 KiB grid, as a file system writes file data: every write is searched whole
			try (WriteLog l = JournalFormat.open(log)) {
				// 64 blocks the journal wrote (spread over it, each once: the generator's data are distinct) and 64 it did not
				byte[] file = new byte[128 * KnownBlocks.BLOCK];
				for (int k = 0; k < 64; k++) l.readData(firstWrite(l, (int) ((long) l.entryCount() * k / 64)), 0, file, k * KnownBlocks.BLOCK, KnownBlocks.BLOCK);
				java.util.SplittableRandom r = new java.util.SplittableRandom(7);
				for (int k = 64 * KnownBlocks.BLOCK; k < file.length; k++) file[k] = (byte) r.nextInt();
				Files.write(known, file);
				JournalImporter.importJournal(l, JournalBench.syntheticTimeline(l.entryCount()), csj, o.diskBytes(), Progress.NONE);
			}
			KnownBlocks set = new KnownBlocks();
			set.addFile(known, "known.bin");
			out.printf(Locale.ROOT, "bench search: %d writes of 4 KiB; known: %d blocks (64 in the journal)%n", o.writes(), set.size());
			for (Path p : new Path[] { log, csj }) measure(p, set, out);
		} finally {
			if (!o.keep()) {
				try (Stream<Path> s = Files.walk(dir)) {
					for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
				}
			}
		}
	}

	private static int firstWrite(WriteLog l, int from) {
		for (int i = from; i < l.entryCount(); i++) if (l.changesDisk(i)) return i;
		throw new IllegalStateException("no write");
	}

	private static void measure(Path p, KnownBlocks set, PrintStream out) throws IOException {
		long bytes = Files.size(p);
		double[] seq = new double[ROUNDS], search = new double[ROUNDS];
		for (int round = -WARMUP; round < ROUNDS; round++) {
			long t = System.nanoTime();
			JournalBench.sequentialRead(p);
			double s = (System.nanoTime() - t) / 1e9;
			t = System.nanoTime();
			long hits;
			try (WriteLog l = JournalFormat.openForOnePass(p.toString())) {
				hits = SectorHashSearch.search(l, set, false, (e, d, pl) -> {
				}, Progress.NONE).hits();
			}
			double h = (System.nanoTime() - t) / 1e9;
			if (hits != 64) throw new IllegalStateException(p + ": " + hits + " hits, want 64");
			if (round >= 0) {
				seq[round] = s;
				search[round] = h;
			}
		}
		double[] ratio = new double[ROUNDS];
		for (int i = 0; i < ROUNDS; i++) ratio[i] = seq[i] / search[i];
		Arrays.sort(seq);
		Arrays.sort(search);
		Arrays.sort(ratio);
		double ms = seq[ROUNDS / 2], mh = search[ROUNDS / 2];
		out.printf(Locale.ROOT, "%-10s %6d MiB: sequential read %6.2f GB/s, search %6.2f GB/s (open + scan); ratio median to median %.2f, best to best %.2f, per turn %.2f..%.2f (goal >= 0.5)%n",
				p.getFileName(), bytes >> 20, bytes / ms / 1e9, bytes / mh / 1e9, ms / mh, seq[0] / search[0], ratio[0], ratio[ROUNDS - 1]);
	}
}
