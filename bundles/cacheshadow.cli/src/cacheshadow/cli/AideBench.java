package cacheshadow.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import cacheshadow.listing.ManifestFormat;

/**
 * {@code bench aide}: the seed's experiment as a benchmark. Debian's aide checks the running guest's disk and tmpfs
 * ({@link #SELECTION}) through {@code mount --live} (the merged view of one pause) and, in the same run and rounds,
 * the same check with the same database on the baseline: a copy of the guest's disk image (its jbd2 journal recovered
 * by {@code e2fsck -E journal_only}) mounted read-only by the host's kernel ({@code mount -o ro,loop}, root only);
 * where the kernel refuses that, {@code mount --disk} (our FUSE, the disk alone) is the baseline and the output says
 * so. {@code mount --disk} is measured too, to tell the FUSE cost from the merged view's, and both mounts once more with
 * {@code --keep-cache} (file pages kept by the kernel across opens, as it keeps the loop mount's). The database is
 * {@code aide --init} on the baseline (the disk holds the guest's state from before its attack). One untimed round,
 * then rounds whose sides take turns in rotating order; each check must find what the first one found (the disk:
 * nothing; the live mount: the same differences, and when DIR holds the guest's listings before and after its attack,
 * exactly what those differ in — {@link Aide#differences}). Medians and bests, ratios to the baseline.
 */
final class AideBench {
	static final List<String> SELECTION = List.of("/mnt/disk", "/mnt/tmp");
	private static final double GOAL = 1.5;

	/** One tree aide checks: its wall times and its first report, which every later one must equal. */
	private static final class Side {
		final String name;
		final Path root;
		final boolean live;
		final List<Long> nanos = new ArrayList<>();
		Aide.Report first;

		Side(String name, Path root, boolean live) {
			this.name = name;
			this.root = root;
			this.live = live;
		}

		long median() {
			long[] s = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
			return s[s.length / 2];
		}

		long best() {
			return nanos.stream().mapToLong(Long::longValue).min().orElseThrow();
		}

		/** The median over rounds of this side's time over {@code base}'s in the same round (load shared by both). */
		double pairedRatio(Side base) {
			double[] r = new double[nanos.size()];
			for (int i = 0; i < r.length; i++) r[i] = (double) nanos.get(i) / base.nanos.get(i);
			java.util.Arrays.sort(r);
			return r[r.length / 2];
		}
	}

	private AideBench() {
	}

