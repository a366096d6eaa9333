package cacheshadow.ui;

import org.eclipse.swt.widgets.Control;

/**
 * Work handed to the UI thread by Jobs and case listeners (which run on any thread): it runs later, and only while
 * the view's control still exists, since a view may be closed between the hand-over and the run.
 */
final class UiThread {
	private UiThread() {
	}

	/** Runs {@code r} on {@code c}'s UI thread unless {@code c} is (or by then has been) disposed. */
	static void later(Control c, Runnable r) {
		if (c == null || c.isDisposed()) return;
		c.getDisplay().asyncExec(() -> {
			if (!c.isDisposed()) r.run();
		});
	}
}
