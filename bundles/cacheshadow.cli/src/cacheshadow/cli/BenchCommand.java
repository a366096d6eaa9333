package cacheshadow.cli;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import cacheshadow.cases.EvidenceHasher;
import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;

/**
 * {@code bench evidence FILE}: evidence hashing against {@code sha256sum}, and random 4 KiB reads through the
 * file's layer against plain positional reads of the same file — each pair measured in the same run, best of
 * several rounds, file in the page cache for both, printed as ratios.
 */
final class BenchCommand implements Command {
	private static final int ROUNDS = 3;

	@Override
	public String name() {
		return "bench";
	}

	@Override
	public String summary() {
		return "benchmarks, each against a baseline measured in the same run: evidence, ext4, caches, pagecache, merge, journal, fuse, timeline, tree, aide, live, report, startup";
	}

	@Override
	public String usage() {
		return """
				usage: ./cacheshadow bench evidence FILE [--reads N]
				       ./cacheshadow bench formats BASELINE FILE... [--reads N]
				       ./cacheshadow bench journal [--writes N] [--disk-gib G] [--write-bytes B] [--csj] [--dir DIR] [--keep]
				       ./cacheshadow bench ext4 IMAGE | --make MB WORKDIR
				       ./cacheshadow bench search [--writes N] [--dir DIR] [--keep]
				       ./cacheshadow bench webhdfs webhdfs://HOST:PORT/DIR [--mb N] [--dir DIR]
				       ./cacheshadow bench caches MEMORY [KERNEL_DIR]
				       ./cacheshadow bench merge MEMORY DISK [KERNEL_DIR] [PATH]
				       ./cacheshadow bench pagecache MEMORY [KERNEL_DIR|-] [REPEATS]
				       ./cacheshadow bench fuse [--rounds N] [MEMORY DISK [KERNEL_DIR] [PATH] [--baseline-disk IMAGE [--baseline-path P]]]
				       ./cacheshadow bench timeline SET_DIR [--mount-prefix P] [--writes N] [--scrubs N] [--dir DIR]
				       ./cacheshadow bench tree MEMORY DISK [KERNEL_DIR]
				       ./cacheshadow bench report CASE_DIR|SET_DIR [--dir DIR]
				       ./cacheshadow bench fuzz [--runs N] [--target NAME]   (run by the launcher script, not the product)
				       ./cacheshadow bench aide (--live DIR | --ram FILE --qmp SOCKET --disk D) [--rounds N] [--dir DIR]
				       ./cacheshadow bench startup [SET_DIR] [--runs N] [--volatility CMD] [--baseline LAUNCHER] [--only NAME,...] [--analysis-only]
				       ./cacheshadow bench live (--live DIR | --ram FILE --qmp SOCKET [--disk D]) [--kernel DIR] [--rounds N]
				  journal: synthetic dm-log-writes journal (default 1 M writes over 4 GiB): import vs sequential read,
				           seek-to-instant p50/p99 across the log, vs replaying from the start.
				  search: the sector-hash search (open + scan) vs a plain sequential read of the same synthetic journal
				          (default 262,144 4 KiB writes), dm-log-writes and .csj, taking turns (goal >= 0.5).
				  webhdfs: shipping a generated .csj (--mb, default 64) to HDFS vs one plain WebHDFS CREATE of the same
				           bytes, taking turns; opening it in HDFS in place vs locally; random 4 KiB reads of its data.
				  timeline: the timeline slider's scrub (resolve an instant, ext4 at it compared with the end of the
				            journal, the rows a fresh tree shows: InstantScrub) at many instants, p50/p99/max, vs the same
				            rows read by ext4 from a plain image; (1) the set's own journal (disk.base.img, writes.log,
				            timeline.tsv; goal <= 100 ms), (2) that journal + N generated 4 KiB writes (default 1 M) to free
				            blocks and file data blocks, written under DIR (default a temp dir) and deleted (goal <= 300 ms).
				  fuzz: coverage-guided fuzzing (Jazzer) of every parser of evidence bytes, N executions per target
				        (default 1,000,000) from the committed seeds; a report per target in build/fuzz/report.tsv
				        (releng/fuzz.sh --help; README "Fuzzing").
				  tree: what the File System view computes to open its tree after the analysis (each path's status and
				        the counts per status, the first rows) and to filter it to cache-only, vs a plain map of every
				        status built in the same run (goal: tree open <= 1 s at 100,000 cached files).
				  report: the examiner's report (collected, then written as HTML and as PDF with its CSV files) vs the
				          analysis it reports on (the case's models as the workbench opens them and every path's status),
				          one run each; SET_DIR: an evidence set of make-evidence.sh made into a case under DIR first
				          (default a temp dir), not timed (goal: a 100,000-file case reported well under a minute).
				  aide: Debian's aide (unmodified; apt-get install --no-install-recommends aide) checks the running guest's
				        /mnt/disk and /mnt/tmp through mount --live vs the same check, same database, on a copy of the
				        guest's disk image mounted read-only by the kernel (-o ro,loop: root; else mount --disk is the
				        baseline, said so); mount --disk measured too, and both again with --keep-cache; N rounds
				        (default 20) taking turns, medians and bests; every check must find what the first found, the
				        live one what the guest's own listings (manifest.round-K.tsv, manifest.tsv in DIR) differ in
				        (goal: ratio <= 1.5).
				  live: refreshes of a running guest as watch and mount --live do them (walked while it runs, checked in
				        a short pause, unchanged files' hashes reused) vs the baseline in the same run, a refresh done
				        wholly while paused with nothing reused; N rounds (default 10) of one each: pause and whole
				        refresh per round, medians, worst, paired ratios (goals: paused <= 50 ms, refresh <= 1 s at
				        1 GiB / 10,000 cached files).
				  startup: every subcommand as a whole ./cacheshadow process, start to its first output (stdout or
				           stderr), median of N (default 5), vs the same command inside OSGi (CACHESHADOW_OSGI=1),
				           taking turns (goal <= 0.3 s, --help <= 0.2 s); with SET_DIR (memory.elf, disk.img,
				           disk.base.img, writes.log, kernel/) the evidence commands on it, then analyze --view cache-only
				           of its memory.elf to the end (wall time, peak RSS) vs cat of the dump and, with --volatility,
				           vs that shell command (e.g. Volatility 3's linux.pagecache.Files on the same dump; goal >= 5x
				           faster, peak RSS <= its); --baseline LAUNCHER: another build's ./cacheshadow timed in the
				           same turns; --only NAME,...: those subcommands (--help: the usage), the analysis only with
				           analyze; --analysis-only: that analysis without the start-up table. Each plain run's CPU
				           time to its first output is shown beside its time.
				  ext4: list and hash every file vs The Sleuth Kit (fls -r + icat) and vs a raw sequential read.
				  formats: random 4 KiB reads through each FILE (VMDK, VHD, VHDX, E01, compressed kdump) vs the same
				           reads through BASELINE, the same evidence uncompressed (raw disk.img, ELF dump), taking turns;
				           each layer fresh and then again (goal: ratio >= 0.5).
				  caches: dentry/inode metadata walk (inodes/s) vs a sequential read of the snapshot.
				  merge: hashing a file straight from the disk image vs through the merged view in-process.
				  pagecache: per-inode page-cache walk vs the struct-page scan vs a sequential read of the snapshot.
				  fuse: hashing 4 MiB (128 KiB reads, a fresh open per pass) from the disk image vs through the FUSE
				        mount, each read reaching the mount's handler: without evidence a synthetic 4 MiB file on an
				        mkfs'd image; with evidence the merged view as `mount` serves it, and in-process in between
				        (PATH: default the largest file the disk has; smaller files in passes up to 4 MiB);
				        --baseline-disk: (a) from this ext4 image instead, which holds the bytes the merged view
				        serves (for a file the stale disk lacks, e.g. one dirty in the page cache only; PATH default
				        the merged view's largest file on the disk; P default PATH below the disk's mount point);
				        then (a), (b) and (c) must hash alike in every round (releng/fuse-figure.sh).
				evidence:
				  Hashing throughput of the case's SHA-256 against sha256sum on the same file (goal ratio >= 0.9), and
				  random 4 KiB reads through the file's layer (ELF core, LiME, qcow2, raw) against positional reads of
				  the file itself. Both sides run in the same process run, best of 3, with the file already cached.""";
	}

