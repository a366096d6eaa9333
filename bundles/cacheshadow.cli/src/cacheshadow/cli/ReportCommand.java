package cacheshadow.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import cacheshadow.cases.Case;
import cacheshadow.cases.CaseInputs;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.report.CaseModels;
import cacheshadow.report.CaseReport;
import cacheshadow.report.ReportLimits;
import cacheshadow.report.ReportModel;

/** {@code report}: the examiner's report of a case, as HTML or PDF, with CSV files of its long tables beside it. */
final class ReportCommand implements Command {
	@Override
	public String name() {
		return "report";
	}

	@Override
	public String summary() {
		return "the examiner's report of a case (HTML or PDF, CSV files beside it)";
	}

	@Override
	public String usage() {
		return """
				usage: ./cacheshadow report --case DIR --out FILE.html|FILE.pdf [--snapshot ID]
				  The case's evidence (sizes, SHA-256 re-hashed now against the recorded ones), its custody log and the
				  chain's state, the kernel found in the memory snapshot (release, KASLR shift, where BTF and symbols
				  came from), the statuses of the caches merged over the disk, every cache-only, deleted, renamed and
				  differing path with its cached and on-disk metadata, hex diffs of dirty pages (bounded), the write
				  journal's chart with the instants examined, the findings, the bookmarks, and the ./cacheshadow
				  commands that reproduce each table. Analyzes the case's evidence as the workbench does (the first
				  memory snapshot and disk, the case's kernel files, the journal over the disk image it was recorded
				  against); --snapshot ID analyzes the memory snapshot of evidence id ID instead (as Case > Analyze
				  Snapshot… does: with the disk and kernel files of its folder), and the report names it. Long
				  tables are cut in the report and complete in FILE.paths.csv, FILE.findings.csv and FILE.custody.csv
				  beside it (FILE without its ending). Every file is written whole or not at all.
				  The case is not changed (no custody entry) and the same case gives the same report but for its one
				  line that says when it was generated. Prints the report's SHA-256.""";
	}

	@Override
	public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
		Args a = new Args(argv, Set.of("case", "out", "snapshot"), Set.of());
		if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument " + a.positionals().get(0));
		Path dir = a.requiredPath("case"), file = a.requiredPath("out");
		if (CaseReport.Format.of(file) == null) throw new UsageException("--out " + file + ": the report is FILE.html or FILE.pdf");
		ConsoleProgress progress = new ConsoleProgress(err);
		long t0 = System.nanoTime();
		try (Case c = Case.open(dir)) {
			CaseInputs in = CaseInputs.of(c.evidence());
			String snapshot = a.option("snapshot", null);
			if (snapshot != null) {
				long id;
				try {
					id = Long.parseLong(snapshot);
				} catch (NumberFormatException e) {
					throw new UsageException("--snapshot " + snapshot + ": an evidence id (case show lists them)");
				}
				if (CaseInputs.memories(c.evidence()).stream().noneMatch(e -> e.id() == id))
					throw new UsageException("--snapshot " + id + ": no memory snapshot of the case has that evidence id (case show lists them)");
				in = CaseInputs.of(c.evidence(), id);
			}
			Path kernel = in.kernelDir().orElse(null);
			MergedFileSystem m = null;
			CaseModels.History h = null;
			try {
				if (in.memory().isPresent()) m = CaseModels.merge(in, kernel, progress);
				h = CaseModels.history(c, in, progress);
				if (m != null && !m.disks().isEmpty()) m.statuses(); // the analysis' part: every file hashed on both sides
				long t1 = System.nanoTime();
				ReportModel model = ReportModel.collect(c, in, m, h, kernel, ReportLimits.DEFAULT, progress);
				progress.finish();
				CaseReport.Written w = CaseReport.write(model, file, Instant.now());
				long t2 = System.nanoTime();
				out.printf("report: %s (%,d bytes, sha256 %s)%n", w.report(), w.bytes(), w.sha256());
				for (Path p : w.csv()) out.println("csv:    " + p);
				err.printf("report: evidence opened and analyzed in %.1f s, report collected and written in %.1f s%n", (t1 - t0) / 1e9, (t2 - t1) / 1e9);
			} finally {
				progress.finish();
				if (h != null) h.history().close();
				if (m != null) m.close();
			}
		}
		return 0;
	}
}
