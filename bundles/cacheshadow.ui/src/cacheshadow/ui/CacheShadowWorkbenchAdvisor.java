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
			if (analyze) CaseJobs.analyze().schedule();
		} catch (IOException e) {
			MessageDialog.openError(null, "CacheShadow", e.getMessage());
		}
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
		};
	}

	@Override
	public String getInitialWindowPerspectiveId() {
		return CasePerspective.ID;
	}
}
