package cacheshadow.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import cacheshadow.journal.JournalFormat;
import cacheshadow.journal.Timeline;
import cacheshadow.journal.TimelineSummary;
import cacheshadow.journal.WriteLog;

/** {@code timeline}: what a write journal recorded — instants, flushes, marks, writes per second. */
final class TimelineCommand implements Command {
	@Override
	public String name() {
		return "timeline";
	}

	@Override
	public String summary() {
		return "instants, flushes, marks and writes per second of a write journal";
	}

	@Override
	public String usage() {
		return """
				usage: ./cacheshadow timeline --journal J [--timeline T] [--json] [--partial]
				  Without a timing sidecar, dm-log-writes entries have no wall-clock time: instants are entry and flush
				  numbers. With one, each time says whether it was measured or interpolated.
				  --partial         use a journal cut short (its last entry torn or truncated, its tail damaged) up to
				                    its last whole entry: a summary says where it is cut and how many bytes after that
				                    are not used, and its end is flagged as the last whole entry. Without it such a
				                    journal is refused (exit 2)""";
	}

	@Override
	public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
		Args a = new Args(argv, Set.of("journal", "timeline"), Set.of("json", "partial"));
		if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument " + a.positionals().get(0));
		Path tl = a.path("timeline");
		try (WriteLog log = JournalFormat.open(a.required("journal"))) {
			cacheshadow.layers.Shortfall cut = JournalOptions.cut(log, a.flag("partial"));
			TimelineSummary s = TimelineSummary.of(log, tl == null ? null : Timeline.read(tl));
			StringBuilder sb = new StringBuilder();
			if (a.flag("json")) s.writeJson(sb);
			else s.writeText(sb);
			out.print(sb);
			if (sb.length() > 0 && sb.charAt(sb.length() - 1) != '\n') out.println();
			if (cut != null) {
				PrintStream to = a.flag("json") ? err : out; // the JSON holds the damage; stdout stays one document
				new PartialSummary(List.of(cut), 0, 0).printEvidence(to);
				to.println("flagged: the journal's end is its last whole entry (entry " + log.entryCount() + "); what it recorded after that is missing");
			}
		}
		return 0;
	}
}
