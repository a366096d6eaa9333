package cacheshadow.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import cacheshadow.journal.DiskHistory;
import cacheshadow.journal.ResolvedInstant;
import cacheshadow.layers.Progress;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.ManifestFormat;
import cacheshadow.merge.InstantTree;

/** {@code replay}: the disk as the write journal says it stood at an instant — as an image, or as its ext4 listing. */
final class ReplayCommand implements Command {
	@Override
	public String name() {
		return "replay";
	}

	@Override
	public String summary() {
		return "the disk at a recorded instant from a write journal: raw image or ext4 manifest";
	}

	@Override
	public String usage() {
		return """
				usage: ./cacheshadow replay --disk BASE --journal J [--timeline T] --at INSTANT (--out IMAGE | --manifest OUT.tsv)
				                            [--mount-prefix P] [--no-journal-replay] [--index FILE] [--partial]
				  --disk BASE       the image the journal's writes were made to (raw)
				  --journal J       dm-log-writes log (QEMU blklogwrites, Linux dm-log-writes) or a CacheShadow .csj journal
				  --timeline T      timing sidecar (make-evidence's timeline.tsv): wall-clock times for dm-log-writes entries
				  --at INSTANT      time:ISO-8601 | entry:N (after the first N entries) | flush:K | mark:TEXT | end
				  --out IMAGE       write the raw image at that instant (the evidence is not touched)
				  --manifest OUT    the ext4 listing at that instant in the ground-truth manifest format, read as a mount
				                    would (jbd2 journal applied in memory unless --no-journal-replay); names in
				                    the escaped text form (as analyze), each finding printed after the summary
				  --mount-prefix P  path the file system's root gets in the manifest (default /)
				  --index FILE      keep the block index in FILE and reuse it while it matches the journal
				""" + JournalOptions.PARTIAL_USAGE;
	}

	@Override
	public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
		Set<String> opts = new HashSet<>(JournalOptions.OPTIONS);
		opts.addAll(Set.of("at", "out", "manifest"));
		Args a = new Args(argv, opts, Set.of("no-journal-replay", "partial"));
		if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument " + a.positionals().get(0));
		String at = a.required("at");
		Path image = a.path("out"), manifest = a.path("manifest");
		if ((image == null) == (manifest == null)) throw new UsageException("give exactly one of --out IMAGE and --manifest OUT.tsv");
		ConsoleProgress p = new ConsoleProgress(err);
		try (DiskHistory h = JournalOptions.open(a, p)) {
			p.finish();
			ResolvedInstant when;
			try {
				when = h.resolve(at);
			} catch (IllegalArgumentException e) {
				throw new UsageException(e.getMessage());
			}
			for (String w : h.warnings()) err.println("warning: " + cacheshadow.listing.GuestName.printable(w));
			cacheshadow.layers.Shortfall cut = JournalOptions.cut(h.journal(), true); // refused by open() without --partial
			boolean flagged = cacheshadow.journal.JournalCut.reaches(h.journal(), when);
			if (image != null) {
				long bytes = h.writeImage(when, image, p);
				p.finish();
				out.printf("%s: disk image %s (%d data bytes) at %s%n", image, h.base().name(), bytes, when);
				if (cut != null) {
					new PartialSummary(List.of(cut), 1, flagged ? 1 : 0).print(out);
					if (flagged) out.println("  " + cacheshadow.journal.JournalCut.finding(h.journal(), when, image.toString()));
				}
			} else {
				try (InstantTree tree = InstantTree.open(h, when, JournalOptions.prefix(a), JournalOptions.replayJbd2(a))) {
					List<FileRecord> records = tree.listing(true, Progress.NONE);
					List<cacheshadow.listing.Finding> findings = new java.util.ArrayList<>(tree.findings());
					if (a.flag("partial")) {
						// as analyze --partial: a 'missing' column, 'journal' in every row when the instant may reach the cut
						String column = flagged ? "journal" : "-";
						List<FileRecord> sorted = new java.util.ArrayList<>(records);
						ManifestFormat.sortByPath(sorted, FileRecord::path);
						AnalyzeCommand.writeManifest(manifest, sorted, List.of("missing"), java.util.Collections.nCopies(sorted.size(), List.of(column)));
						if (flagged) findings.add(cacheshadow.journal.JournalCut.finding(h.journal(), when, JournalOptions.prefix(a)));
					} else {
						cacheshadow.layers.AtomicFile.writeText(manifest, w -> ManifestFormat.write(w, records)); // whole or not at all
					}
					out.printf("%s: %d paths of ext4 at %s%s%n", manifest, records.size(), when,
							findings.isEmpty() ? "" : "; " + findings.size() + " file-system findings");
					for (cacheshadow.listing.Finding f : findings) out.println("  " + f);
					if (cut != null) new PartialSummary(List.of(cut), records.size(), flagged ? records.size() : 0).print(out);
				}
			}
		}
		return 0;
	}
}
