package cacheshadow.ui;

import org.eclipse.core.commands.AbstractHandler;
import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.core.commands.ExecutionException;
import org.eclipse.jface.dialogs.InputDialog;
import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.swt.widgets.DirectoryDialog;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.handlers.HandlerUtil;

import cacheshadow.cases.Bookmark;
import cacheshadow.cases.Case;
import cacheshadow.cases.CaseException;
import cacheshadow.cases.ScenarioKey;
import cacheshadow.cases.ScenarioScore;

/** Bookmark This (Ctrl+D), Present Bookmarks (F11) and Score Answers (Ctrl+Shift+A). */
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
			Shell shell = HandlerShell.of(event);
			if (CaseSession.get().current() == null || Walkthrough.capture(page, "") == null) {
				MessageDialog.openInformation(shell, "Bookmark", "Select a path in the File System view of an open case first.");
				return null;
			}
			BookmarkDialog d = new BookmarkDialog(shell);
			if (d.open() != InputDialog.OK) return null;
			try {
				bookmarkCurrent(page, d.note());
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
				MessageDialog.openError(HandlerShell.of(event), "CacheShadow", e.getMessage());
			}
			return null;
		}
	}

	/**
	 * Bookmarks > Score Answers…: the open case's bookmarks tagged as answers ({@link ScenarioScore#isAnswer}) against a
	 * training scenario's answer key (its answer folder, chosen in a dialog or given as the command's parameter), the
	 * findings found and missed and the wrong claims shown in a dialog that does not block the workbench, as
	 * {@code ./cacheshadow scenario score} prints them.
	 */
	public static final class Score extends AbstractHandler {
		/** The command's optional parameter: the answer folder, so that no dialog asks (tests, scripted use). */
		public static final String ANSWER = "cacheshadow.ui.bookmark.score.answer";
		private static volatile ScenarioScore last;

		/** The score the command showed last (null before the first). */
		public static ScenarioScore last() {
			return last;
		}

		@Override
		public Object execute(ExecutionEvent event) throws ExecutionException {
			Shell shell = HandlerShell.of(event);
			Case c = CaseSession.get().current();
			if (c == null) {
				MessageDialog.openInformation(shell, "Score Answers", "Open the trainee's case first.");
				return null;
			}
			String answer = event.getParameter(ANSWER);
			if (answer == null) {
				DirectoryDialog d = new DirectoryDialog(shell);
				d.setText("Score Answers");
				d.setMessage("The scenario's answer folder (DIR/answer: manifest.tsv and manifest.round-K.tsv)");
				answer = d.open();
				if (answer == null) return null;
			}
			try {
				ScenarioKey key = ScenarioKey.of(java.nio.file.Path.of(answer));
				java.util.List<String> claims = new java.util.ArrayList<>();
				for (Bookmark b : c.bookmarks()) if (ScenarioScore.isAnswer(b)) claims.add(b.path());
				ScenarioScore s = ScenarioScore.of(key, claims);
				last = s;
				MessageDialog d = new MessageDialog(shell, "Score Answers", null, s.text().replace('\t', ' '),
						s.perfect() ? MessageDialog.INFORMATION : MessageDialog.WARNING, 0, "Close");
				d.setBlockOnOpen(false);
				d.open();
			} catch (java.io.IOException | RuntimeException e) {
				MessageDialog.openError(shell, "CacheShadow", e.getMessage());
			}
			return null;
		}
	}
}
