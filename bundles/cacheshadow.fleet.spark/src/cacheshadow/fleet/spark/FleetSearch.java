package cacheshadow.fleet.spark;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.SerializableConfiguration;

import cacheshadow.cli.Args;
import cacheshadow.cli.UsageException;
import cacheshadow.journal.JournalFormat;
import cacheshadow.journal.KnownBlocks;
import cacheshadow.journal.SectorHashSearch;
import cacheshadow.journal.Timeline;
import cacheshadow.journal.WriteLog;
import cacheshadow.layers.Progress;
import cacheshadow.listing.GuestName;

/**
 * The fleet's sector-hash search as a Spark application (issue 16): every journal record of every guest that wrote a
 * 4 KiB block of known files, over all journals in HDFS (or a local directory). The search of each piece is the
 * journal bundle's ({@link SectorHashSearch}); each task searches one share of one journal, and the hits table is
 * exactly the one {@code ./cacheshadow search} writes for the same journals in the same order (header, then
 * {@code journal entry time sector file file_offset}).
 *
 * <p>Submitted like any Spark application: {@code spark-submit --class cacheshadow.fleet.spark.FleetSearch
 * cacheshadow.fleet.spark.jar --journal DIR|J ... (--file F ... | --hashes LIST) --out HITS.tsv}.
 */
public final class FleetSearch {
	static final String USAGE = """
			usage: FleetSearch --journal J|DIR [--journal ...] [--timeline T] (--file F ... | --hashes LIST) --out HITS.tsv
			                   [--every-sector] [--split-mb N] [--parts DIR]
			  J and DIR are local paths or Hadoop URIs (hdfs://namenode:port/fleet); a directory stands for every
			  journal under it (dm-log-writes or .csj, by their magic; other files are passed over), in name order.
			  Each journal is searched in shares of about N MB of write data (default 256), one Spark task each.
			  HITS.tsv (a local file): as ./cacheshadow search writes it. --parts: where the tasks write their rows
			  before they are joined in order (default HITS.tsv.parts beside it; on a cluster a shared file system,
			  e.g. hdfs:///tmp/hits.parts). --timeline: as ./cacheshadow search, the timing sidecar (a local
			  timeline.tsv) of the one journal that has no time of its own.""";

	private FleetSearch() {
	}

	public static void main(String[] argv) throws Exception {
		try {
			System.exit(run(List.of(argv), System.err));
		} catch (UsageException e) {
			System.err.println("search: " + e.getMessage());
			System.err.println(USAGE);
			System.exit(2);
		}
	}

