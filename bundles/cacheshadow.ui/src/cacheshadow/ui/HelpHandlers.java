package cacheshadow.ui;

import org.eclipse.core.commands.AbstractHandler;
import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.core.commands.ExecutionException;

/** Help > User Guide (F1). About is the workbench's own command with the product's about text (plugin.xml). */
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
}
