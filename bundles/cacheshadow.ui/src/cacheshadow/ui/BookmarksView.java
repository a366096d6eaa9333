package cacheshadow.ui;

import java.io.IOException;
import java.util.List;

import org.eclipse.jface.action.Action;
import org.eclipse.jface.action.IToolBarManager;
import org.eclipse.jface.dialogs.InputDialog;
import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.jface.viewers.ArrayContentProvider;
import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.jface.viewers.TableViewer;
import org.eclipse.swt.SWT;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Label;
import org.eclipse.ui.PartInitException;
import org.eclipse.ui.part.ViewPart;

import cacheshadow.cases.Bookmark;
import cacheshadow.cases.Case;
import cacheshadow.cases.CaseException;

/**
 * The case's bookmarks in walkthrough order: view, path, instant, byte range, note. Opening one brings the workbench
 * back to it; "Bookmark this" (Ctrl+D) saves what is on screen; the note can be edited and a bookmark removed — all
 * written to the custody log by the case. Present (F11) steps through them full screen.
 */
public class BookmarksView extends ViewPart {
	public static final String ID = "cacheshadow.ui.bookmarksView";

	private Label header;
	private TableViewer viewer;
	private final Runnable refresher = () -> {
		if (viewer != null) UiThread.later(viewer.getControl(), this::refresh);
	};

	@Override
	public void createPartControl(Composite parent) {
		parent.setLayout(new GridLayout(1, false));
		header = new Label(parent, SWT.WRAP);
		header.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
		viewer = new TableViewer(parent, SWT.SINGLE | SWT.FULL_SELECTION | SWT.BORDER);
		viewer.getTable().setHeaderVisible(true);
		viewer.getTable().setLinesVisible(true);
		viewer.getTable().setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true));
		viewer.setContentProvider(ArrayContentProvider.getInstance());
		TableColumns.text(viewer, Bookmark.class, "#", 40, b -> Long.toString(b.id()), null);
		TableColumns.text(viewer, Bookmark.class, "View", 110, Bookmark::view, null);
		TableColumns.text(viewer, Bookmark.class, "Path", 260, Bookmark::path, null);
		TableColumns.text(viewer, Bookmark.class, "Instant", 90, b -> b.instant() == null ? "" : b.instant(), null);
		TableColumns.text(viewer, Bookmark.class, "Bytes", 110, b -> b.length() == 0 ? "" : b.offset() + "+" + b.length(), null);
		TableColumns.text(viewer, Bookmark.class, "Note", 300, Bookmark::note, null);
		viewer.addOpenListener(e -> {
			if (e.getSelection() instanceof IStructuredSelection s && s.getFirstElement() instanceof Bookmark b) open(b);
		});
		IToolBarManager tb = getViewSite().getActionBars().getToolBarManager();
		tb.add(new Action("Edit Note…") {
			@Override
			public void run() {
				editNote();
			}
		});
		tb.add(new Action("Remove") {
			@Override
			public void run() {
				remove();
			}
		});
		CaseSession.get().addListener(refresher);
		refresh();
	}

	/** Re-reads the bookmarks of the open case; call on the UI thread. */
	public void refresh() {
		if (viewer.getControl().isDisposed()) return;
		Case c = CaseSession.get().current();
		if (c == null) {
			header.setText("No case open.");
			viewer.setInput(List.of());
		} else {
			try {
				List<Bookmark> b = c.bookmarks();
				header.setText(b.size() + " bookmark(s) — Ctrl+D bookmarks the selected path (with the timeline's instant and the hex page); F11 presents them");
				viewer.setInput(b);
			} catch (CaseException e) {
				header.setText(e.getMessage());
			}
		}
		header.getParent().layout();
	}

	/** Brings the workbench back to {@code b}. */
	public void open(Bookmark b) {
		try {
			Walkthrough.restore(getSite().getPage(), b, true);
		} catch (PartInitException e) {
			header.setText(e.getMessage());
		}
	}

	private Bookmark selected() {
		return viewer.getStructuredSelection().getFirstElement() instanceof Bookmark b ? b : null;
	}

	private void editNote() {
		Bookmark b = selected();
		Case c = CaseSession.get().current();
		if (b == null || c == null) return;
		InputDialog d = new InputDialog(getSite().getShell(), "Bookmark #" + b.id(), "Note", b.note(), null);
		if (d.open() != InputDialog.OK) return;
		try {
			c.updateBookmarkNote(b.id(), d.getValue());
		} catch (IOException e) {
			MessageDialog.openError(getSite().getShell(), "CacheShadow", e.getMessage());
		}
		CaseSession.get().changed();
	}

	private void remove() {
		Bookmark b = selected();
		Case c = CaseSession.get().current();
		if (b == null || c == null) return;
		if (!MessageDialog.openConfirm(getSite().getShell(), "Remove Bookmark", "Remove bookmark #" + b.id() + " (" + b.path() + ")? The custody log keeps a record."))
			return;
		try {
			c.removeBookmark(b.id());
		} catch (IOException e) {
			MessageDialog.openError(getSite().getShell(), "CacheShadow", e.getMessage());
		}
		CaseSession.get().changed();
	}

	public TableViewer viewer() {
		return viewer;
	}

	@Override
	public void setFocus() {
		viewer.getControl().setFocus();
	}

	@Override
	public void dispose() {
		CaseSession.get().removeListener(refresher);
		super.dispose();
	}
}
