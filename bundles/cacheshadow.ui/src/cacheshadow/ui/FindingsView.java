package cacheshadow.ui;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import org.eclipse.jface.viewers.ArrayContentProvider;
import org.eclipse.jface.viewers.ColumnLabelProvider;
import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.jface.viewers.TableViewer;
import org.eclipse.jface.viewers.TableViewerColumn;
import org.eclipse.jface.viewers.TreeViewer;
import org.eclipse.jface.viewers.Viewer;
import org.eclipse.jface.viewers.ViewerComparator;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.Color;
import org.eclipse.swt.graphics.RGB;
import org.eclipse.swt.graphics.Rectangle;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.layout.RowLayout;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Table;
import org.eclipse.swt.widgets.Tree;
import org.eclipse.swt.widgets.TreeItem;
import org.eclipse.ui.PartInitException;
import org.eclipse.ui.part.ViewPart;

import cacheshadow.caches.MemoryWindow;
import cacheshadow.journal.DiskHistory;
import cacheshadow.listing.Finding;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.View;

/**
 * Every anomaly and warning of the case: the analysis' findings (kernel structures, page cache, merge, ext4) and the
 * write journal's warnings, in one sortable table with a severity filter. Opening a row goes where it points: a guest
 * path to the File System view's merged tree, a memory address to the snapshot's bytes there.
 */
public class FindingsView extends ViewPart {
	public static final String ID = "cacheshadow.ui.findingsView";
	/** The kind under which the write journal's warnings are listed. */
	public static final String JOURNAL_KIND = "journal";

	private static final Finding.Severity[] ORDER = { Finding.Severity.ERROR, Finding.Severity.ANOMALY, Finding.Severity.WARNING,
			Finding.Severity.INFO };

	private Label header, status;
	private final Map<Finding.Severity, Button> toggles = new EnumMap<>(Finding.Severity.class);
	private final Set<Finding.Severity> shown = EnumSet.allOf(Finding.Severity.class);
	private TableViewer viewer;
	private List<Finding> all = List.of();
	private int sortColumn = 0;
	private int sortDirection = SWT.DOWN;
	private Color red, orange, brown, grey;
	private final Runnable refresher = () -> later(this::refresh);

	/** On the UI thread, while the view is open (listeners and Jobs call from any thread). */
	private void later(Runnable r) {
		if (viewer != null) UiThread.later(viewer.getControl(), r);
	}

	/** One column: its title, width and how a finding's text for it is compared. */
	private record Column(String title, int width, Function<Finding, String> text, Comparator<Finding> order) {
	}

	private final List<Column> columns = List.of(
			new Column("Severity", 90, f -> f.severity().name().toLowerCase(), Comparator.comparing(Finding::severity)),
			new Column("Kind", 190, Finding::kind, Comparator.comparing(Finding::kind)),
			new Column("Location (address or path)", 260, Finding::location, Comparator.comparing(FindingsView::locationKey)),
			new Column("Message", 700, Finding::message, Comparator.comparing(Finding::message)));

