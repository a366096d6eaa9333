package cacheshadow.ui;

import java.io.IOException;
import java.nio.file.Path;

import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.swt.graphics.Point;
import org.eclipse.ui.application.IWorkbenchWindowConfigurer;
import org.eclipse.ui.application.WorkbenchAdvisor;
import org.eclipse.ui.application.WorkbenchWindowAdvisor;

import cacheshadow.merge.MergedFileSystem;

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
		startupReport(sinceStart(), "window-shown");
		if (caseToOpen == null) return;
		try {
			CaseSession.get().open(caseToOpen);
			org.eclipse.core.runtime.jobs.Job history = CaseJobs.openHistory();
			// with -analyze the journal is indexed once the analysis is done: on two cores the two jobs (and the
			// Timeline's chart) running side by side put the analysis on screen later, and it is what the examiner
			// asked for first
			if (!analyze) history.schedule();
			else if ("1".equals(System.getenv("CACHESHADOW_STARTUP_EXIT"))) {
				// closed once the journal is open too: not under a job still reading the case
				history.addJobChangeListener(new org.eclipse.core.runtime.jobs.JobChangeAdapter() {
					@Override
					public void done(org.eclipse.core.runtime.jobs.IJobChangeEvent event) {
						getWorkbenchConfigurer().getWorkbench().getDisplay().asyncExec(() -> getWorkbenchConfigurer().getWorkbench().close());
					}
				});
			}
			if (analyze) {
				org.eclipse.core.runtime.jobs.Job a = CaseJobs.analyze();
				a.addJobChangeListener(new org.eclipse.core.runtime.jobs.JobChangeAdapter() {
					@Override
					public void done(org.eclipse.core.runtime.jobs.IJobChangeEvent event) {
						boolean ok = event.getResult().isOK();
						if (ok) openFirstBookmark();
						// queued after the views' own refreshes (setAnalysis) and the bookmark's: the analysis is on screen
						getWorkbenchConfigurer().getWorkbench().getDisplay().asyncExec(() -> {
							long shown = sinceStart();
							int paths = mergedPaths();
							startupReport(shown, ok && paths >= 0 ? "analysis-shown " + paths + " paths" : "analysis-failed " + event.getResult().getMessage());
						});
						history.schedule();
					}
				});
				a.schedule();
			}
		} catch (IOException e) {
			MessageDialog.openError(null, "CacheShadow", e.getMessage());
		}
	}

	/** The paths of the analysis' merged view, or -1 without one. */
	private static int mergedPaths() {
		MergedFileSystem m = CaseSession.get().analysis();
		var merged = m == null ? null : m.tree(cacheshadow.merge.View.MERGED);
		try {
			return merged == null ? -1 : merged.listing(false).size();
		} catch (IOException e) {
			return -1;
		}
	}

	private static long sinceStart() {
		return System.currentTimeMillis() - java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
	}

	/**
	 * {@code CACHESHADOW_STARTUP_REPORT=FILE} ({@code ./cacheshadow bench workbench}): a line per start-up step, with the
	 * milliseconds since the JVM started and the process's CPU time; {@code CACHESHADOW_STARTUP_EXIT=1} closes the workbench once the start-up
	 * analysis is shown and the journal opened.
	 */
	private static void startupReport(long ms, String step) {
		String file = System.getenv("CACHESHADOW_STARTUP_REPORT");
		if (file == null) return;
		try {
			// the process's CPU time beside the wall time: what the start costs on a quiet machine, whatever the load
			long cpu = ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toMillis).orElse(-1L);
			java.nio.file.Files.writeString(Path.of(file), ms + " " + step + " (cpu " + cpu + " ms)\n", java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
		} catch (IOException e) {
			// a bench's report only: the workbench goes on
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
