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
		TableColumns.text(viewer, EvidenceItem.class, "SHA-256", 530, e -> e.sha256() == null ? "(hashing…)" : e.sha256(), null);
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
		// its toolbar (New, Open, Close, Add Evidence, Verify, Analyze) comes from the case commands (plugin.xml, CaseHandlers)
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
