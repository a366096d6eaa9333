package cacheshadow.ui;

import java.nio.file.Path;

import org.eclipse.jface.action.IStatusLineManager;
import org.eclipse.swt.program.Program;
import org.eclipse.ui.IViewSite;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.IWorkbenchPart;
import org.eclipse.ui.PlatformUI;

import cacheshadow.report.CaseReport;

/**
 * Opens a written report with the desktop's program for its kind (the system browser for HTML), and says in the
 * status line where it is and whether it could be opened. Kept simple: no embedded browser, nothing that can fail
 * when the desktop has none.
 */
public final class ReportOpener {
	private static volatile String last;

	private ReportOpener() {
	}

	/** Call on the UI thread. */
	static void open(CaseReport.Written w) {
		Path f = w.report();
		boolean launched = false;
		try {
			launched = Program.launch(f.toString());
		} catch (RuntimeException e) {
			// no desktop handler: said below
		}
		String msg = "Report written: " + f + (launched ? " (opened)" : " (no program to open it here: open it yourself)") + "; SHA-256 " + w.sha256().substring(0, 16)
				+ "…, " + w.csv().size() + " CSV file(s) beside it";
		last = msg;
		IStatusLineManager status = statusLine();
		if (status != null) status.setMessage(msg);
	}

	/** What the last report's status line said (for tests), or null. */
	public static String lastMessage() {
		return last;
	}

	private static IStatusLineManager statusLine() {
		var window = PlatformUI.getWorkbench().getActiveWorkbenchWindow();
		IWorkbenchPage page = window == null ? null : window.getActivePage();
		IWorkbenchPart part = page == null ? null : page.getActivePart();
		if (part != null && part.getSite() instanceof IViewSite vs) return vs.getActionBars().getStatusLineManager();
		return null;
	}
}