	static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
		Args a = new Args(argv, EvidenceArgs.union(java.util.Set.of("disk", "rounds", "dir"), AttachArgs.OPTIONS), java.util.Set.of());
		if (!a.positionals().isEmpty()) throw new UsageException("bench aide: unexpected " + a.positionals().get(0));
		AttachArgs live = new AttachArgs(a, null, false);
		if (!live.live()) throw new UsageException("bench aide needs a running guest: --live DIR, or --ram FILE --qmp SOCKET --disk D");
		Path disk = live.disk(a.path("disk"));
		if (disk == null) throw new UsageException("bench aide: the guest's disk image is needed (--disk D, or DIR/disk.img under --live DIR)");
		int rounds;
		try {
			rounds = Integer.parseInt(a.option("rounds", "20"));
			if (rounds < 1 || rounds > 10_000) throw new NumberFormatException();
		} catch (NumberFormatException e) {
			throw new UsageException("bench aide: --rounds is a whole number from 1 to 10000");
		}
		List<String> attach = new ArrayList<>();
		if (live.dir != null) attach.addAll(List.of("--live", live.dir.toString()));
		else attach.addAll(List.of("--ram", live.ram.toString(), "--qmp", live.qmp.toString()));
		attach.addAll(List.of("--disk", disk.toString()));
		Path work = a.path("dir") != null ? Files.createDirectories(a.path("dir")) : Files.createTempDirectory("cacheshadow-aide-bench");
		try {
			return measure(live.dir, disk, attach, rounds, work, out, err);
		} finally {
			if (a.path("dir") == null) {
				try {
					deleteTree(work);
				} catch (IOException e) { // e.g. a mount that would not go away: say so, keep the result
					err.println("bench aide: could not remove " + work + ": " + e.getMessage());
				}
			}
		}
	}

	private static int measure(Path liveDir, Path disk, List<String> attach, int rounds, Path work, PrintStream out, PrintStream err) throws Exception {
		Aide aide = new Aide(Files.createDirectories(work.resolve("aide")), SELECTION);
		Path copy = work.resolve("disk.copy.img");
		Files.copy(disk, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
		Path kernelRoot = work.resolve("kernel"), kernelMount = Files.createDirectories(kernelRoot.resolve("mnt/disk"));
		String refused = kernelMount(copy, kernelMount);
		List<BackgroundMount> mounts = new ArrayList<>();
		List<Side> sides = new ArrayList<>();
		try {
			if (refused == null) sides.add(new Side("kernel ext4, ro loop mount of a copy of " + disk.getFileName(), kernelRoot, false));
			else out.println("kernel loop mount refused (" + refused + "): the baseline is mount --disk through our FUSE");
			// the same mounts with the kernel's page cache kept across opens (--keep-cache) and without (direct I/O)
			for (String flags : List.of("", "--keep-cache")) {
				List<String> d = new ArrayList<>(), l = new ArrayList<>();
				if (!flags.isEmpty()) {
					d.add(flags);
					l.add(flags);
				}
				d.addAll(List.of("--disk", copy.toString()));
				l.addAll(attach);
				String suffix = flags.isEmpty() ? "" : "-keep-cache";
				BackgroundMount dm = BackgroundMount.start(Files.createDirectories(work.resolve("fuse-disk" + suffix + "/mnt/disk")), 300, d.toArray(String[]::new));
				mounts.add(dm);
				BackgroundMount lm = BackgroundMount.start(Files.createDirectories(work.resolve("live" + suffix)), 600, l.toArray(String[]::new));
				mounts.add(lm);
				String f = flags.isEmpty() ? "" : " " + flags;
				lm.err().lines().filter(x -> x.startsWith("live guest")).forEach(x -> out.println("mount --live" + f + ": " + x));
				sides.add(new Side("mount --disk" + f + " (our FUSE, the disk alone)", dm.mountpoint().getParent().getParent(), false));
				sides.add(new Side("mount --live" + f + " (our FUSE, merged view of the running guest)", lm.mountpoint(), true));
			}
			Side baseline = sides.get(0);
			Aide.Report init = aide.init(baseline.root);
			out.printf("aide %s, database: aide --init on the %s (%d entries); attributes %s of %s%n", version(), baseline.name, init.entries(), Aide.ATTRIBUTES,
					String.join(", ", SELECTION));
			Aide.Differences truth = groundTruth(liveDir);
			for (int r = -1; r < rounds; r++) { // round -1: untimed (page caches, the mounts' first reads)
				for (int k = 0; k < sides.size(); k++) {
					Side s = sides.get(Math.floorMod(r + k, sides.size()));
					Aide.Report rep = aide.check(s.root);
					verify(s, rep, truth);
					if (r >= 0) s.nanos.add(rep.nanos());
				}
			}
			out.printf("aide --check, %d rounds, median (best), ratio of medians to the %s:%n", rounds, refused == null ? "kernel ro mount" : "mount --disk");
			for (Side s : sides) {
				Aide.Report f = s.first;
				out.printf("  %-72s %7.1f ms (%.1f) %5.2fx, %d entries, %s%n", s.name + ":", s.median() / 1e6, s.best() / 1e6, (double) s.median() / baseline.median(),
						f.entries(), f.differences().none() ? "no differences"
								: String.format("%d added, %d removed, %d changed%s", f.differences().added().size(), f.differences().removed().size(),
										f.differences().changed().size(), truth == null ? "" : " (= the guest's own listings)"));
			}
			for (Side s : sides) {
				if (!s.live) continue;
				out.printf("ratio %s / %s: %.2f median of the rounds' ratios, %.2f of the medians, %.2f of the bests (goal <= %.2f)%n",
						s.name.substring(0, s.name.indexOf(" (")), refused == null ? "kernel ro mount" : "mount --disk", s.pairedRatio(baseline),
						(double) s.median() / baseline.median(), (double) s.best() / baseline.best(), GOAL);
			}
			return 0;
		} finally {
			for (BackgroundMount m : mounts.reversed()) {
				try {
					m.close();
				} catch (IOException e) {
					err.println("bench aide: " + e.getMessage());
				}
			}
			if (refused == null) umount(kernelMount, err);
		}
	}

	/** Every check of a side finds what its first one found; the live mount what the guest's listings differ in. */
	private static void verify(Side s, Aide.Report rep, Aide.Differences truth) throws IOException {
		Aide.Report first = s.first;
		if (first == null) {
			s.first = rep;
			if (!s.live && (rep.exit() != 0 || !rep.differences().none())) throw new IOException(s.name + ": aide found differences on the disk alone: " + rep.differences());
			if (s.live && truth != null && !truth.equals(rep.differences())) {
				throw new IOException(s.name + ": aide found " + rep.differences() + ", the guest's own listings differ in " + truth);
			}
		} else if (rep.exit() != first.exit() || !rep.differences().equals(first.differences()) || rep.entries() != first.entries()) {
			throw new IOException(s.name + ": aide found " + rep.differences() + " (exit " + rep.exit() + "), before " + first.differences());
		}
	}

	/**
	 * What aide must find on the live mount when {@code dir} holds the guest's listings from make-evidence.sh: the
	 * disk after its last synced round ({@code manifest.round-K.tsv}, highest K) and everything after the attack
	 * ({@code manifest.tsv}); else null.
	 */
	private static Aide.Differences groundTruth(Path dir) throws IOException {
		if (dir == null || !Files.isRegularFile(dir.resolve("manifest.tsv"))) return null;
		Path lastRound = null;
		int k = -1;
		try (Stream<Path> s = Files.list(dir)) {
			for (Path p : s.toList()) {
				String n = p.getFileName().toString();
				if (n.matches("manifest\\.round-\\d+\\.tsv") && Integer.parseInt(n.replaceAll("\\D", "")) > k) {
					k = Integer.parseInt(n.replaceAll("\\D", ""));
					lastRound = p;
				}
			}
		}
		if (lastRound == null) return null;
		return Aide.differences(ManifestFormat.read(lastRound), ManifestFormat.read(dir.resolve("manifest.tsv")), SELECTION);
	}

	/** Mounts {@code image} read-only by the kernel at {@code at}; null, or why it could not. */
	private static String kernelMount(Path image, Path at) throws IOException, InterruptedException {
		// the guest has the file system mounted: recover its journal in the copy, as a read-only mount cannot
		String fsck = command("e2fsck", "-E", "journal_only", "-y", image.toString());
		if (fsck != null && !fsck.startsWith("exit 1:")) return "e2fsck -E journal_only: " + fsck;
		return command("mount", "-o", "ro,loop,nosuid,nodev,noexec", "-t", "ext4", image.toString(), at.toString());
	}

	private static void umount(Path at, PrintStream err) {
		try {
			String said = command("umount", at.toString());
			if (said != null) err.println("bench aide: umount " + at + ": " + said);
		} catch (IOException | InterruptedException e) {
			err.println("bench aide: umount " + at + ": " + e.getMessage());
		}
	}

	/** Runs a command; null when it exits 0, else {@code exit N: its output}. */
	private static String command(String... cmd) throws IOException, InterruptedException {
		Process p;
		try {
			p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
		} catch (IOException e) {
			return e.getMessage();
		}
		String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip().replace('\n', ' ');
		int exit = p.waitFor();
		return exit == 0 ? null : "exit " + exit + ": " + said;
	}

	private static String version() {
		try {
			Process p = new ProcessBuilder("aide", "--version").redirectErrorStream(true).start();
			String first = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().findFirst().orElse("");
			p.waitFor();
			return first.replace("AIDE ", "").strip();
		} catch (IOException | InterruptedException e) {
			return "?";
		}
	}

	private static void deleteTree(Path root) throws IOException {
		try (Stream<Path> s = Files.walk(root)) {
			for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
		}
	}
}