	@Override
	public void createPartControl(Composite parent) {
		Display d = parent.getDisplay();
		red = new Color(d, new RGB(200, 0, 0));
		orange = new Color(d, new RGB(200, 90, 0));
		brown = new Color(d, new RGB(140, 100, 0));
		grey = new Color(d, new RGB(100, 100, 100));
		parent.setLayout(new GridLayout(1, false));
		Composite bar = new Composite(parent, SWT.NONE);
		GridData bd = new GridData(SWT.FILL, SWT.CENTER, true, false);
		bd.widthHint = 200; // the bar wraps to the view's width instead of widening it
		bar.setLayoutData(bd);
		RowLayout bl = new RowLayout(SWT.HORIZONTAL);
		bl.wrap = true;
		bl.center = true;
		bl.marginLeft = bl.marginRight = bl.marginTop = bl.marginBottom = 0;
		bar.setLayout(bl);
		header = new Label(bar, SWT.NONE);
		for (Finding.Severity s : ORDER) {
			Button b = new Button(bar, SWT.TOGGLE);
			b.setSelection(true);
			b.setToolTipText("Show or hide " + plural(s) + " (one click)");
			b.addListener(SWT.Selection, e -> setShown(s, b.getSelection()));
			toggles.put(s, b);
		}
		status = new Label(parent, SWT.NONE);
		status.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
		viewer = new TableViewer(parent, SWT.SINGLE | SWT.FULL_SELECTION | SWT.BORDER | SWT.V_SCROLL | SWT.H_SCROLL);
		Table t = viewer.getTable();
		t.setHeaderVisible(true);
		t.setLinesVisible(true);
		t.setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true));
		for (int i = 0; i < columns.size(); i++) column(i);
		viewer.setContentProvider(ArrayContentProvider.getInstance());
		viewer.addFilter(new org.eclipse.jface.viewers.ViewerFilter() {
			@Override
			public boolean select(Viewer v, Object parentElement, Object element) {
				return shown.contains(((Finding) element).severity());
			}
		});
		viewer.setComparator(new ViewerComparator() {
			@Override
			public int compare(Viewer v, Object a, Object b) {
				int c = columns.get(sortColumn).order().compare((Finding) a, (Finding) b);
				return sortDirection == SWT.UP ? c : -c;
			}
		});
		t.setSortColumn(t.getColumn(sortColumn));
		t.setSortDirection(sortDirection);
		viewer.addOpenListener(e -> {
			Object o = ((org.eclipse.jface.viewers.IStructuredSelection) e.getSelection()).getFirstElement();
			if (o instanceof Finding f) open(f);
		});
		getSite().setSelectionProvider(viewer);
		CaseSession.get().addListener(refresher);
		refresh();
	}

	private void column(int index) {
		Column col = columns.get(index);
		TableViewerColumn c = new TableViewerColumn(viewer, SWT.NONE);
		c.getColumn().setText(col.title());
		c.getColumn().setWidth(col.width());
		c.getColumn().setToolTipText("Sort by " + col.title().toLowerCase() + " (click again to reverse)");
		c.getColumn().addListener(SWT.Selection, e -> sortBy(index));
		c.setLabelProvider(new ColumnLabelProvider() {
			@Override
			public String getText(Object o) {
				return displayable(col.text().apply((Finding) o));
			}

			@Override
			public Color getForeground(Object o) {
				return index == 0 ? color(((Finding) o).severity()) : null;
			}
		});
	}

	private Color color(Finding.Severity s) {
		return switch (s) {
		case ERROR -> red;
		case ANOMALY -> orange;
		case WARNING -> brown;
		case INFO -> grey;
		};
	}

	/** Sorts by column {@code index} (0 severity, 1 kind, 2 location, 3 message); again on the same column reverses. */
	public void sortBy(int index) {
		if (index == sortColumn) sortDirection = sortDirection == SWT.UP ? SWT.DOWN : SWT.UP;
		else {
			sortColumn = index;
			sortDirection = index == 0 ? SWT.DOWN : SWT.UP;
		}
		Table t = viewer.getTable();
		t.setSortColumn(t.getColumn(index));
		t.setSortDirection(sortDirection);
		viewer.refresh();
	}

	/** Shows or hides one severity (the header's toggle buttons). */
	public void setShown(Finding.Severity s, boolean show) {
		if (show) shown.add(s);
		else shown.remove(s);
		toggles.get(s).setSelection(show);
		viewer.refresh();
		updateHeader();
	}

	/** Re-reads the analysis' findings and the journal's warnings; call on the UI thread. */
	public void refresh() {
		if (viewer == null || viewer.getControl().isDisposed()) return;
		all = collect();
		viewer.setInput(all);
		updateHeader();
	}

	/**
	 * What the view lists: the analysis' findings, then each journal warning as a WARNING of kind {@value #JOURNAL_KIND}
	 * located at the journal's file name.
	 */
	static List<Finding> collect() {
		List<Finding> out = new ArrayList<>();
		MergedFileSystem m = CaseSession.get().analysis();
		if (m != null) out.addAll(m.findings());
		DiskHistory h = CaseSession.get().history();
		if (h != null) {
			String where = h.journal().name();
			try {
				where = java.nio.file.Path.of(where).getFileName().toString(); // a host file: not to be taken for a guest path
			} catch (RuntimeException e) {
				// keep the name as the journal gives it
			}
			for (String w : h.warnings()) out.add(new Finding(Finding.Severity.WARNING, JOURNAL_KIND, where, w));
		}
		return out;
	}

	private void updateHeader() {
		Map<Finding.Severity, Integer> counts = new EnumMap<>(Finding.Severity.class);
		for (Finding f : all) counts.merge(f.severity(), 1, Integer::sum);
		for (Finding.Severity s : ORDER) {
			int n = counts.getOrDefault(s, 0);
			Button b = toggles.get(s);
			b.setText(n + " " + (n == 1 ? s.name().toLowerCase() : plural(s)));
			b.setForeground(n > 0 ? color(s) : null);
		}
		String what;
		if (CaseSession.get().current() == null) what = "No case open.";
		else if (CaseSession.get().analysis() == null && CaseSession.get().history() == null) what = "Not analyzed yet.";
		else what = all.size() + " finding(s), " + viewer.getTable().getItemCount() + " shown:";
		header.setText(what);
		header.getParent().getParent().layout(true, true);
	}

	private static String plural(Finding.Severity s) {
		return switch (s) {
		case ERROR -> "errors";
		case ANOMALY -> "anomalies";
		case WARNING -> "warnings";
		case INFO -> "info";
		};
	}

	/** Sort key of a location: addresses by value, then everything else by text. */
	private static String locationKey(Finding f) {
		Optional<MemoryWindow.Address> a = MemoryWindow.Address.parse(f.location());
		return a.map(x -> x.space() + String.format("%016x", x.value())).orElse("~" + f.location());
	}

	/**
	 * Guest-controlled text as inert text: control characters (newlines, NUL, escape) and bidirectional overrides are
	 * shown as escapes, so a name or message cannot break a row or reorder what the examiner reads.
	 */
	static String displayable(String s) {
		if (s == null) return "";
		StringBuilder sb = null;
		for (int i = 0; i < s.length(); i++) {
			char c = s.charAt(i);
			boolean bad = c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)
					|| c == 0x200e || c == 0x200f || c == 0x061c;
			if (bad && sb == null) sb = new StringBuilder(s.substring(0, i));
			if (sb != null) {
				if (bad) sb.append(c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : String.format("\\u%04x", (int) c));
				else sb.append(c);
			}
		}
		return sb == null ? s : sb.toString();
	}

	/**
	 * Goes where a finding points: a guest path ({@code /...}) is selected in the File System view's merged tree, a
	 * memory address ({@code 0x...} or {@code physical 0x...}) opens the snapshot's bytes there. Anything else (an
	 * inode number, a file) is said in the view's status line.
	 */
	public void open(Finding f) {
		Optional<MemoryWindow.Address> address = MemoryWindow.Address.parse(f.location());
		try {
			if (address.isPresent()) {
				if (CaseSession.get().analysis() == null) {
					setStatus("No analysis to read the snapshot from.");
					return;
				}
				SnapshotHexView hex = (SnapshotHexView) getSite().getPage().showView(SnapshotHexView.ID);
				hex.show(address.get());
				setStatus("Opened " + address.get() + " in Snapshot Hex.");
			} else if (f.location() != null && f.location().startsWith("/")) {
				FileSystemView fs = (FileSystemView) getSite().getPage().showView(FileSystemView.ID);
				fs.show(View.MERGED);
				if (fs.select(f.location())) setStatus("Selected " + displayable(f.location()) + " in the File System view (merged).");
				else setStatus(displayable(f.location()) + " is not a path of the guest's merged view.");
			} else {
				setStatus("\"" + displayable(f.location()) + "\" is neither a guest path nor a memory address: nothing to open.");
			}
		} catch (PartInitException e) {
			setStatus(e.getMessage());
		}
	}

	private void setStatus(String s) {
		status.setText(s);
		status.setToolTipText(s);
		status.getParent().layout();
	}

	/** The rows as shown (filtered and sorted), for tests and reports. */
	public List<Finding> rows() {
		List<Finding> out = new ArrayList<>();
		for (int i = 0; i < viewer.getTable().getItemCount(); i++) out.add((Finding) viewer.getElementAt(i));
		return out;
	}

	/** Every finding the view holds, whatever the filter. */
	public List<Finding> all() {
		return List.copyOf(all);
	}

	public String headerText() {
		StringBuilder sb = new StringBuilder(header.getText());
		for (Finding.Severity s : ORDER) sb.append(' ').append(toggles.get(s).getText()).append(shown.contains(s) ? "" : " (hidden)");
		return sb.toString();
	}

	public String statusText() {
		return status.getText();
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
		if (red != null) {
			red.dispose();
			orange.dispose();
			brown.dispose();
			grey.dispose();
		}
		super.dispose();
	}
}
