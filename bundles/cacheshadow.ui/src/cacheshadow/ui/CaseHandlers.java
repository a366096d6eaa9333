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
			Shell shell = HandlerUtil.getActiveShell(event);
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
			Shell shell = HandlerUtil.getActiveShell(event);
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
			FileDialog d = new FileDialog(HandlerUtil.getActiveShell(event), SWT.OPEN | SWT.MULTI);
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
			Shell shell = HandlerUtil.getActiveShell(event);
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
}
