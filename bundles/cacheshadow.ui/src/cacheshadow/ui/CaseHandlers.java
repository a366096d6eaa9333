package cacheshadow.ui;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.core.commands.AbstractHandler;
import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.jface.dialogs.InputDialog;
import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.DirectoryDialog;
import org.eclipse.swt.widgets.FileDialog;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.ui.handlers.HandlerUtil;

import cacheshadow.cases.CaseException;
import cacheshadow.cases.CaseInputs;
import cacheshadow.cases.EvidenceItem;

/**
 * The case commands of the Case menu, the Case view's toolbar and their key bindings (plugin.xml): one handler each,
 * so a menu item, a toolbar button and a key all run the same code.
 */
public final class CaseHandlers {
	private CaseHandlers() {
	}

	private interface CaseAction {
		void run() throws IOException;
	}

	static void guard(Shell shell, CaseAction a) {
		try {
			a.run();
		} catch (IOException e) {
			MessageDialog.openError(shell, "CacheShadow", e.getMessage());
		}
	}

	/** Handlers that need an open case are enabled only while one is. */
	private abstract static class WithCase extends AbstractHandler {
		@Override
		public boolean isEnabled() {
			return CaseSession.get().current() != null;
		}
	}

	public static final class NewCase extends AbstractHandler {
		@Override
		public Object execute(ExecutionEvent event) {
			Shell shell = HandlerShell.of(event);
			DirectoryDialog d = new DirectoryDialog(shell);
			d.setMessage("Folder for the new case");
			String dir = d.open();
			if (dir == null) return null;
			InputDialog name = new InputDialog(shell, "New Case", "Case name", Path.of(dir).getFileName().toString(), null);
			if (name.open() != InputDialog.OK) return null;
			guard(shell, () -> CaseSession.get().create(Path.of(dir), name.getValue()));
			return null;
		}
	}

	public static final class OpenCase extends AbstractHandler {
		@Override
		public Object execute(ExecutionEvent event) {
			Shell shell = HandlerShell.of(event);
			String dir = new DirectoryDialog(shell).open();
			if (dir != null) guard(shell, () -> {
				CaseSession.get().open(Path.of(dir));
				CaseJobs.openHistory().schedule();
			});
			return null;
		}
	}

	public static final class CloseCase extends WithCase {
		@Override
		public Object execute(ExecutionEvent event) {
			CaseSession.get().close();
			return null;
		}
	}

	public static final class AddEvidence extends WithCase {
		@Override
		public Object execute(ExecutionEvent event) {
			FileDialog d = new FileDialog(HandlerShell.of(event), SWT.OPEN | SWT.MULTI);
			if (d.open() == null) return null;
			List<Path> files = new ArrayList<>();
			for (String n : d.getFileNames()) files.add(Path.of(d.getFilterPath(), n));
			CaseJobs.addEvidence(files).schedule();
			return null;
		}
	}

	public static final class Verify extends WithCase {
		@Override
		public Object execute(ExecutionEvent event) {
			CaseJobs.verify().schedule();
			return null;
		}
	}

	/**
	 * Case > Report…: the examiner's report of the open case, HTML or PDF by the name chosen, written by a Job with
	 * progress; opened when done (HTML and PDF by the desktop's program for them; when there is none, the status line
	 * says where the report is).
	 */
	public static final class Report extends WithCase {
		/** The command's optional parameter: the report's file, so that no dialog asks (tests, scripted use). */
		public static final String FILE = "cacheshadow.ui.case.report.file";

		@Override
		public Object execute(ExecutionEvent event) {
			Shell shell = HandlerShell.of(event);
			String given = event.getParameter(FILE);
			if (given != null) {
				Path out = Path.of(given);
				if (cacheshadow.report.CaseReport.Format.of(out) == null) {
					MessageDialog.openError(shell, "CacheShadow", given + ": a report is FILE.html or FILE.pdf");
					return null;
				}
				write(out, shell.getDisplay());
				return null;
			}
			FileDialog d = new FileDialog(shell, SWT.SAVE);
			d.setText("Examiner's report");
			d.setFilterExtensions(new String[] { "*.html", "*.pdf" });
			d.setFilterNames(new String[] { "HTML report (*.html)", "PDF report (*.pdf)" });
			d.setFilterPath(CaseSession.get().current().dir().toString());
			d.setFileName("report.html");
			d.setOverwrite(true);
			String f = d.open();
			if (f == null) return null;
			Path out = Path.of(f);
			if (cacheshadow.report.CaseReport.Format.of(out) == null) out = Path.of(f + (d.getFilterIndex() == 1 ? ".pdf" : ".html"));
			write(out, shell.getDisplay());
			return null;
		}

