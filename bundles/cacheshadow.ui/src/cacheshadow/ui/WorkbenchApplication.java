package cacheshadow.ui;

import org.eclipse.equinox.app.IApplication;
import org.eclipse.equinox.app.IApplicationContext;
import org.eclipse.swt.widgets.Display;
import org.eclipse.ui.IWorkbench;
import org.eclipse.ui.PlatformUI;

/**
 * The workbench application; {@code -case DIR} opens a case folder on start, {@code -analyze} also analyzes it,
 * {@code --partial} (or {@code -partial}) analyzes evidence cut short as far as it goes without asking.
 */
public class WorkbenchApplication implements IApplication {
	@Override
	public Object start(IApplicationContext context) throws Exception {
		String[] args = (String[]) context.getArguments().get(IApplicationContext.APPLICATION_ARGS);
		java.nio.file.Path caseDir = null;
		boolean analyze = false;
		for (int i = 0; args != null && i < args.length; i++) {
			if (args[i].equals("-case") && i + 1 < args.length) caseDir = java.nio.file.Path.of(args[i + 1]);
			if (args[i].equals("-analyze")) analyze = true;
			if (args[i].equals("--partial") || args[i].equals("-partial")) CaseSession.get().setPartialMode(true);
		}
		cacheshadow.cases.Case.setProgram("the workbench (./cacheshadow workbench)");
		Display display = PlatformUI.createDisplay();
		try {
			int code = PlatformUI.createAndRunWorkbench(display, new CacheShadowWorkbenchAdvisor(caseDir, analyze));
			return code == PlatformUI.RETURN_RESTART ? IApplication.EXIT_RESTART : IApplication.EXIT_OK;
		} finally {
			display.dispose();
		}
	}

	@Override
	public void stop() {
		if (!PlatformUI.isWorkbenchRunning()) return;
		IWorkbench workbench = PlatformUI.getWorkbench();
		Display display = workbench.getDisplay();
		display.syncExec(() -> {
			if (!display.isDisposed()) workbench.close();
		});
	}
}
