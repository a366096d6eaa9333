package cacheshadow.ui;

import org.eclipse.jface.action.IStatusLineManager;
import org.eclipse.swt.widgets.Display;

/**
 * The attached running guest in the window's status line ({@link AttachedGuest#statusText}): the last refresh, how
 * long the guest was paused and the refresh took, its changes, the interval (or that it was detached). It is the
 * status line's message, the one part of it as wide as the window allows; nothing before a guest was attached.
 */
public final class LiveStatusLine {
	private static volatile String shown = "";

	private LiveStatusLine() {
	}

	/** Shows the attached guest's state in {@code status} (the window's), now and after every change of it. */
	static void install(IStatusLineManager status, Display display) {
		AttachedGuest.addListener(() -> display.asyncExec(() -> {
			if (display.isDisposed()) return;
			AttachedGuest g = AttachedGuest.latest();
			shown = g == null ? "" : g.statusText();
			status.setMessage(shown.isEmpty() ? null : shown);
		}));
	}

	/** The text the status line was last given (read on the UI thread); "" before any guest was attached. */
	public static String text() {
		return shown;
	}
}
