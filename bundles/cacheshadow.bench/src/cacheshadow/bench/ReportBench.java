package cacheshadow.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import cacheshadow.cases.Case;
import cacheshadow.cases.CaseInputs;
import cacheshadow.layers.Progress;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.report.CaseModels;
import cacheshadow.report.CaseReport;
import cacheshadow.report.ReportLimits;
import cacheshadow.report.ReportModel;

/**
 * {@code bench report}: the examiner's report of a case against the analysis it reports on, measured in the same run.
 * Baseline: opening the case's models as the workbench does ({@link CaseModels}: the kernel model, every cache, the
 * three views, the journal's index) and the statuses of every path (which hash every file on both sides) — what an
 * examiner waits for before any view shows a status. Then the report: collecting it ({@link ReportModel#collect},
 * evidence re-hashed included) and writing it as HTML and as PDF with its CSV files. One run each (a report is made
 * once, in a fresh process), the ratios printed.
 *
 * <p>The argument is a case folder, or an evidence set of {@code make-evidence.sh} (memory.elf, disk.img, disk.base.img,
 * writes.log, timeline.tsv, kernel/) from which a case is made in the work folder first (not timed).
 */
public final class ReportBench {
	/** What was measured (nanoseconds) and how large the report came out. */
	public record Result(int paths, int rows, int dirtyFiles, long analysisNanos, long collectNanos, long htmlNanos, long pdfNanos, long htmlBytes,
			long pdfBytes, long csvBytes) {
		public double htmlRatio() {
			return (double) (collectNanos + htmlNanos) / analysisNanos;
		}

		public double pdfRatio() {
			return (double) (collectNanos + pdfNanos) / analysisNanos;
		}

		@Override
		public String toString() {
			return String.format("report of a case of %,d paths (%,d rows cache-only/deleted/differing, %,d files with dirty pages): analysis (models + every "
					+ "path's status) %.1f s = baseline; report collected (evidence re-hashed) %.1f s, HTML %.1f s (%,d bytes) -> %.2fx, PDF %.1f s (%,d bytes) -> %.2fx; "
					+ "CSV beside it %,d bytes; goal: report well under a minute at 100,000 files", paths, rows, dirtyFiles, analysisNanos / 1e9, collectNanos / 1e9,
					htmlNanos / 1e9, htmlBytes, htmlRatio(), pdfNanos / 1e9, pdfBytes, pdfRatio(), csvBytes);
		}
	}

	private ReportBench() {
	}

	public static Result run(Path caseOrSet, Path work, PrintStream out) throws IOException {
		Files.createDirectories(work);
		Path caseDir = caseOrSet;
		if (!Case.isCase(caseOrSet)) {
			caseDir = work.resolve("case");
			if (!Case.isCase(caseDir)) {
				out.println("making a case of " + caseOrSet + " in " + caseDir + " (hashing the evidence; not timed)");
				try (Case c = Case.create(caseDir, "bench report: " + caseOrSet.getFileName())) {
					for (String f : List.of("memory.elf", "disk.img", "disk.base.img", "writes.log", "timeline.tsv", "kernel/vmlinux.btf", "kernel/System.map")) {
						Path p = caseOrSet.resolve(f);
						if (Files.isRegularFile(p)) c.addEvidence(p, Progress.NONE);
					}
				}
			}
		}
		try (Case c = Case.open(caseDir)) {
			CaseInputs in = CaseInputs.of(c.evidence());
			Path kernel = in.kernelDir().orElse(null);
			long t0 = System.nanoTime();
			MergedFileSystem m = in.memory().isPresent() ? CaseModels.merge(in, kernel, Progress.NONE) : null;
			CaseModels.History h = null;
			try {
				h = CaseModels.history(c, in, Progress.NONE);
				int paths = m == null || m.disks().isEmpty() ? 0 : m.statuses().size();
				long t1 = System.nanoTime();
				ReportModel model = ReportModel.collect(c, m, h, kernel, ReportLimits.DEFAULT, Progress.NONE);
				long t2 = System.nanoTime();
				CaseReport.Written html = CaseReport.write(model, work.resolve("report.html"), Instant.now());
				long t3 = System.nanoTime();
				CaseReport.Written pdf = CaseReport.write(model, work.resolve("report.pdf"), Instant.now());
				long t4 = System.nanoTime();
				long csv = 0;
				for (Path p : pdf.csv()) csv += Files.size(p);
				out.println("report: " + html.report() + ", " + pdf.report());
				return new Result(paths, model.paths().size(), model.dirty() == null ? 0 : model.dirty().files(), t1 - t0, t2 - t1, t3 - t2, t4 - t3, html.bytes(),
						pdf.bytes(), csv);
			} finally {
				if (h != null) h.history().close();
				if (m != null) m.close();
			}
		}
	}
}
