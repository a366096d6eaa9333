package cacheshadow.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * {@code bench startup [SET_DIR]}: each subcommand as an examiner runs it, a whole {@code ./cacheshadow} process, timed
 * from its start to its first byte of output (stdout or stderr), median of N; against the same command inside OSGi
 * ({@code CACHESHADOW_OSGI=1}, the launcher's former way), the two taking turns in one run. With SET_DIR (an evidence
 * set: memory.elf, disk.img, disk.base.img, writes.log, kernel/) the evidence commands run on it; the others, and all
 * without SET_DIR, show their usage. Then the whole analysis of the snapshot (wall time and peak RSS) against a plain
 * {@code cat} of it and, with {@code --volatility CMD}, against that command (Volatility 3's linux.pagecache.Files on the
 * same dump), taking turns too. {@code --baseline LAUNCHER} (another build's {@code ./cacheshadow}) is timed in the same
 * turns in both; {@code --only NAME,...} keeps the subcommands named ({@code --help} for the usage; the whole analysis
 * only with {@code analyze}). Each plain run's CPU time to its first output (user + system, the launcher's shell and
 * the JVM, from /proc) is shown beside its time.
 */
final class StartupBench {
	/** Whole-process figures of one run. */
	private record Run(double firstOutput, double wall, long peakRssKib, int exit, double cpu) {
	}

	private final Path launcher;
	private final Path work;
	private final int runs;
	private final PrintStream out;

	private StartupBench(Path launcher, Path work, int runs, PrintStream out) {
		this.launcher = launcher;
		this.work = work;
		this.runs = runs;
		this.out = out;
	}

	static int run(List<String> argv, PrintStream out) throws Exception {
		Args a = new Args(argv, Set.of("runs", "volatility", "baseline", "only"), Set.of("analysis-only"));
		if (a.positionals().size() > 1) {
			throw new UsageException("bench startup [SET_DIR] [--runs N] [--volatility CMD] [--baseline LAUNCHER] [--only NAME,...] [--analysis-only]");
		}
		String l = System.getProperty("cacheshadow.launcher");
		if (l == null) throw new UsageException("bench startup times ./cacheshadow itself: run it through ./cacheshadow");
		int runs = Integer.parseInt(a.option("runs", "5"));
		if (runs < 1) throw new UsageException("--runs must be at least 1");
		Path set = a.positionals().isEmpty() ? null : Path.of(a.positionals().get(0));
		if (set != null && !Files.isRegularFile(set.resolve("memory.elf"))) throw new UsageException(set + " holds no memory.elf");
		String baseline = a.option("baseline", null);
		if (baseline != null && !Files.isExecutable(Path.of(baseline))) throw new UsageException("--baseline " + baseline + ": not an executable ./cacheshadow");
		if (a.flag("analysis-only") && set == null) throw new UsageException("--analysis-only needs SET_DIR");
		Path work = Files.createTempDirectory("bench-startup");
		try {
			StartupBench b = new StartupBench(Path.of(l), work, runs, out);
			String only = a.option("only", null);
			if (!a.flag("analysis-only")) b.startup(set, only == null ? null : Set.of(only.split(",")), baseline == null ? null : Path.of(baseline));
			// the whole analysis too, unless --only names other subcommands
			if (set != null && (only == null || Set.of(only.split(",")).contains("analyze"))) {
				b.analysis(set, a.option("volatility", null), baseline == null ? null : Path.of(baseline));
			}
		} finally {
			try (var files = Files.walk(work)) {
				files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
			}
		}
		return 0;
	}

