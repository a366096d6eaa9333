package cacheshadow.ui;

import java.io.IOException;
import java.nio.file.Path;

import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.swt.graphics.Point;
import org.eclipse.ui.application.IWorkbenchWindowConfigurer;
import org.eclipse.ui.application.WorkbenchAdvisor;
import org.eclipse.ui.application.WorkbenchWindowAdvisor;

public class CacheShadowWorkbenchAdvisor extends WorkbenchAdvisor {
	private final Path caseToOpen;
	private final boolean analyze;

	public CacheShadowWorkbenchAdvisor(Path caseToOpen, boolean analyze) {
		this.caseToOpen = caseToOpen;
		this.analyze = analyze;
	}

	@Override
	public void postStartup() {
		UiStallWatch.start(getWorkbenchConfigurer().getWorkbench().getDisplay());
		if (caseToOpen == null) return;
		try {
			CaseSession.get().open(caseToOpen);
			CaseJobs.openHistory().schedule();
			if (analyze) {
				org.eclipse.core.runtime.jobs.Job a = CaseJobs.analyze();
				a.addJobChangeListener(new org.eclipse.core.runtime.jobs.JobChangeAdapter() {
					@Override
					public void done(org.eclipse.core.runtime.jobs.IJobChangeEvent event) {
						if (event.getResult().isOK()) openFirstBookmark();
					}
				});
				a.schedule();
			}
		} catch (IOException e) {
			MessageDialog.openError(null, "CacheShadow", e.getMessage());
		}
	}

	/** After the start-up analysis, the case's first bookmark is where the examiner left off (the walkthrough's start). */
	private void openFirstBookmark() {
		org.eclipse.swt.widgets.Display d = getWorkbenchConfigurer().getWorkbench().getDisplay();
		d.asyncExec(() -> {
			try {
				var c = CaseSession.get().current();
				var w = getWorkbenchConfigurer().getWorkbench().getActiveWorkbenchWindow();
				if (c == null || w == null || c.bookmarks().isEmpty()) return;
				Walkthrough.restore(w.getActivePage(), c.bookmarks().get(0), true);
			} catch (IOException | org.eclipse.ui.PartInitException e) {
				// nothing to restore: the workbench opens as it is
			}
		});
	}

	@Override
	public boolean preShutdown() {
		CaseSession.get().close();
		return true;
	}
	@Override
	public WorkbenchWindowAdvisor createWorkbenchWindowAdvisor(IWorkbenchWindowConfigurer configurer) {
		return new WorkbenchWindowAdvisor(configurer) {
			@Override
			public void preWindowOpen() {
				configurer.setInitialSize(new Point(1440, 920));
				configurer.setShowCoolBar(false);
				configurer.setShowStatusLine(true);
				configurer.setShowProgressIndicator(true);
				configurer.setTitle("CacheShadow Workbench");
			}

			@Override
			public org.eclipse.ui.application.ActionBarAdvisor createActionBarAdvisor(org.eclipse.ui.application.IActionBarConfigurer bars) {
				return new org.eclipse.ui.application.ActionBarAdvisor(bars) {
					@Override
					protected void fillStatusLine(org.eclipse.jface.action.IStatusLineManager status) {
						LiveStatusLine.install(status, getWorkbenchConfigurer().getWorkbench().getDisplay()); // the attached running guest's refreshes
					}
				};
			}
		};
	}

	@Override
	public String getInitialWindowPerspectiveId() {
		return CasePerspective.ID;
	}
}
