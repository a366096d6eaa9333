package cacheshadow.ui;

import java.util.List;
import java.util.function.Function;

import org.eclipse.jface.viewers.ArrayContentProvider;
import org.eclipse.jface.viewers.ColumnLabelProvider;
import org.eclipse.jface.viewers.TableViewer;
import org.eclipse.jface.viewers.TableViewerColumn;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.Color;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Table;
import org.eclipse.ui.part.ViewPart;

import cacheshadow.cases.Case;
import cacheshadow.cases.CaseException;
import cacheshadow.cases.EvidenceItem;

/** The open case's evidence: format, size, SHA-256 and verification status; actions to create, open, add, verify. */
public class CaseView extends ViewPart {
	public static final String ID = "cacheshadow.ui.caseView";

	private Label header;
	private TableViewer viewer;
	private final Runnable refresher = () -> {
		if (viewer != null) UiThread.later(viewer.getControl(), this::refresh);
	};

	@Override
	public void createPartControl(Composite parent) {
		parent.setLayout(new GridLayout(1, false));
		header = new Label(parent, SWT.NONE);
		header.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
		viewer = new TableViewer(parent, SWT.MULTI | SWT.FULL_SELECTION | SWT.BORDER);
		Table t = viewer.getTable();
		t.setHeaderVisible(true);
		t.setLinesVisible(true);
		t.setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true));
		TableColumns.text(viewer, EvidenceItem.class, "#", 40, e -> Long.toString(e.id()), null);
		TableColumns.text(viewer, EvidenceItem.class, "File", 170, EvidenceItem::fileName, null);
		TableColumns.text(viewer, EvidenceItem.class, "Format", 250, e -> e.format().label(), null);
		TableColumns.text(viewer, EvidenceItem.class, "Size (bytes)", 110, e -> String.format("%,d", e.size()), null);
		TableColumns.text(viewer, EvidenceItem.class, "SHA-256", 530, e -> e.sha256() == null ? "(hashing…)" : e.inHdfs() ? e.pinName() + " " + e.sha256() : e.sha256(), null);
		TableViewerColumn st = new TableViewerColumn(viewer, SWT.NONE);
		st.getColumn().setText("Status");
		st.getColumn().setWidth(100);
		st.setLabelProvider(new ColumnLabelProvider() {
			@Override
			public String getText(Object o) {
				return ((EvidenceItem) o).status().name();
			}

			@Override
			public Color getForeground(Object o) {
				EvidenceItem.Status s = ((EvidenceItem) o).status();
				return s == EvidenceItem.Status.MISMATCH || s == EvidenceItem.Status.MISSING
						? viewer.getControl().getDisplay().getSystemColor(SWT.COLOR_RED)
						: null;
			}
		});
		// which memory snapshot the analysis views show (Analyze Snapshot… chooses among several); last, so the columns before keep their places
		TableColumns.text(viewer, EvidenceItem.class, "Views", 90, e -> e.id() == CaseSession.get().analyzedMemory() ? "shown" : "", null);
		viewer.setContentProvider(ArrayContentProvider.getInstance());
		getSite().setSelectionProvider(viewer);
		// its toolbar (New, Open, Close, Add Evidence, Verify, Analyze) comes from the case commands (plugin.xml, CaseHandlers);
		// a journal in HDFS is added by its URL from here
		getViewSite().getActionBars().getToolBarManager().add(new AddFromHdfs());
		CaseSession.get().addListener(refresher);
		refresh();
	}

	/** Re-reads the open case; call on the UI thread. */
	public void refresh() {
		if (viewer == null || viewer.getControl().isDisposed()) return;
		Case c = CaseSession.get().current();
		try {
			if (c == null) {
				header.setText("No case open. Create or open one from this view's toolbar.");
				viewer.setInput(List.of());
			} else {
				List<EvidenceItem> ev = c.evidence();
				// keep the examiner's selection across refreshes: items are new records (status changes), ids are stable
				java.util.Set<Long> selected = new java.util.HashSet<>();
				for (Object o : viewer.getStructuredSelection().toList()) selected.add(((EvidenceItem) o).id());
				header.setText("Case \"" + c.name() + "\" — " + c.dir() + " — " + ev.size() + " evidence item(s), custody log "
						+ c.custodyLog().size() + " entries");
				viewer.setInput(ev);
				if (!selected.isEmpty()) {
					viewer.setSelection(new org.eclipse.jface.viewers.StructuredSelection(
							ev.stream().filter(e -> selected.contains(e.id())).toList()));
				}
			}
		} catch (CaseException e) {
			header.setText(e.getMessage());
		}
		header.getParent().layout();
	}

	/** Title of the dialog that takes a journal's WebHDFS URL. */
	public static final String ADD_FROM_HDFS_TITLE = "Add Write Journal from HDFS";

	/**
	 * Registers a write journal that stays in HDFS by its {@code webhdfs://} URL: pinned by its length and HDFS's file
	 * checksum, and read in place by the timeline (no download).
	 */
	final class AddFromHdfs extends org.eclipse.jface.action.Action {
		AddFromHdfs() {
			super("Add from HDFS…");
			setToolTipText("Add a write journal in HDFS by its webhdfs://HOST:PORT/PATH URL (read in place, not copied)");
		}

		@Override
		public void run() {
			if (CaseSession.get().current() == null) {
				header.setText("Open or create a case first, then add a journal in HDFS to it.");
				return;
			}
			org.eclipse.jface.dialogs.InputDialog d = new org.eclipse.jface.dialogs.InputDialog(getSite().getShell(), ADD_FROM_HDFS_TITLE,
					"WebHDFS URL of a write journal (dm-log-writes or .csj), e.g. webhdfs://namenode:9870/journals/writes.log\n"
							+ "It stays in HDFS and is read in place; the case pins it by its length and HDFS's file checksum.",
					"webhdfs://", url -> {
						try {
							cacheshadow.journal.WebHdfs.of(url.strip());
							return null;
						} catch (IllegalArgumentException e) {
							return e.getMessage();
						}
					});
			if (d.open() == org.eclipse.jface.window.Window.OK) CaseJobs.addEvidenceAt(List.of(d.getValue().strip())).schedule();
		}
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
