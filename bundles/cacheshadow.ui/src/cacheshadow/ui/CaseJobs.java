package cacheshadow.ui;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;

import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.Status;
import org.eclipse.core.runtime.jobs.Job;

import cacheshadow.cases.Case;
import cacheshadow.cases.CaseInputs;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.PathStatus;
import cacheshadow.cases.VerificationReport;
import cacheshadow.journal.DiskHistory;
import cacheshadow.journal.JournalCut;
import cacheshadow.report.CaseModels;
import cacheshadow.report.CaseReport;
import cacheshadow.report.ReportLimits;
import cacheshadow.report.ReportModel;
import cacheshadow.layers.EvidenceFormat;

/** Long case work as Eclipse Jobs: progress in the Progress view, errors as one-line statuses (no stack traces). */
public final class CaseJobs {
	static final String PLUGIN = "cacheshadow.ui";
	/** Family of every case job, so tests and shutdown can wait for them. */
	public static final Object FAMILY = new Object();

	private CaseJobs() {
	}

	/** A user Job of the case family on the open case: errors as one-line statuses, listeners told when it ends. */
	abstract static class CaseJob extends Job {
		CaseJob(String name) {
			super(name);
			setUser(true);
		}

		@Override
		public boolean belongsTo(Object family) {
			return family == FAMILY;
		}

		@Override
		protected IStatus run(IProgressMonitor monitor) {
			Case c = CaseSession.get().current();
			if (c == null) return Status.error("No case is open");
			try {
				return work(c, new MonitorProgress(monitor));
			} catch (CancellationException e) {
				return Status.CANCEL_STATUS;
			} catch (IOException e) {
				return Status.error(e.getMessage());
			} finally {
				monitor.done();
				CaseSession.get().changed();
			}
		}

		abstract IStatus work(Case c, MonitorProgress p) throws IOException;
	}

	/**
	 * Short read-only work off the UI thread (a page of a file, a window of the snapshot, a walkthrough step): a
	 * system Job of the case family, so tests and shutdown can wait for it. The work hands its result to the UI thread
	 * itself.
	 */
	public static Job background(String name, Runnable work) {
		Job j = new Job(name) {
			@Override
			protected IStatus run(IProgressMonitor monitor) {
				work.run();
				return Status.OK_STATUS;
			}

			@Override
			public boolean belongsTo(Object family) {
				return family == FAMILY;
			}
		};
		j.setSystem(true);
		j.schedule();
		return j;
	}

	/** Adds evidence files, hashing each (SHA-256) with progress. */
	public static Job addEvidence(List<Path> files) {
		return addEvidenceAt(files.stream().map(Path::toString).toList());
	}

	/**
	 * Adds evidence by location: files (hashed, SHA-256, with progress) or write journals in HDFS by their
	 * {@code webhdfs://} URLs (pinned by length and HDFS's file checksum, read in place: {@link Case#addEvidence(String, cacheshadow.layers.Progress)}).
	 */
	public static Job addEvidenceAt(List<String> locations) {
		return new CaseJob("Adding " + locations.size() + " evidence item(s)") {
			@Override
			IStatus work(Case c, MonitorProgress p) throws IOException {
				boolean history = false;
				for (String f : locations) {
					EvidenceFormat.Kind k = c.addEvidence(f, p).format().kind();
					history |= k == EvidenceFormat.Kind.JOURNAL || k == EvidenceFormat.Kind.TIMING || k == EvidenceFormat.Kind.DISK;
					CaseSession.get().changed();
				}
				if (history) openHistory().schedule(); // a journal, its sidecar or another candidate base arrived
				return Status.OK_STATUS;
			}
		};
	}

	/**
	 * Analyzes the case's memory snapshot (kernel model, dentry/inode/page caches) and merges it over its disk: the
	 * model every analysis view shows. The snapshot is the one the examiner chose ({@link #analyze(long)}), else the
	 * first; the disk and kernel files those of its folder ({@link CaseInputs#of(List, long)}). Recorded in the
	 * custody log. Evidence cut short is analyzed as far as it goes when the workbench was started with --partial
	 * ({@link CaseSession#partialMode()}); else the examiner is asked.
	 */
	public static Job analyze() {
		return analyze(false);
	}

	/** Title of the question {@link #analyze()} asks when the evidence is cut short. */
	public static final String CUT_SHORT_TITLE = "Evidence cut short";

