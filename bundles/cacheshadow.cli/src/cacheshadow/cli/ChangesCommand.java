package cacheshadow.cli;

import java.io.PrintStream;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import cacheshadow.journal.DiskHistory;
import cacheshadow.journal.FileChanges;
import cacheshadow.journal.ResolvedInstant;
import cacheshadow.layers.Progress;
import cacheshadow.listing.Finding;
import cacheshadow.merge.InstantChanges;
import cacheshadow.merge.InstantTree;

/** {@code changes}: the file-level difference of the disk between two recorded instants. */
final class ChangesCommand implements Command {
	@Override
	public String name() {
		return "changes";
	}

	@Override
	public String summary() {
		return "files added, removed and changed (which columns, which byte ranges) between two instants";
	}

	@Override
	public String usage() {
		return """
				usage: ./cacheshadow changes --disk BASE --journal J [--timeline T] --from I1 --to I2 [--mount-prefix P]
				                             [--no-journal-replay] [--blocks] [--partial]
				  Instants as for replay (time:ISO | entry:N | flush:K | mark:TEXT | end). Each line:
				  added|removed|changed <TAB> path <TAB> changed columns <TAB> changed byte ranges (offset+length).
				  Paths in the escaped text form (as analyze); findings of either instant as '# finding' lines.
				  --blocks also lists the 4 KiB blocks written in between and whether their content changed.
				""" + JournalOptions.PARTIAL_USAGE_NO_MANIFEST;
	}

	@Override
	public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
		Set<String> opts = new HashSet<>(JournalOptions.OPTIONS);
		opts.addAll(Set.of("from", "to"));
		Args a = new Args(argv, opts, Set.of("no-journal-replay", "blocks", "partial"));
		if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument " + a.positionals().get(0));
		String from = a.required("from"), to = a.required("to");
		ConsoleProgress p = new ConsoleProgress(err);
		String prefix = JournalOptions.prefix(a);
		try (DiskHistory h = JournalOptions.open(a, p)) {
			p.finish();
			ResolvedInstant i1, i2;
			try {
				i1 = h.resolve(from);
				i2 = h.resolve(to);
			} catch (IllegalArgumentException e) {
				throw new UsageException(e.getMessage());
			}
			for (String w : h.warnings()) err.println("warning: " + cacheshadow.listing.GuestName.printable(w));
			cacheshadow.layers.Shortfall cut = JournalOptions.cut(h.journal(), true); // refused by open() without --partial
			ResolvedInstant reaching = cacheshadow.journal.JournalCut.reaches(h.journal(), i2) ? i2 : cacheshadow.journal.JournalCut.reaches(h.journal(), i1) ? i1 : null;
			List<FileChanges.FileChange> changes;
			// findings of either instant (hostile names above all), once each, as comment lines before the rows
			Set<Finding> findings = new LinkedHashSet<>();
			try (InstantTree x = InstantTree.open(h, i1, prefix, JournalOptions.replayJbd2(a)); InstantTree y = InstantTree.open(h, i2, prefix, JournalOptions.replayJbd2(a))) {
				changes = InstantChanges.between(x, y, Progress.NONE);
				findings.addAll(x.findings());
				findings.addAll(y.findings());
			}
			if (reaching != null) findings.add(cacheshadow.journal.JournalCut.finding(h.journal(), reaching, prefix));
			out.println("# from " + i1);
			out.println("# to   " + i2);
			for (Finding f : findings) out.println("# finding " + f);
			out.println("# " + changes.size() + " paths changed");
			if (cut != null) {
				// the partial summary as comment lines: every row is flagged when an instant may reach the cut
				java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
				new PartialSummary(List.of(cut), changes.size(), reaching == null ? 0 : changes.size()).print(new PrintStream(b, true, java.nio.charset.StandardCharsets.UTF_8));
				b.toString(java.nio.charset.StandardCharsets.UTF_8).lines().forEach(l -> out.println("# " + l));
			}
			StringBuilder tsv = new StringBuilder();
			FileChanges.writeTsv(changes, tsv);
			out.print(tsv);
			if (a.flag("blocks")) {
				StringBuilder sb = new StringBuilder();
				h.changes(i1, i2, p).writeTsv(sb);
				p.finish();
				out.print(sb);
			}
		}
		return 0;
	}
}