	private void startup(Path set, Set<String> only, Path baseline) throws Exception {
		List<List<String>> commands = new ArrayList<>();
		commands.add(List.of("--help"));
		if (set != null) {
			String m = set.resolve("memory.elf").toString(), d = set.resolve("disk.img").toString(), k = set.resolve("kernel").toString();
			String base = set.resolve("disk.base.img").toString(), j = set.resolve("writes.log").toString();
			commands.add(List.of("analyze", "--memory", m, "--kernel", k, "--view", "cache-only", "--manifest", work.resolve("a.tsv").toString()));
			commands.add(List.of("diff", "--memory", m, "--disk", d, "--kernel", k, "--path", "/mnt/disk/data/blob.bin"));
			commands.add(List.of("export", "--memory", m, "--disk", d, "--kernel", k, "--view", "merged", "--format", "dfxml", "--out", work.resolve("x.dfxml").toString()));
			commands.add(List.of("replay", "--disk", base, "--journal", j, "--at", "end", "--manifest", work.resolve("r.tsv").toString()));
			commands.add(List.of("timeline", "--journal", j));
			commands.add(List.of("changes", "--disk", base, "--journal", j, "--from", "entry:0", "--to", "end"));
			commands.add(List.of("case", "new", "@CASE"));
		}
		for (Command c : new Cli(out, out).commands()) {
			// sample is the launcher's own (it prepares the sample case first): not a start-up of the command line
			if (c.name().equals("sample")) continue;
			if (commands.stream().noneMatch(x -> x.get(0).equals(c.name()))) commands.add(List.of(c.name(), "--help"));
		}
		if (only != null) commands.removeIf(c -> !only.contains(c.get(0)));
		if (commands.isEmpty()) throw new UsageException("--only " + String.join(",", only) + ": no such subcommand here (the evidence commands need SET_DIR)");
		out.printf("startup: time to first output (stdout or stderr), whole process through %s, median of %d (min-max);%n", launcher, runs);
		out.println("  against the same command in OSGi (CACHESHADOW_OSGI=1)" + (baseline == null ? "" : " and through " + baseline)
				+ ", taking turns; goal <= 0.3 s (--help <= 0.2 s); load average " + loadAverage());
		out.printf("  %-34s %-20s %-20s %-20s %-7s %s%n", "command", "plain class path, s", "its CPU to then, s", "OSGi, s", "ratio", "goal");
		// one untimed run of each side first: the OSGi configuration area, the jars in the page cache
		time(List.of("--help"), false, false);
		time(List.of("--help"), true, false);
		if (baseline != null) time(baseline(baseline, List.of("--help")), false, false, true);
		int caseNo = 0;
		for (List<String> cmd : commands) {
			double[] plain = new double[runs], cpu = new double[runs], osgi = new double[runs], base = new double[runs], baseCpu = new double[runs];
			for (int r = 0; r < runs; r++) {
				Run x = time(withCase(cmd, ++caseNo), false, false);
				plain[r] = x.firstOutput;
				cpu[r] = x.cpu;
				osgi[r] = time(withCase(cmd, ++caseNo), true, false).firstOutput;
				if (baseline != null) {
					Run y = time(baseline(baseline, withCase(cmd, ++caseNo)), false, false, true);
					base[r] = y.firstOutput;
					baseCpu[r] = y.cpu;
				}
			}
			double p = median(plain), o = median(osgi);
			double goal = cmd.get(0).equals("--help") ? 0.2 : 0.3;
			out.printf("  %-34s %-20s %-20s %-20s %-7.2f %s%n", label(cmd), spread(plain), spread(cpu), spread(osgi), p / o, p <= goal ? "met" : "NOT met (<= " + goal + ")");
			if (baseline != null) out.printf("  %-34s %-20s %-20s%n", "  baseline", spread(base), spread(baseCpu));
		}
		out.println("  load average at the end " + loadAverage());
	}

	private static List<String> baseline(Path launcher, List<String> cmd) {
		List<String> line = new ArrayList<>(List.of(launcher.toString()));
		line.addAll(cmd);
		return line;
	}

	private static String loadAverage() {
		try {
			return String.join(" ", Arrays.asList(Files.readString(Path.of("/proc/loadavg")).split(" ")).subList(0, 3));
		} catch (IOException | RuntimeException e) {
			return "unknown";
		}
	}

	/**
	 * CPU time a process and the children it waited for used so far (user + system, /proc/PID/stat), in seconds; NaN
	 * where /proc does not say (a command that prints at its end may be gone, reaped, by then). The launcher's shell
	 * execs the JVM, so both are the one process.
	 */
	private static double cpuSeconds(long pid) {
		try {
			String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
			String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
			// after the name: state is field 3; utime, stime, cutime, cstime are fields 14-17
			long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
			return ticks / 100.0; // USER_HZ, 100 on Linux
		} catch (IOException | RuntimeException e) {
			return Double.NaN;
		}
	}

	/** {@code baseline}: another build's {@code ./cacheshadow} (e.g. before a change), its analyze timed in the same turns. */
	private void analysis(Path set, String volatility, Path baseline) throws Exception {
		Path memory = set.resolve("memory.elf");
		List<String> analyze = List.of("analyze", "--memory", memory.toString(), "--view", "cache-only", "--manifest", work.resolve("b.tsv").toString());
		out.printf("%nanalyze --memory %s --view cache-only (whole process, to its exit), median of %d, taking turns%n", memory, runs);
		double[] ours = new double[runs], cat = new double[runs], vol = new double[runs], base = new double[runs];
		long[] rss = new long[runs], volRss = new long[runs], baseRss = new long[runs];
		for (int r = 0; r < runs; r++) {
			Run x = time(analyze, false, true);
			if (x.exit != 0) throw new IllegalStateException("analyze exited with " + x.exit);
			ours[r] = x.wall;
			rss[r] = x.peakRssKib;
			if (baseline != null) {
				Run y = time(baseline(baseline, analyze), false, true, true);
				if (y.exit != 0) throw new IllegalStateException(baseline + " analyze exited with " + y.exit);
				base[r] = y.wall;
				baseRss[r] = y.peakRssKib;
			}
			cat[r] = time(List.of("cat", memory.toString()), false, true, true).wall;
			if (volatility != null) {
				Run v = time(List.of("sh", "-c", volatility), false, true, true);
				vol[r] = v.wall;
				volRss[r] = v.peakRssKib;
			}
		}
		double o = median(ours);
		out.printf("  ours %s s, peak RSS %s MiB; cat of the dump %s s: %.1fx the cat%n", spread(ours), mib(rss), spread(cat), o / median(cat));
		if (baseline != null) {
			out.printf("  baseline %s: %s s, peak RSS %s MiB; ours %.2fx its time%n", baseline, spread(base), mib(baseRss), o / median(base));
		}
		if (volatility != null) {
			double v = median(vol);
			out.printf("  %s: %s s, peak RSS %s MiB%n  ours %.1fx faster (goal >= 5), peak RSS %.2fx Volatility's (goal <= 1)%n", volatility, spread(vol),
					mib(volRss), v / o, medianOf(rss) / (double) medianOf(volRss));
			if (baseline != null) out.printf("  the baseline %.1fx faster than it%n", v / median(base));
		}
	}