		/** Writes the report to {@code out} in a Job and opens it when done. */
		public static org.eclipse.core.runtime.jobs.Job write(Path out, org.eclipse.swt.widgets.Display display) {
			org.eclipse.core.runtime.jobs.Job j = CaseJobs.report(out, w -> display.asyncExec(() -> ReportOpener.open(w)));
			j.schedule();
			return j;
		}
	}

	public static final class Analyze extends WithCase {
		@Override
		public Object execute(ExecutionEvent event) {
			CaseJobs.analyze().schedule();
			return null;
		}
	}

	/**
	 * Case > Analyze Snapshot…: which of the case's memory snapshots (the first, one saved by Snapshot Now, ...) the
	 * views show: the one the command names (parameter), else the one selected in the Case view, else chosen in a
	 * list; then analyzed with the disk and kernel files of its folder. Later analyses (Analyze, F5) keep the choice.
	 */
	public static final class AnalyzeSnapshot extends WithCase {
		/** The command's optional parameter: the evidence id of the snapshot, so that no dialog asks. */
		public static final String EVIDENCE = "cacheshadow.ui.case.analyzeSnapshot.evidence";

		@Override
		public Object execute(ExecutionEvent event) {
			Shell shell = HandlerShell.of(event);
			List<EvidenceItem> memories;
			try {
				memories = CaseInputs.memories(CaseSession.get().current().evidence());
			} catch (CaseException e) {
				MessageDialog.openError(shell, "CacheShadow", e.getMessage());
				return null;
			}
			if (memories.isEmpty()) {
				MessageDialog.openInformation(shell, "CacheShadow", "The case has no memory snapshot: add one (Add Evidence…) or take one of a running guest (Snapshot Now).");
				return null;
			}
			EvidenceItem chosen = null;
			String given = event.getParameter(EVIDENCE);
			if (given != null) {
				chosen = memories.stream().filter(e -> Long.toString(e.id()).equals(given.strip())).findFirst().orElse(null);
				if (chosen == null) {
					MessageDialog.openError(shell, "CacheShadow", "Evidence #" + given + " is no memory snapshot of this case");
					return null;
				}
			}
			if (chosen == null && HandlerUtil.getCurrentSelection(event) instanceof org.eclipse.jface.viewers.IStructuredSelection sel && sel.size() == 1
					&& sel.getFirstElement() instanceof EvidenceItem e && memories.stream().anyMatch(x -> x.id() == e.id())) {
				chosen = e;
			}
			if (chosen == null) {
				org.eclipse.ui.dialogs.ListDialog d = new org.eclipse.ui.dialogs.ListDialog(shell);
				d.setTitle("Analyze Snapshot");
				d.setMessage("The memory snapshot the views show (with the disk and kernel files of its folder):");
				d.setContentProvider(org.eclipse.jface.viewers.ArrayContentProvider.getInstance());
				d.setLabelProvider(new org.eclipse.jface.viewers.LabelProvider() {
					@Override
					public String getText(Object o) {
						return label((EvidenceItem) o);
					}
				});
				d.setInput(memories);
				long shown = CaseSession.get().analyzedMemory();
				memories.stream().filter(e -> e.id() == shown).findFirst().ifPresent(e -> d.setInitialSelections(e));
				if (d.open() != org.eclipse.jface.window.Window.OK || d.getResult() == null || d.getResult().length == 0) return null;
				chosen = (EvidenceItem) d.getResult()[0];
			}
			CaseJobs.analyze(chosen.id()).schedule();
			return null;
		}

		/** How a snapshot is named in the list and the File System view's header: id, file, folder, size. */
		static String label(EvidenceItem e) {
			Path p = Path.of(e.path());
			return "#" + e.id() + "  " + e.fileName() + "  in " + p.getParent() + "  (" + String.format("%,d", e.size()) + " bytes)";
		}
	}
}