	static int run(List<String> argv, PrintStream err) throws Exception {
		Args a = new Args(argv, Set.of("hashes", "out", "split-mb", "parts", "timeline"), Set.of("journal", "file"), Set.of("every-sector"));
		if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument " + a.positionals().get(0));
		List<String> journals = a.all("journal"), files = a.all("file");
		if (journals.isEmpty()) throw new UsageException("--journal is required");
		if (files.isEmpty() == (a.option("hashes") == null)) throw new UsageException("give either --file F ... or --hashes LIST");
		Path out = a.requiredPath("out");
		long splitBytes;
		try {
			splitBytes = Long.parseLong(a.option("split-mb", "256")) << 20;
			if (splitBytes <= 0) throw new NumberFormatException();
		} catch (NumberFormatException e) {
			throw new UsageException("--split-mb takes a positive number of megabytes");
		}
		boolean everySector = a.flag("every-sector");
		// a local journal that is not there is refused before Spark starts
		for (String j : journals) if (!j.contains("://") && !Files.exists(Path.of(j))) throw new UsageException(j + ": no such file or directory");
		KnownBlocks known = KnownBlocks.of(a.path("hashes"), files, err);
		Timeline timeline = a.path("timeline") == null ? null : Timeline.read(a.path("timeline"));
		long t0 = System.nanoTime();
		SparkConf conf = new SparkConf().setAppName("cacheshadow fleet search");
		try (JavaSparkContext sc = new JavaSparkContext(conf)) {
			Configuration hadoop = sc.hadoopConfiguration();
			List<JournalSplit> splits = new ArrayList<>();
			int count = 0;
			long bytes = 0;
			for (String j : journals) {
				for (JournalSplit whole : list(j, hadoop, err)) {
					int n = (int) Math.max(1, Math.min(1 << 16, (whole.length() + splitBytes - 1) / splitBytes));
					for (int k = 0; k < n; k++) splits.add(new JournalSplit(whole.shown(), whole.location(), whole.local(), whole.length(), whole.modified(), k, n));
					count++;
					bytes += whole.length();
				}
			}
			if (count == 0) throw new UsageException("no journal found in " + String.join(", ", journals));
			Broadcast<KnownBlocks> set = sc.broadcast(known);
			Broadcast<SerializableConfiguration> hconf = sc.broadcast(new SerializableConfiguration(hadoop));
			LongAccumulator data = sc.sc().longAccumulator("write data"), windows = sc.sc().longAccumulator("windows"),
					hashed = sc.sc().longAccumulator("hashed"), hits = sc.sc().longAccumulator("hits");
			CollectionAccumulator<String> damage = sc.sc().collectionAccumulator("damage"), untimed = sc.sc().collectionAccumulator("untimed");
			// tasks run in partition order: share 0 of every journal first, then share 1, ..., so the cores start on
			// different journals rather than wait for one journal's parse; the table is joined back in journal order
			List<JournalSplit> scheduled = new ArrayList<>(splits);
			scheduled.sort(Comparator.comparingInt(JournalSplit::k));
			int[] order = new int[splits.size()];
			java.util.Map<JournalSplit, Integer> at = new java.util.HashMap<>();
			for (int i = 0; i < splits.size(); i++) at.put(splits.get(i), i);
			for (int i = 0; i < scheduled.size(); i++) order[i] = at.get(scheduled.get(i));
			JavaRDD<String> rows = sc.parallelize(scheduled, scheduled.size()).flatMap(s -> {
				WriteLog log = ExecutorJournals.open(s, hconf.value().value());
				boolean timed;
				ShareHits found = new ShareHits();
				SectorHashSearch.Stats st;
				try {
					timed = SectorHashSearch.hasTime(log);
					if (s.k() == 0) {
						log.damage().ifPresent(d -> damage.add(d.message()));
						if (!timed) untimed.add(s.shown());
					}
					int[] r = SectorHashSearch.share(log, s.k(), s.n());
					st = SectorHashSearch.search(log, r[0], r[1], set.value(), everySector, found::add, Progress.NONE);
				} finally {
					ExecutorJournals.release(s);
				}
				data.add(st.dataBytes());
				windows.add(st.windows());
				hashed.add(st.hashed());
				hits.add(st.hits());
				// as the command line: the timing sidecar gives times to the journal that has none of its own
				return found.rows(s.shown(), log, timed ? null : timeline);
			});
			String parts = a.option("parts", out.toAbsolutePath() + ".parts");
			org.apache.hadoop.fs.Path partsDir = new org.apache.hadoop.fs.Path(parts.contains(":") ? parts : "file://" + Path.of(parts).toAbsolutePath());
			FileSystem partsFs = partsDir.getFileSystem(hadoop);
			if (partsFs.exists(partsDir)) throw new UsageException(parts + " exists (left by an earlier run?); remove it or give --parts");
			long job;
			try {
				// the executors' first task (class loading, their start) is not the search's time
				sc.parallelize(List.of(1, 2), 2).count();
				long t1 = System.nanoTime();
				rows.saveAsTextFile(partsDir.toString());
				job = System.nanoTime() - t1;
				for (String d : damage.value()) err.println("search: " + d + " (the entries before it are searched)");
				// the command line's rule, checked once the tasks have opened the journals: no table is written
				if (timeline != null && untimed.value().size() > 1) {
					throw new UsageException("--timeline: " + untimed.value().size() + " journals have no time of their own; a timing sidecar belongs to one");
				}
				if (timeline != null && untimed.value().isEmpty()) err.println("search: --timeline not used: every journal has its own times");
				join(partsFs, partsDir, order, out);
			} finally {
				partsFs.delete(partsDir, true);
			}
			double sec = (System.nanoTime() - t0) / 1e9;
			err.printf(Locale.ROOT, "search: %d journals (%.1f MB) in %d tasks: %.1f MB of writes, %d windows, %d hashed, %d hits in %.2f s (the job %.2f s)%n", count,
					bytes / 1e6, splits.size(), data.value() / 1e6, windows.value(), hashed.value(), hits.value(), sec, job / 1e9);
			err.println("search: " + hits.value() + " hits written to " + out);
		}
		return 0;
	}

