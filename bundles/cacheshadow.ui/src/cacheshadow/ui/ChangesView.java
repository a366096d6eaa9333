package cacheshadow.ui;

import java.io.IOException;
import java.util.List;
import java.util.function.Function;

import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.Status;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.jface.viewers.ArrayContentProvider;
import org.eclipse.jface.viewers.ColumnLabelProvider;
import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.jface.viewers.TableViewer;
import org.eclipse.jface.viewers.TableViewerColumn;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.Color;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Label;
import org.eclipse.ui.PartInitException;
import org.eclipse.ui.part.ViewPart;

import cacheshadow.journal.DiskHistory;
import cacheshadow.journal.FileChanges;
import cacheshadow.journal.ResolvedInstant;
import cacheshadow.merge.InstantChanges;

/**
 * The file-level changes of the disk between the timeline's cursors A and B, exactly as {@code ./cacheshadow changes}
 * prints them ({@link InstantChanges}): added, removed or changed, which manifest columns, which byte ranges. Opening
 * a row shows its hex diff A vs B.
 */
public class ChangesView extends ViewPart {
	public static final String ID = "cacheshadow.ui.changesView";

	private Label header;
	private TableViewer viewer;
	private volatile List<FileChanges.FileChange> changes = List.of();
	private final Runnable listener = () -> compute();
	private Job job;

	@Override
	public void createPartControl(Composite parent) {
		parent.setLayout(new GridLayout(1, false));
		header = new Label(parent, SWT.WRAP);
		header.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
		viewer = new TableViewer(parent, SWT.SINGLE | SWT.FULL_SELECTION | SWT.BORDER | SWT.VIRTUAL);
		viewer.getTable().setHeaderVisible(true);
		viewer.getTable().setLinesVisible(true);
		viewer.getTable().setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true));
		viewer.setContentProvider(ArrayContentProvider.getInstance());
		TableColumns.text(viewer, FileChanges.FileChange.class, "Change", 80, c -> c.kind().word(), this::color);
		TableColumns.text(viewer, FileChanges.FileChange.class, "Path", 360, FileChanges.FileChange::path, this::color);
		TableColumns.text(viewer, FileChanges.FileChange.class, "Columns", 260, c -> c.columns().isEmpty() ? "-" : String.join(",", c.columns()), this::color);
		TableColumns.text(viewer, FileChanges.FileChange.class, "Byte ranges (offset+length)", 260, c -> {
			if (c.ranges().isEmpty()) return "-";
			StringBuilder sb = new StringBuilder();
			for (FileChanges.ByteRange r : c.ranges()) sb.append(sb.isEmpty() ? "" : ",").append(r);
			return sb.toString();
		}, this::color);
		viewer.addOpenListener(e -> {
			if (e.getSelection() instanceof IStructuredSelection s && s.getFirstElement() instanceof FileChanges.FileChange c) openHexDiff(c);
		});
		getSite().setSelectionProvider(viewer);
		CaseSession.get().addInstantListener(listener);
		compute();
	}

	/** Added green, removed red, changed amber, as the File System view colours statuses. */
	private Color color(FileChanges.FileChange c) {
		return viewer.getTable().getDisplay().getSystemColor(switch (c.kind()) {
		case ADDED -> SWT.COLOR_DARK_GREEN;
		case REMOVED -> SWT.COLOR_RED;
		default -> SWT.COLOR_DARK_YELLOW;
		});
	}

	/** Recomputes the change list for the cursors in a Job; the newest cursors win. */
	private void compute() {
		DiskHistory h = CaseSession.get().history();
		ResolvedInstant a = CaseSession.get().cursorA(), b = CaseSession.get().cursorB();
		if (h == null || a == null || b == null) {
			show(null, null, List.of(), h == null ? "No write journal in the case." : "Place cursor B on the timeline (Shift+click, or \"B = A\" then move A) to list what changed between A and B.");
			return;
		}
		if (job != null) job.cancel();
		String prefix = FileSystemView.mountPrefix();
		job = new Job("Changes between " + a.spec() + " and " + b.spec()) {
			@Override
			protected IStatus run(IProgressMonitor monitor) {
				try {
					ResolvedInstant from = a.entryCount() <= b.entryCount() ? a : b, to = from == a ? b : a;
					List<FileChanges.FileChange> list = InstantChanges.between(h, from, to, prefix, true, new MonitorProgress(monitor));
					if (!monitor.isCanceled()) show(from, to, list, null);
					return Status.OK_STATUS;
				} catch (IOException e) {
					show(a, b, List.of(), e.getMessage());
					return Status.OK_STATUS;
				}
			}

			@Override
			public boolean belongsTo(Object family) {
				return family == CaseJobs.FAMILY;
			}
		};
		job.schedule(50); // a cursor being dragged asks again before this starts
	}

	private void show(ResolvedInstant from, ResolvedInstant to, List<FileChanges.FileChange> list, String message) {
		if (viewer == null) return;
		UiThread.later(viewer.getControl(), () -> {
			changes = list;
			cacheshadow.journal.JournalCut cut = CaseSession.get().journalCut();
			ResolvedInstant past = message != null || cut == null ? null : cut.reaches(to) ? to : cut.reaches(from) ? from : null;
			header.setText(message != null ? message
					: list.size() + " path(s) changed from " + from + " to " + to + " (under " + FileSystemView.mountPrefix() + "); open a row for its hex diff"
							+ (past == null ? "" : " — FLAGGED, every row: " + cacheshadow.journal.JournalCut.finding(cut.log(), past, FileSystemView.mountPrefix()).message()));
			viewer.setInput(list);
			header.getParent().layout();
		});
	}

	private void openHexDiff(FileChanges.FileChange c) {
		try {
			HexDiffView hex = (HexDiffView) getSite().getPage().showView(HexDiffView.ID);
			hex.showInstants(c.path());
		} catch (PartInitException e) {
			header.setText(e.getMessage());
		}
	}

	/** The change list shown. */
	public List<FileChanges.FileChange> changes() {
		return changes;
	}

	public String headerText() {
		return header.getText();
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
		CaseSession.get().removeInstantListener(listener);
		if (job != null) job.cancel();
		super.dispose();
	}
}