	@Override
	public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
		if (argv.isEmpty()) throw new UsageException("which benchmark? evidence, ext4, caches, pagecache, merge, journal, fuse, timeline, tree, aide, live, report or startup");
		String[] rest = argv.subList(1, argv.size()).toArray(String[]::new);
		switch (argv.get(0)) {
		case "journal" -> {
			cacheshadow.bench.JournalBench.main(rest);
			return 0;
		}
		case "search" -> {
			cacheshadow.bench.SectorHashSearchBench.main(rest);
			return 0;
		}
		case "webhdfs" -> {
			try {
				cacheshadow.bench.WebHdfsBench.main(rest);
			} catch (IllegalArgumentException e) {
				throw new UsageException(e.getMessage());
			}
			return 0;
		}
		case "ext4" -> {
			if (rest.length == 0) throw new UsageException("bench ext4 IMAGE | bench ext4 --make MB WORKDIR");
			cacheshadow.bench.Ext4Benchmark.main(rest);
			return 0;
		}
		case "merge" -> {
			if (rest.length < 2) throw new UsageException("bench merge MEMORY DISK [KERNEL_DIR] [PATH]");
			cacheshadow.bench.MergeBenchmark.main(rest);
			return 0;
		}
		case "caches" -> {
			if (rest.length == 0) throw new UsageException("bench caches MEMORY [KERNEL_DIR]");
			cacheshadow.bench.CacheWalkBench.run(Path.of(rest[0]), rest.length > 1 ? Path.of(rest[1]) : null, out);
			return 0;
		}
		case "pagecache" -> {
			if (rest.length == 0) throw new UsageException("bench pagecache MEMORY [KERNEL_DIR|-] [REPEATS]");
			cacheshadow.bench.PageCacheBench.main(rest);
			return 0;
		}
		case "fuse" -> {
			cacheshadow.bench.FuseBenchmark.Arguments a;
			try {
				a = cacheshadow.bench.FuseBenchmark.Arguments.parse(rest);
			} catch (IllegalArgumentException e) {
				throw new UsageException("bench fuse: " + e.getMessage());
			}
			cacheshadow.bench.FuseBenchmark.run(a, out);
			return 0;
		}
		case "timeline" -> {
			cacheshadow.bench.TimelineBench.Options o;
			try {
				o = cacheshadow.bench.TimelineBench.parse(rest);
			} catch (IllegalArgumentException e) {
				throw new UsageException("bench timeline: " + e.getMessage());
			}
			cacheshadow.bench.TimelineBench.run(o, out);
			return 0;
		}
		case "tree" -> {
			if (rest.length < 2 || rest.length > 3) throw new UsageException("bench tree MEMORY DISK [KERNEL_DIR]");
			out.println(cacheshadow.bench.TreeBench.run(Path.of(rest[0]), Path.of(rest[1]), rest.length > 2 ? Path.of(rest[2]) : null, out));
			return 0;
		}
		case "report" -> {
			Args a = new Args(argv.subList(1, argv.size()), java.util.Set.of("dir"), java.util.Set.of());
			if (a.positionals().size() != 1) throw new UsageException("bench report CASE_DIR|SET_DIR [--dir DIR]");
			Path work = a.path("dir") != null ? a.path("dir") : Files.createTempDirectory("bench-report");
			out.println(cacheshadow.bench.ReportBench.run(Path.of(a.positionals().get(0)), work, out));
			return 0;
		}
		case "aide" -> {
			return AideBench.run(argv.subList(1, argv.size()), out, err);
		}
		case "startup" -> {
			return StartupBench.run(argv.subList(1, argv.size()), out);
		}
		case "live" -> {
			return live(argv.subList(1, argv.size()), out);
		}
		case "formats" -> {
			Args a = new Args(argv.subList(1, argv.size()), java.util.Set.of("reads"), java.util.Set.of());
			if (a.positionals().size() < 2) throw new UsageException("bench formats BASELINE FILE... [--reads N]");
			cacheshadow.bench.FormatReadBench.run(Path.of(a.positionals().get(0)), a.positionals().subList(1, a.positionals().size()).stream().map(Path::of).toList(),
					Integer.parseInt(a.option("reads", "100000")), out);
			return 0;
		}
		case "evidence" -> {
			return evidence(argv.subList(1, argv.size()), out);
		}
		case "fuzz" -> throw new UsageException("fuzzing runs outside the product: ./cacheshadow bench fuzz [--runs N] [--target NAME] (releng/fuzz.sh --long)");
		default -> throw new UsageException("unknown benchmark '" + argv.get(0) + "'");
		}
	}

	private static int live(List<String> argv, PrintStream out) throws Exception {
		Args a = new Args(argv, EvidenceArgs.union(java.util.Set.of("disk", "kernel", "rounds"), AttachArgs.OPTIONS), java.util.Set.of());
		if (!a.positionals().isEmpty()) throw new UsageException("bench live: unexpected " + a.positionals().get(0));
		AttachArgs live = new AttachArgs(a, null, false);
		if (!live.live()) throw new UsageException("bench live needs a running guest: --live DIR, or --ram FILE --qmp SOCKET --disk D");
		int rounds;
		try {
			rounds = Integer.parseInt(a.option("rounds", "10"));
			if (rounds < 1 || rounds > 10_000) throw new NumberFormatException();
		} catch (NumberFormatException e) {
			throw new UsageException("bench live: --rounds is a whole number from 1 to 10000");
		}
		try (cacheshadow.pagecache.LiveGuest g = live.attach()) {
			cacheshadow.bench.LiveBench.run(g, live.kernel(a.path("kernel")), live.disk(a.path("disk")), rounds, out);
		}
		return 0;
	}

	private int evidence(List<String> argv, PrintStream out) throws Exception {
		Args a = new Args(argv, java.util.Set.of("reads"), java.util.Set.of());
		if (a.positionals().size() != 1) throw new UsageException("bench evidence FILE");
		Path file = Path.of(a.positionals().get(0));
		int reads = Integer.parseInt(a.option("reads", "200000"));
		long size = Files.size(file);
		EvidenceHasher.sha256(file, Progress.NONE); // warm the page cache for both sides
		double ours = Double.MAX_VALUE, theirs = Double.MAX_VALUE;
		for (int r = 0; r < ROUNDS; r++) {
			long t0 = System.nanoTime();
			String h1 = EvidenceHasher.sha256(file, Progress.NONE);
			long t1 = System.nanoTime();
			Process p = new ProcessBuilder("sha256sum", file.toString()).redirectErrorStream(true).start();
			String h2 = new String(p.getInputStream().readAllBytes()).split("\\s+")[0];
			p.waitFor();
			long t2 = System.nanoTime();
			if (!h1.equals(h2)) throw new IllegalStateException("hashes differ: " + h1 + " vs sha256sum " + h2);
			ours = Math.min(ours, (t1 - t0) / 1e9);
			theirs = Math.min(theirs, (t2 - t1) / 1e9);
		}
		double mib = size / 1048576.0;
		out.printf("hash   %s (%.1f MiB): ours %.0f MiB/s, sha256sum %.0f MiB/s, ratio %.2f (goal >= 0.90)%n", file.getFileName(), mib,
				mib / ours, mib / theirs, theirs / ours);

		try (Layer layer = Layers.open(file); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
			List<Extent> ext = layer.extents();
			long mapped = ext.stream().mapToLong(Extent::length).sum();
			long[] addr = new long[reads];
			long[] fileOff = new long[reads];
			SplittableRandom rnd = new SplittableRandom(42);
			List<Long> starts = new ArrayList<>();
			long acc = 0;
			for (Extent e : ext) {
				starts.add(acc);
				acc += e.length();
			}
			for (int i = 0; i < reads; i++) {
				long x = rnd.nextLong(Math.max(1, mapped - 4096)) & ~4095L;
				int k = 0;
				while (k + 1 < ext.size() && starts.get(k + 1) <= x) k++;
				Extent e = ext.get(k);
				addr[i] = Math.min(e.start() + (x - starts.get(k)), e.end() - 4096);
				fileOff[i] = rnd.nextLong(Math.max(1, size - 4096)) & ~4095L;
			}
			byte[] buf = new byte[4096];
			ByteBuffer bb = ByteBuffer.allocateDirect(4096);
			double tl = Double.MAX_VALUE, tf = Double.MAX_VALUE;
			long sink = 0;
			for (int r = 0; r < ROUNDS; r++) {
				long t0 = System.nanoTime();
				for (int i = 0; i < reads; i++) {
					layer.read(addr[i], buf, 0, 4096);
					sink += buf[i & 4095];
				}
				long t1 = System.nanoTime();
				for (int i = 0; i < reads; i++) {
					bb.clear();
					ch.read(bb, fileOff[i]);
					sink += bb.get(i & 4095);
				}
				long t2 = System.nanoTime();
				tl = Math.min(tl, (t1 - t0) / 1e9);
				tf = Math.min(tf, (t2 - t1) / 1e9);
			}
			out.printf("layer  %s: %d random 4 KiB reads: layer %.0f k reads/s, plain positional reads %.0f k reads/s, ratio %.2f%s%n",
					layer.name(), reads, reads / tl / 1000, reads / tf / 1000, tf / tl, sink == 42 ? " " : "");
		}
		return 0;
	}
}