	/**
	 * The journals {@code given} names: itself when it is a file (named as given, as the command line names it), every
	 * journal under it when it is a directory (named by its path there), in name order.
	 */
	static List<JournalSplit> list(String given, Configuration hadoop, PrintStream err) throws IOException, UsageException {
		List<JournalSplit> found = new ArrayList<>();
		if (!given.contains("://")) {
			Path p = Path.of(given);
			if (!Files.exists(p)) throw new UsageException(given + ": no such file or directory");
			if (!Files.isDirectory(p)) {
				found.add(local(given, p));
				return found;
			}
			try (Stream<Path> s = Files.walk(p)) {
				for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
					if (isJournal(Files.newInputStream(f))) found.add(local(f.toString(), f));
					else err.println("search: " + shown(f.toString()) + " is no journal; passed over");
				}
			}
			return found;
		}
		org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(given);
		FileSystem fs = p.getFileSystem(hadoop);
		FileStatus st = fs.getFileStatus(p);
		if (!st.isDirectory()) {
			found.add(new JournalSplit(shown(given), st.getPath().toString(), false, st.getLen(), st.getModificationTime(), 0, 1));
			return found;
		}
		List<LocatedFileStatus> all = new ArrayList<>();
		for (RemoteIterator<LocatedFileStatus> it = fs.listFiles(p, true); it.hasNext();) all.add(it.next());
		all.sort(Comparator.comparing(f -> f.getPath().toString()));
		for (LocatedFileStatus f : all) {
			String name = f.getPath().toString();
			if (isJournal(fs.open(f.getPath()))) found.add(new JournalSplit(shown(name), name, false, f.getLen(), f.getModificationTime(), 0, 1));
			else err.println("search: " + shown(name) + " is no journal; passed over");
		}
		return found;
	}

	private static JournalSplit local(String shown, Path p) throws IOException {
		return new JournalSplit(shown(shown), p.toAbsolutePath().toString(), true, Files.size(p), Files.getLastModifiedTime(p).toMillis(), 0, 1);
	}

	/** A journal as hits name it: as ./cacheshadow search names it (control characters escaped). */
	private static String shown(String name) {
		return GuestName.text(name.getBytes(StandardCharsets.UTF_8));
	}

	private static boolean isJournal(InputStream in) throws IOException {
		try (in) {
			byte[] b = in.readNBytes(8);
			return JournalFormat.of(b, b.length) != null;
		}
	}

	/**
	 * Header, then the tasks' part files (part-N: partition N's rows) in the journals' order, each one's shares in
	 * order: {@code place[N]} is partition N's position in that order.
	 */
	private static void join(FileSystem fs, org.apache.hadoop.fs.Path dir, int[] place, Path out) throws IOException {
		FileStatus[] parts = fs.listStatus(dir, p -> p.getName().startsWith("part-"));
		if (parts.length != place.length) throw new IOException(dir + ": " + parts.length + " part files of " + place.length + " tasks");
		Arrays.sort(parts, Comparator.comparingInt(f -> place[Integer.parseInt(f.getPath().getName().substring(5))]));
		Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
		try (var o = Files.newOutputStream(tmp)) {
			BufferedWriter w = new BufferedWriter(new OutputStreamWriter(o, StandardCharsets.UTF_8));
			w.write(SectorHashSearch.HEADER);
			w.write('\n');
			w.flush();
			for (FileStatus f : parts) {
				try (InputStream in = fs.open(f.getPath())) {
					in.transferTo(o);
				}
			}
		}
		Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
	}
}