	private Run time(List<String> cmd, boolean osgi, boolean toExit) throws IOException, InterruptedException {
		return time(cmd, osgi, toExit, false);
	}

	/**
	 * One whole process: {@code ./cacheshadow CMD} (or CMD itself when {@code external}), under /usr/bin/time for its peak
	 * RSS when the run goes to its exit; otherwise killed once its first output came, on the plain class path only (an
	 * OSGi framework killed while it starts may leave its configuration area unusable for the next run).
	 */
	private Run time(List<String> cmd, boolean osgi, boolean toExit, boolean external) throws IOException, InterruptedException {
		List<String> line = new ArrayList<>();
		Path rss = work.resolve("rss");
		boolean gnuTime = toExit && Files.isExecutable(Path.of("/usr/bin/time"));
		if (gnuTime) line.addAll(List.of("/usr/bin/time", "-f", "%M", "-o", rss.toString()));
		if (!external) line.add(launcher.toString());
		line.addAll(cmd);
		ProcessBuilder pb = new ProcessBuilder(line).redirectErrorStream(true);
		// the product is built: no staleness check (a rebuild) in the middle of the figures
		pb.environment().put("CACHESHADOW_BUILT", "1");
		if (osgi) pb.environment().put("CACHESHADOW_OSGI", "1");
		else pb.environment().remove("CACHESHADOW_OSGI");
		long t0 = System.nanoTime();
		Process p = pb.start();
		double first, cpu;
		try (InputStream in = p.getInputStream()) {
			int b = in.read();
			first = (System.nanoTime() - t0) / 1e9;
			cpu = cpuSeconds(p.pid());
			if (b < 0) throw new IllegalStateException(String.join(" ", cmd) + ": no output at all");
			if (toExit || osgi) in.transferTo(java.io.OutputStream.nullOutputStream());
			else p.descendants().forEach(ProcessHandle::destroyForcibly);
		} finally {
			if (!toExit && !osgi) p.destroyForcibly();
		}
		int exit = p.waitFor();
		double wall = (System.nanoTime() - t0) / 1e9;
		long kib = 0;
		if (gnuTime && Files.exists(rss)) {
			List<String> l = Files.readAllLines(rss);
			kib = Long.parseLong(l.get(l.size() - 1).trim());
		}
		return new Run(first, wall, kib, exit, cpu);
	}

	private List<String> withCase(List<String> cmd, int no) {
		return cmd.stream().map(s -> s.equals("@CASE") ? work.resolve("case-" + no).toString() : s).toList();
	}

	private static String label(List<String> cmd) {
		if (cmd.size() == 1 || cmd.get(1).equals("--help")) return String.join(" ", cmd);
		if (cmd.get(0).equals("case")) return "case new DIR";
		return cmd.get(0) + " (" + cmd.stream().filter(s -> s.startsWith("--")).map(s -> s.substring(2)).reduce((x, y) -> x + "," + y).orElse("") + ")";
	}

	private static double median(double[] v) {
		double[] s = v.clone();
		Arrays.sort(s);
		return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
	}

	private static long medianOf(long[] v) {
		long[] s = v.clone();
		Arrays.sort(s);
		return s[s.length / 2];
	}

	/** Median (min-max) of the values known: a CPU time is not when the process had ended before it was read. */
	private static String spread(double[] v) {
		double[] k = Arrays.stream(v).filter(x -> !Double.isNaN(x)).toArray();
		if (k.length == 0) return "n/a";
		return String.format("%.3f (%.3f-%.3f)", median(k), Arrays.stream(k).min().orElse(0), Arrays.stream(k).max().orElse(0))
				+ (k.length < v.length ? " of " + k.length : "");
	}

	private static String mib(long[] kib) {
		return String.format("%d (%d-%d)", medianOf(kib) >> 10, Arrays.stream(kib).min().orElse(0) >> 10, Arrays.stream(kib).max().orElse(0) >> 10);
	}
}