	/**
	 * {@code partial}: evidence cut short is analyzed as far as it goes: its missing ranges are holes, every path
	 * that rests on them is flagged (the File System view's Missing column, its header's summary, the custody entry).
	 */
	public static Job analyze(boolean partial) {
		return new CaseJob(partial ? "Analyzing the guest's caches and disk (partial evidence)" : "Analyzing the guest's caches and disk") {
			@Override
			IStatus work(Case c, MonitorProgress p) throws IOException {
				CaseInputs in = CaseInputs.of(c.evidence(), CaseSession.get().memoryChoice());
				if (in.memory().isEmpty()) return Status.error("The case has no memory snapshot to analyze");
				boolean cutOk = partial || CaseSession.get().partialMode();
				MergedFileSystem m;
				try {
					m = CaseModels.merge(in, in.kernelDir().or(WorkbenchPreferences::kernelDir).orElse(null), cutOk, p);
				} catch (cacheshadow.layers.TruncatedEvidenceException e) {
					if (cutOk) throw e;
					offerPartial(e.getMessage());
					return new Status(IStatus.WARNING, PLUGIN, e.getMessage() + " — not analyzed: the evidence is cut short (analyze it partially, or start the workbench with --partial)");
				}
				List<PathStatus> statuses = m.statuses();
				PartialEvidence partialEvidence = PartialEvidence.of(m);
				// evidence cut short: every view listed with hashes once, so each path whose content met missing bytes is
				// flagged before it is shown (as analyze --partial lists its view), not only once someone reads it
				if (partialEvidence != null) for (cacheshadow.merge.View v : cacheshadow.merge.View.values()) {
					if (m.tree(v) != null) m.tree(v).listing(true);
				}
				CaseSession.get().setAnalysis(m, in.memory().get().id());
				c.appendCustody("analysis-run", "merged " + in.memory().get().fileName() + " (evidence #" + in.memory().get().id() + ")"
						+ in.disk().map(d -> " over " + d.fileName() + " (evidence #" + d.id() + ")").orElse("")
						+ ": " + statuses.size() + " paths, " + m.findings().size() + " findings" + (partialEvidence == null ? "" : "; " + partialEvidence));
				return Status.OK_STATUS;
			}
		};
	}

	/** Asks, on the UI thread, whether to analyze what evidence cut short still holds; yes runs the partial analysis. */
	private static void offerPartial(String why) {
		ask(CUT_SHORT_TITLE, why
				+ "\n\nAnalyze what it still holds? The missing ranges become holes, nothing is filled in; every path that rests on them is flagged (Missing column)"
				+ " and the summary says how much is missing. (Started with --partial, the workbench does this without asking.)", () -> analyze(true).schedule());
	}

	/** Asks a yes/no question on the UI thread (not waiting for it); yes runs {@code yes} there. */
	private static void ask(String title, String question, Runnable yes) {
		if (!org.eclipse.ui.PlatformUI.isWorkbenchRunning()) return;
		org.eclipse.swt.widgets.Display d = org.eclipse.ui.PlatformUI.getWorkbench().getDisplay();
		d.asyncExec(() -> {
			var w = org.eclipse.ui.PlatformUI.getWorkbench().getActiveWorkbenchWindow();
			if (org.eclipse.jface.dialogs.MessageDialog.openQuestion(w == null ? null : w.getShell(), title, question)) yes.run();
		});
	}

	/** Chooses the memory snapshot of evidence id {@code memoryId} for the views, and analyzes it ({@link #analyze()}). */
	public static Job analyze(long memoryId) {
		CaseSession.get().chooseMemory(memoryId);
		return analyze();
	}

	/**
	 * Opens the case's write journal over the disk image it was recorded against (chosen by content among the case's
	 * disks), with its timing sidecar; indexes it (the index is kept in the case folder and reused while it matches).
	 * Does nothing when the case has no journal. Recorded in the custody log. A journal cut short is used up to its
	 * last whole entry when the workbench was started with --partial; else the examiner is asked first, as for a
	 * snapshot cut short.
	 */
	public static Job openHistory() {
		return openHistory(false);
	}

	/** Title of the question {@link #openHistory()} asks when the journal is cut short. */
	public static final String JOURNAL_CUT_TITLE = "Write journal cut short";

