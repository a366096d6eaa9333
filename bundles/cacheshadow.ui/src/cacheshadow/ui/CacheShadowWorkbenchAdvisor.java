package cacheshadow.ui;

import org.eclipse.swt.graphics.Point;
import org.eclipse.ui.application.IWorkbenchWindowConfigurer;
import org.eclipse.ui.application.WorkbenchAdvisor;
import org.eclipse.ui.application.WorkbenchWindowAdvisor;

public class CacheShadowWorkbenchAdvisor extends WorkbenchAdvisor {
	@Override
	public WorkbenchWindowAdvisor createWorkbenchWindowAdvisor(IWorkbenchWindowConfigurer configurer) {
		return new WorkbenchWindowAdvisor(configurer) {
			@Override
			public void preWindowOpen() {
				configurer.setInitialSize(new Point(1280, 800));
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
