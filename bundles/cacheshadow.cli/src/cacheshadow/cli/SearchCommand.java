package cacheshadow.cli;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import cacheshadow.journal.JournalFormat;
import cacheshadow.journal.KnownBlocks;
import cacheshadow.journal.LogDamage;
import cacheshadow.journal.SectorHashSearch;
import cacheshadow.journal.Timeline;
import cacheshadow.journal.TimestampedJournal;
import cacheshadow.journal.WriteLog;
import cacheshadow.layers.AtomicFile;
import cacheshadow.layers.Progress;
import cacheshadow.listing.GuestName;

/**
 * {@code search}: which journal entries wrote a block of known files (sector-hash search, issue 16). The output is
 * an exact contract outside checks read: a header, then one tab-separated row per hit,
 * {@code journal entry time sector file file_offset}.
 */
final class SearchCommand implements Command {
	static final String HEADER = SectorHashSearch.HEADER;

	@Override
	public String name() {
		return "search";
	}

	@Override
	public String summary() {
		return "journal entries that wrote a 4 KiB block of known files (sector-hash search)";
	}

	@Override
	public String usage() {
		return """
				usage: ./cacheshadow search --journal J [--journal J2 ...] [--timeline T] (--file F ... | --hashes LIST) --out HITS.tsv
				                            [--every-sector] [--save-hashes SET]
				  Finds every write entry of the journals (dm-log-writes or .csj) that wrote a whole 4 KiB block of the
				  files (blocks at file offsets 0, 4096, ...; the last one zero-padded; all-zero blocks left out), at the
				  4 KiB-aligned disk blocks inside each write (a write not 4 KiB-aligned is searched at the blocks it
				  covers whole); --every-sector tries every sector offset (file systems not on the disk's 4 KiB grid).
				  HITS.tsv: header, then one row per hit: journal, entry (0-based), time (the journal's own, else the
				  --timeline sidecar's estimate, ISO-8601 UTC; - when unknown), sector (disk offset in 512-byte units),
				  file, file_offset. LIST: a hash set (FORMAT.md of the journal bundle: sha256, sample, file,
				  file_offset, tab-separated); --save-hashes writes the --file blocks as one.
				  --timeline gives times to the one journal that has none of its own (dm-log-writes).""";
	}

	@Override
	public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
		Args a = new Args(argv, Set.of("timeline", "hashes", "out", "save-hashes"), Set.of("journal", "file"), Set.of("every-sector"));
		if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument " + a.positionals().get(0));
		List<String> journals = a.all("journal"), files = a.all("file");
		if (journals.isEmpty()) throw new UsageException("--journal is required");
		if (files.isEmpty() == (a.option("hashes") == null)) throw new UsageException("give either --file F ... or --hashes LIST");
		Path outPath = a.requiredPath("out");
		if (a.option("save-hashes") != null && files.isEmpty()) throw new UsageException("--save-hashes writes the blocks of --file inputs");
		KnownBlocks known = KnownBlocks.of(a.path("hashes"), files, err);
		if (a.option("save-hashes") != null) known.writeHashSet(a.path("save-hashes"));
		Timeline timeline = a.path("timeline") == null ? null : Timeline.read(a.path("timeline"));
		List<WriteLog> logs = new ArrayList<>();
		List<Boolean> timed = new ArrayList<>();
		try (AtomicFile af = AtomicFile.create(outPath)) {
			int untimed = 0;
			for (String j : journals) {
				// a local .csj's record checksums are checked by the search as it reads each record (the data read once)
				WriteLog log = JournalFormat.openForOnePass(j);
				logs.add(log);
				timed.add(SectorHashSearch.hasTime(log));
				if (!timed.get(timed.size() - 1)) untimed++;
				if (!checkedBySearch(log)) log.damage().ifPresent(d -> damaged(err, d));
			}
			if (timeline != null && untimed > 1) throw new UsageException("--timeline: " + untimed + " journals have no time of their own; a timing sidecar belongs to one");
			if (timeline != null && untimed == 0) err.println("search: --timeline not used: every journal has its own times");
			long hits = 0;
			try (BufferedWriter w = new BufferedWriter(new OutputStreamWriter(af.stream(), StandardCharsets.UTF_8), 1 << 16)) {
				w.write(HEADER);
				w.write('\n');
				for (int k = 0; k < logs.size(); k++) {
					WriteLog log = logs.get(k);
					Timeline tl = timed.get(k) ? null : timeline;
					String shown = GuestName.text(journals.get(k).getBytes(StandardCharsets.UTF_8));
					long t0 = System.nanoTime();
					SectorHashSearch.Stats s = SectorHashSearch.search(log, known, a.flag("every-sector"), (e, disk, place) -> {
						w.write(SectorHashSearch.row(shown, log, tl, e, disk, place));
						w.write('\n');
					}, Progress.NONE);
					double sec = (System.nanoTime() - t0) / 1e9;
					hits += s.hits();
					// known only now for a journal whose checksums the search checked: a failing record ends it
					LogDamage d = s.checksumDamage() != null ? s.checksumDamage() : log.damage().orElse(null);
					if (checkedBySearch(log) && d != null) damaged(err, d);
					err.printf(Locale.ROOT, "search: %s: %d entries, %.1f MB of writes, %d windows, %d hashed, %d hits in %.2f s%n", shown,
							s.checksumDamage() != null ? s.checksumDamage().entryIndex() : log.entryCount(),
							s.dataBytes() / 1e6, s.windows(), s.hashed(), s.hits(), sec);
				}
			}
			af.commit();
			err.println("search: " + hits + " hits written to " + outPath);
		} finally {
			for (WriteLog l : logs) l.close();
		}
		return 0;
	}

	private static boolean checkedBySearch(WriteLog log) {
		return log instanceof TimestampedJournal t && t.checksumsLeftToReader();
	}

	private static void damaged(PrintStream err, LogDamage d) {
		err.println("search: " + d.message() + " (the entries before it are searched)");
	}
}
