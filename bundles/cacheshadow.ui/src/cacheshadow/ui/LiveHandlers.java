package cacheshadow.ui;

import org.eclipse.core.commands.AbstractHandler;
import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.jface.window.Window;

/**
 * The running-guest commands of the Case menu and the Case view's toolbar (plugin.xml): attach, refresh now, snapshot
 * now, detach. They only ask and schedule; {@link AttachedGuest} runs them as Jobs.
 */
public final class LiveHandlers {
	private LiveHandlers() {
	}

	public static final class Attach extends AbstractHandler {
		@Override
		public boolean isEnabled() {
			return CaseSession.get().current() != null;
		}

		@Override
		public Object execute(ExecutionEvent event) {
			if (CaseSession.get().current() == null) {
				MessageDialog.openInformation(HandlerShell.of(event), "CacheShadow", "Open or create a case first: snapshots of the guest go into it.");
				return null;
			}
			AttachDialog d = new AttachDialog(HandlerShell.of(event));
			if (d.open() == Window.OK) AttachedGuest.attach(d.request());
			return null;
		}
	}

	/** Handlers that need an attached guest: enabled (menu items, toolbar buttons, keys) while one is. */
	private abstract static class WithGuest extends AbstractHandler {
		private final Runnable update = () -> org.eclipse.swt.widgets.Display.getDefault().asyncExec(() -> setBaseEnabled(AttachedGuest.current() != null));

		WithGuest() {
			setBaseEnabled(AttachedGuest.current() != null);
			AttachedGuest.addListener(update);
		}

		@Override
		public void dispose() {
			AttachedGuest.removeListener(update);
			super.dispose();
		}

		@Override
		public Object execute(ExecutionEvent event) {
			AttachedGuest g = AttachedGuest.current();
			if (g == null) MessageDialog.openInformation(HandlerShell.of(event), "CacheShadow", "No running guest is attached (Case > Attach to a Running Guest…).");
			else run(g);
			return null;
		}

		abstract void run(AttachedGuest g);
	}

	public static final class Refresh extends WithGuest {
		@Override
		void run(AttachedGuest g) {
			g.refreshNow();
		}
	}

	public static final class SnapshotNow extends WithGuest {
		@Override
		void run(AttachedGuest g) {
			g.snapshotNow();
		}
	}

	public static final class Detach extends WithGuest {
		@Override
		void run(AttachedGuest g) {
			g.detach();
		}
	}
}
