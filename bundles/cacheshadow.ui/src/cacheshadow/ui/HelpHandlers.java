package cacheshadow.ui;

import org.eclipse.core.commands.AbstractHandler;
import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.core.commands.ExecutionException;

/** Help > User Guide (F1) and Help > About (the product's about text, plugin.xml). */
public final class HelpHandlers {
	private HelpHandlers() {
	}

	public static final class UserGuide extends AbstractHandler {
		@Override
		public Object execute(ExecutionEvent event) throws ExecutionException {
			ViewHandlers.show(event, UserGuideView.ID, UserGuideView.class);
			return null;
		}
	}

	public static final class About extends AbstractHandler {
		@Override
		public Object execute(ExecutionEvent event) throws ExecutionException {
			org.eclipse.core.runtime.IProduct p = org.eclipse.core.runtime.Platform.getProduct();
			String text = p == null ? "CacheShadow Workbench" : p.getProperty("aboutText");
			org.eclipse.jface.dialogs.MessageDialog.openInformation(HandlerShell.of(event), "About CacheShadow Workbench",
					text + "\n\nJava " + System.getProperty("java.version") + ", " + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
			return null;
		}
	}
}