	/**
	 * {@code partial}: a journal cut short is used up to its last whole entry ({@link JournalCut}): the Timeline view
	 * says where it is cut, and every view at an instant the cut may reach is flagged.
	 */
	public static Job openHistory(boolean partial) {
		return new CaseJob(partial ? "Indexing the write journal (cut short)" : "Indexing the write journal") {
			@Override
			IStatus work(Case c, MonitorProgress p) throws IOException {
				CaseModels.History opened = CaseModels.history(c, CaseInputs.of(c.evidence()), p);
				if (opened == null) return Status.OK_STATUS;
				DiskHistory h = opened.history();
				JournalCut cut = JournalCut.of(h.journal()).orElse(null);
				if (cut != null && !partial && !CaseSession.get().partialMode()) {
					h.close();
					String why = cut.refusal().getMessage();
					ask(JOURNAL_CUT_TITLE, why + "\n\nUse its whole entries? The journal ends at its last whole entry; every view at an instant that may lie past"
							+ " the cut (the end, a time after the last whole entry) is flagged. (Started with --partial, the workbench does this without asking.)",
							() -> openHistory(true).schedule());
					return new Status(IStatus.WARNING, PLUGIN, why + " — not opened: the journal is cut short (use it partially, or start the workbench with --partial)");
				}
				CaseSession.get().setHistory(h, opened.note(), cut);
				// read the disk at the end once here, so the examiner's first cursor move does not pay for loading the
				// classes and caches of the tree at an instant
				try (cacheshadow.merge.InstantTree end = cacheshadow.merge.InstantScrub.reference(h, "/", true);
						cacheshadow.merge.InstantScrub warm = cacheshadow.merge.InstantScrub.open(end, h.resolve("entry:0"))) {
					warm.rows();
				} catch (IOException | RuntimeException e) {
					// a disk the journal does not leave readable as ext4: the tree will say so when asked
				}
				// a journal read in place in HDFS is named by its URL: its file name alone would not say where it was read
				String journalName = h.journal().name().contains("://") ? h.journal().name()
						: String.valueOf(java.nio.file.Path.of(h.journal().name()).getFileName());
				c.appendCustody("journal-opened", journalName + " (" + h.journal().entryCount() + " entries) over "
						+ opened.base().base().getFileName() + (opened.timing() != null ? ", times from " + opened.timing().getFileName() : "")
						+ (cut == null ? "" : "; " + cut));
				return Status.OK_STATUS;
			}
		};
	}

	/**
	 * Writes the examiner's report of the open case to {@code out} (HTML or PDF by its name, CSV files beside it):
	 * with the analysis and the journal the workbench holds, analyzing the case first when it was not. Changes nothing
	 * in the case. {@code done} gets what was written, on the job's thread.
	 */
	public static Job report(Path out, java.util.function.Consumer<CaseReport.Written> done) {
		return new CaseJob("Writing the examiner's report " + out.getFileName()) {
			@Override
			IStatus work(Case c, MonitorProgress p) throws IOException {
				MergedFileSystem m = CaseSession.get().analysis();
				CaseInputs in = reportInputs(c, m);
				java.nio.file.Path kernel = in.kernelDir().or(WorkbenchPreferences::kernelDir).orElse(null);
				MergedFileSystem opened = null;
				if (m == null && in.memory().isPresent()) m = opened = CaseModels.merge(in, kernel, p);
				// the journal opened again (its index in the case folder is reused): the report needs which base and sidecar too
				CaseModels.History history = null;
				try {
					history = CaseModels.history(c, in, p);
					ReportModel model = ReportModel.collect(c, in, m, history, kernel, ReportLimits.DEFAULT, p);
					CaseReport.Written w = CaseReport.write(model, out, java.time.Instant.now());
					done.accept(w);
					return new Status(IStatus.OK, PLUGIN, "Report written: " + w.report() + " (SHA-256 " + w.sha256() + ")");
				} finally {
					if (history != null) history.history().close();
					if (opened != null) opened.close();
				}
			}
		};
	}

	/**
	 * What the report names and its commands read: the snapshot the views show ({@code m}, made from the snapshot
	 * chosen in Case > Analyze Snapshot…, or a running guest's refresh: then no snapshot of the case), or without an
	 * analysis the one Analyze would read.
	 */
	private static CaseInputs reportInputs(Case c, MergedFileSystem m) throws IOException {
		CaseSession s = CaseSession.get();
		if (m == null) return CaseInputs.of(c.evidence(), s.memoryChoice());
		if (s.analyzedMemory() >= 0) return CaseInputs.of(c.evidence(), s.analyzedMemory());
		CaseInputs first = CaseInputs.of(c.evidence());
		return new CaseInputs(java.util.Optional.empty(), first.disk(), first.disks(), first.journal(), first.timing(), first.kernelDir());
	}

	/** Re-hashes every evidence file and checks the custody chain; a mismatch is an error status, loudly. */
	public static Job verify() {
		return new CaseJob("Verifying evidence and custody log") {
			@Override
			IStatus work(Case c, MonitorProgress p) throws IOException {
				VerificationReport r = c.verify(p);
				if (r.allGood()) return new Status(IStatus.OK, PLUGIN, "All " + r.items().size() + " evidence file(s) verified; custody chain intact");
				StringBuilder sb = new StringBuilder("VERIFICATION FAILED:");
				for (VerificationReport.Item i : r.items()) {
					if (i.problem() != null) sb.append(' ').append(i.evidence().fileName()).append(": ").append(i.problem()).append(';');
				}
				if (r.chainProblem() != null) sb.append(" custody log: ").append(r.chainProblem());
				return Status.error(sb.toString());
			}
		};
	}
}
