package cacheshadow.ui;

import org.eclipse.core.commands.AbstractHandler;
import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.core.commands.ExecutionException;
import org.eclipse.jface.dialogs.InputDialog;
import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.handlers.HandlerUtil;

import cacheshadow.cases.Bookmark;
import cacheshadow.cases.Case;
import cacheshadow.cases.CaseException;

/** Bookmark This (Ctrl+D) and Present Bookmarks (F11). */
public final class BookmarkHandlers {
	private BookmarkHandlers() {
	}

	/**
	 * Saves what the workbench shows (selected path, tree, cursor A, hex page) as a bookmark with {@code note};
	 * null when no path is selected or no case is open.
	 */
	public static Bookmark bookmarkCurrent(IWorkbenchPage page, String note) throws CaseException {
		Case c = CaseSession.get().current();
		Bookmark b = c == null ? null : Walkthrough.capture(page, note);
		if (b == null) return null;
		Bookmark saved = c.addBookmark(b.view(), b.path(), b.instant(), b.offset(), b.length(), b.note());
		CaseSession.get().changed();
		return saved;
	}

	public static final class Add extends AbstractHandler {
		@Override
		public Object execute(ExecutionEvent event) throws ExecutionException {
			IWorkbenchPage page = HandlerUtil.getActiveWorkbenchWindowChecked(event).getActivePage();
			Shell shell = HandlerUtil.getActiveShell(event);
			if (CaseSession.get().current() == null || Walkthrough.capture(page, "") == null) {
				MessageDialog.openInformation(shell, "Bookmark", "Select a path in the File System view of an open case first.");
				return null;
			}
			InputDialog d = new InputDialog(shell, "Bookmark", "Note for this bookmark (shown in the walkthrough)", "", null);
			if (d.open() != InputDialog.OK) return null;
			try {
				bookmarkCurrent(page, d.getValue());
				ViewHandlers.show(event, BookmarksView.ID, BookmarksView.class);
			} catch (CaseException e) {
				MessageDialog.openError(shell, "CacheShadow", e.getMessage());
			}
			return null;
		}
	}

	public static final class Present extends AbstractHandler {
		@Override
		public Object execute(ExecutionEvent event) throws ExecutionException {
			Case c = CaseSession.get().current();
			if (c == null) return null;
			try {
				PresentationMode.open(HandlerUtil.getActiveWorkbenchWindowChecked(event).getActivePage(), c.bookmarks());
			} catch (CaseException e) {
				MessageDialog.openError(HandlerUtil.getActiveShell(event), "CacheShadow", e.getMessage());
			}
			return null;
		}
	}
}
