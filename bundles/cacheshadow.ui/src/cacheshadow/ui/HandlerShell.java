package cacheshadow.ui;

import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.ui.IWorkbenchWindow;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.handlers.HandlerUtil;

/**
 * The shell a command's dialogs belong to. The handler context's "active shell" can name a shell already disposed (a
 * dialog closed before the context noticed, as when a command runs from code right after another one's dialog):
 * parenting a dialog on it, or asking it for its display, failed with "Widget is disposed". Then the workbench window's
 * shell is taken.
 */
final class HandlerShell {
	private HandlerShell() {
	}

	static Shell of(ExecutionEvent event) {
		Shell s = HandlerUtil.getActiveShell(event);
		if (s != null && !s.isDisposed()) return s;
		IWorkbenchWindow w = PlatformUI.getWorkbench().getActiveWorkbenchWindow();
		if (w == null && PlatformUI.getWorkbench().getWorkbenchWindowCount() > 0) w = PlatformUI.getWorkbench().getWorkbenchWindows()[0];
		if (w != null && !w.getShell().isDisposed()) return w.getShell();
		return Display.getDefault().getActiveShell();
	}
}
