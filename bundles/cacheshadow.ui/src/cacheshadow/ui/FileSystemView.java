package cacheshadow.ui;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.eclipse.core.runtime.IAdaptable;
import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.Status;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.jface.action.Action;
import org.eclipse.jface.action.IAction;
import org.eclipse.jface.action.IToolBarManager;
import org.eclipse.jface.viewers.ColumnLabelProvider;
import org.eclipse.jface.viewers.ITreeContentProvider;
import org.eclipse.jface.viewers.TreeViewer;
import org.eclipse.jface.viewers.TreeViewerColumn;
import org.eclipse.jface.viewers.Viewer;
import org.eclipse.jface.viewers.ViewerComparator;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.Color;
import org.eclipse.swt.graphics.RGB;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Text;
import org.eclipse.swt.widgets.ToolBar;
import org.eclipse.swt.widgets.ToolItem;
import org.eclipse.swt.widgets.Tree;
import org.eclipse.swt.widgets.TreeColumn;
import org.eclipse.ui.part.ViewPart;
import org.eclipse.ui.views.properties.IPropertySheetPage;
import org.eclipse.ui.views.properties.IPropertySource;

import cacheshadow.journal.DiskHistory;
import cacheshadow.journal.ResolvedInstant;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.ManifestFormat;
import cacheshadow.merge.FileTree;
import cacheshadow.merge.InstantScrub;
import cacheshadow.merge.InstantTree;
import cacheshadow.merge.LiveWatch;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.PathStatus;
import cacheshadow.merge.TreeFilter;
import cacheshadow.merge.View;

/**
 * The guest's file system three ways — merged (as the guest sees it), cache-only, disk-only — as a tree with each
 * path's status (cache-only, deleted, differs and what, same, disk-only) and where its bytes come from; and a fourth
 * way, the disk as the write journal says it stood at the timeline's cursor A, each path's status against the end of
 * the journal (created, deleted, changed later and which columns).
 *
 * <p>Above the tree: one toggle per status with its count (any checked status is shown, with the directories above
 * it) and a name filter; a click on a column header sorts each directory's entries by that column (again: the other
 * way; a third time: path order). The filters are answered by the core ({@link TreeFilter}, from the status list), the
 * tree stays lazy: a directory's items are made when it is opened. The selection adapts to the Properties view
 * ({@link PathPropertySource}).
 */
public class FileSystemView extends ViewPart {
	public static final String ID = "cacheshadow.ui.fileSystemView";
	/** A filtered tree with at most this many visible paths is opened whole. */
	private static final int EXPAND_FILTERED = 2000;
	/** Column titles, in order (tests read cells by index). */
	static final String[] COLUMNS = { "Name", "Status", "Type", "Mode", "Owner", "Size", "Inode", "Modified (UTC)", "Bytes from", "Missing" };

	private Label header;
	private String headerBase = "";
	private ToolBar statusBar;
	private Text filterText;
	private TreeViewer viewer;
	/** One of the analysis' three views, or null for the disk at the timeline's cursor A. */
	private View shown = View.MERGED;
	private FileTreeModel model;
	private final InstantScrubJob scrubber = new InstantScrubJob();
	private final Runnable refresher = () -> later(this::refresh);

	/** On the UI thread, while the view is open (listeners and Jobs call from any thread). */
	private void later(Runnable r) {
		if (viewer != null) UiThread.later(viewer.getControl(), r);
	}
	private final Runnable instantListener = () -> {
		if (shown == null) scrubber.request();
	};
	private IAction[] viewActions;
	private Color green, red, orange, grey, liveChange;
	/** Paths the attached guest's last refresh changed (since the refresh before), shown on this background. */
	private volatile Set<String> highlighted = Set.of();
	private final Runnable liveListener = () -> later(this::refresh);
	/** Milliseconds from the last cursor move to its tree on screen (for the benchmark print of the UI tests). */
	private volatile long lastScrubMillis = -1;

	/** The statuses checked in the filter bar (of the current kind of tree) and the name filter. */
	private final Set<Enum<?>> checked = new java.util.concurrent.CopyOnWriteArraySet<>(); // read by the scrub job too
	private volatile String text = "";
	/** The filter applied to {@link #model}, or null when none is. */
	private Filtered filtered;
	/** A model whose filter is still being found: shown empty until it is. */
	private FileTreeModel hidden;
	private long filterGeneration;
	private final ColumnSorter sorter = new ColumnSorter();
	private final Runnable textApplier = this::applyFilter;

	/** A filter's answer for one model. */
	private record Filtered(FileTreeModel model, TreeFilter.Result result, Set<Enum<?>> checked, String text) {
	}

	/** A tree element: a path of the tree being shown. Adapts to the Properties view. */
	public record Node(FileTreeModel model, String path) implements IAdaptable {
		FileRecord attr() {
			try {
				return model.attr(path);
			} catch (IOException e) {
				return null;
			}
		}

		String name() {
			return path.equals(model.root()) ? path : path.substring(path.lastIndexOf('/') + 1);
		}

		/** The file tree the node belongs to (the analysis' view, or the disk at an instant). */
		public FileTree tree() {
			return model.tree();
		}

		public String path() {
			return path;
		}

		@Override
		public <T> T getAdapter(Class<T> type) {
			if (type == IPropertySource.class) return type.cast(new PathPropertySource(this));
			return null;
		}
	}

	@Override
	public void createPartControl(Composite parent) {
		Display d = parent.getDisplay();
		green = new Color(d, new RGB(0, 128, 0));
		red = new Color(d, new RGB(200, 0, 0));
		orange = new Color(d, new RGB(190, 100, 0));
		grey = new Color(d, new RGB(140, 140, 140));
		liveChange = new Color(d, new RGB(255, 236, 140));
		parent.setLayout(new GridLayout(1, false));
		header = new Label(parent, SWT.WRAP);
		GridData hd = new GridData(SWT.FILL, SWT.CENTER, true, false);
		header.setLayoutData(hd);
		// a wrapping label needs the width to wrap at: the view's, whenever it changes
		parent.addListener(SWT.Resize, e -> {
			hd.widthHint = Math.max(100, parent.getClientArea().width - 10);
			parent.layout(true);
		});

		Composite bar = new Composite(parent, SWT.NONE);
		GridLayout bl = new GridLayout(3, false);
		bl.marginWidth = bl.marginHeight = 0;
		bar.setLayout(bl);
		bar.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
		Label show = new Label(bar, SWT.NONE);
		show.setText("Show only:");
		statusBar = new ToolBar(bar, SWT.FLAT | SWT.RIGHT);
		filterText = new Text(bar, SWT.SEARCH | SWT.ICON_SEARCH | SWT.ICON_CANCEL);
		filterText.setMessage("name contains… (with a / : path contains)");
		filterText.setToolTipText("Shows the paths whose name contains the text (case-insensitive; a text with a / is looked for in the whole path), with the directories above them");
		GridData fd = new GridData(SWT.FILL, SWT.CENTER, true, false);
		fd.minimumWidth = 200;
		filterText.setLayoutData(fd);
		filterText.addModifyListener(e -> {
			text = filterText.getText();
			filterText.getDisplay().timerExec(250, textApplier); // typing: once it pauses
		});
		filterText.addListener(SWT.DefaultSelection, e -> {
			text = filterText.getText();
			applyFilter();
		});

		viewer = new TreeViewer(parent, SWT.SINGLE | SWT.FULL_SELECTION | SWT.BORDER);
		viewer.setUseHashlookup(true);
		Tree t = viewer.getTree();
		t.setHeaderVisible(true);
		t.setLinesVisible(true);
		t.setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true));
		column(0, 260, Node::name);
		column(1, 190, n -> n.model().status(n.path()));
		column(2, 110, n -> n.attr().type().label());
		column(3, 50, n -> Integer.toOctalString(n.attr().permissions()));
		column(4, 80, n -> n.attr().uid() + ":" + n.attr().gid());
		column(5, 80, n -> Long.toString(n.attr().size()));
		column(6, 60, n -> Long.toString(n.attr().inode()));
		column(7, 260, n -> ManifestFormat.fullTime(n.attr().mtime(), n.attr().mtimeNanos()));
		column(8, 260, n -> n.model().provenance(n.path()));
		column(9, 110, n -> n.model().missing(n.path())); // evidence cut short: what of the row rests on missing bytes
		viewer.setContentProvider(new ITreeContentProvider() {
			@Override
			public Object[] getElements(Object input) {
				FileTreeModel m = (FileTreeModel) input;
				if (m == hidden) return new Object[0];
				TreeFilter.Result f = filterOf(m);
				if (f != null && !f.shows(m.root())) return new Object[0];
				return new Object[] { new Node(m, m.root()) };
			}

			@Override
			public Object[] getChildren(Object o) {
				Node n = (Node) o;
				List<String> names = names(n);
				if (names == null) return new Object[0];
				String base = n.path().equals("/") ? "" : n.path();
				TreeFilter.Result f = filterOf(n.model());
				List<Node> out = new ArrayList<>(names.size());
				for (String c : names) {
					String p = base + "/" + c;
					if (f == null || f.shows(p)) out.add(new Node(n.model(), p));
				}
				return out.toArray();
			}

			@Override
			public Object getParent(Object o) {
				Node n = (Node) o;
				if (n.path().equals(n.model().root())) return null;
				int i = n.path().lastIndexOf('/');
				return new Node(n.model(), i <= 0 ? "/" : n.path().substring(0, i));
			}

			@Override
			public boolean hasChildren(Object o) {
				Node n = (Node) o;
				List<String> names = names(n);
				if (names == null || names.isEmpty()) return false;
				TreeFilter.Result f = filterOf(n.model());
				if (f == null) return true;
				String base = n.path().equals("/") ? "" : n.path();
				for (String c : names) if (f.shows(base + "/" + c)) return true;
				return false;
			}
		});
		getSite().setSelectionProvider(viewer);
		IToolBarManager tb = getViewSite().getActionBars().getToolBarManager();
		tb.add(new Action("Analyze") {
			@Override
			public void run() {
				if (CaseSession.get().current() != null) CaseJobs.analyze().schedule();
			}
		});
		View[] views = View.values();
		viewActions = new IAction[views.length + 1];
		for (int i = 0; i <= views.length; i++) {
			View v = i < views.length ? views[i] : null;
			Action a = new Action(v == null ? "disk at instant A" : v.label(), IAction.AS_RADIO_BUTTON) {
				@Override
				public void run() {
					if (isChecked()) show(v);
				}
			};
			a.setToolTipText(v == null ? "The disk as the write journal says it stood at the timeline's cursor A, each path against the end of the journal"
					: "The " + v.label() + " view of the analysis");
			a.setChecked(v == shown);
			viewActions[i] = a;
			tb.add(a);
		}
		CaseSession.get().addListener(refresher);
		CaseSession.get().addInstantListener(instantListener);
		AttachedGuest.addListener(liveListener);
		refresh();
	}

	private static List<String> names(Node n) {
		try {
			return n.model().children(n.path());
		} catch (IOException e) {
			return null;
		}
	}

	/** The filter of {@code m}, or null when none applies to it. */
	private TreeFilter.Result filterOf(FileTreeModel m) {
		Filtered f = filtered;
		return f != null && f.model() == m ? f.result() : null;
	}

	/** A column whose text comes from the model; a path the evidence cannot answer shows its error, not a blank. */
	private interface CellText {
		String of(Node n) throws IOException;
	}

	private void column(int index, int width, CellText text) {
		TreeViewerColumn c = new TreeViewerColumn(viewer, SWT.NONE);
		c.getColumn().setText(COLUMNS[index]);
		c.getColumn().setWidth(width);
		c.getColumn().setToolTipText("Click to sort each directory's entries by " + COLUMNS[index] + " (again: reversed, a third time: by path)");
		c.getColumn().addListener(SWT.Selection, e -> sortBy(index));
		c.setLabelProvider(new ColumnLabelProvider() {
			@Override
			public String getText(Object o) {
				Node n = (Node) o;
				if (n.attr() == null) return "";
				try {
					return text.of(n);
				} catch (IOException e) {
					return "(" + e.getMessage() + ")";
				}
			}

			@Override
			public Color getBackground(Object o) {
				return highlighted.contains(((Node) o).path()) ? liveChange : null;
			}

			@Override
			public Color getForeground(Object o) {
				Node n = (Node) o;
				TreeFilter.Result f = filterOf(n.model());
				if (f != null && !f.matches(n.path())) return grey; // only shown because a match lies below it
				try {
					return switch (n.model().tone(n.path())) {
					case ADDED -> green;
					case REMOVED -> red;
					case CHANGED -> orange;
					default -> null;
					};
				} catch (IOException e) {
					return red;
				}
			}
		});
	}

	// ---- sorting

	/**
	 * Sorts the entries of every directory by a column, as a click on its header does: ascending, then descending,
	 * then back to path order. Directories stay with their parents (only siblings are compared).
	 */
	public void sortBy(int column) {
		Tree t = viewer.getTree();
		if (sorter.column != column) {
			sorter.column = column;
			sorter.up = true;
		} else if (sorter.up) sorter.up = false;
		else sorter.column = -1;
		if (sorter.column < 0) {
			t.setSortColumn(null);
			t.setSortDirection(SWT.NONE);
			viewer.setComparator(null);
		} else {
			t.setSortColumn(t.getColumn(column));
			t.setSortDirection(sorter.up ? SWT.UP : SWT.DOWN);
			if (viewer.getComparator() == sorter) viewer.refresh();
			else viewer.setComparator(sorter);
		}
	}

	/** The column sorted by (-1: path order) and whether ascending. */
	public int sortColumn() {
		return sorter.column;
	}

	/** Siblings by one column's value (numbers as numbers), ties by name; path order (the model's) when no column. */
	private static final class ColumnSorter extends ViewerComparator {
		int column = -1;
		boolean up = true;

		@Override
		public int compare(Viewer v, Object x, Object y) {
			if (column < 0) return 0;
			Node a = (Node) x, b = (Node) y;
			int c = key(a, b);
			if (c == 0) c = ManifestFormat.PATH_ORDER.compare(a.name(), b.name());
			return up ? c : -c;
		}

		private int key(Node a, Node b) {
			if (column == 0) return 0;
			FileRecord p = a.attr(), q = b.attr();
			if (p == null || q == null) return Boolean.compare(p != null, q != null);
			try {
				return switch (column) {
				case 1 -> a.model().status(a.path()).compareTo(b.model().status(b.path()));
				case 2 -> p.type().label().compareTo(q.type().label());
				case 3 -> Integer.compare(p.permissions(), q.permissions());
				case 4 -> Comparator.comparingLong(FileRecord::uid).thenComparingLong(FileRecord::gid).compare(p, q);
				case 5 -> Long.compare(p.size(), q.size());
				case 6 -> Long.compare(p.inode(), q.inode());
				case 7 -> Comparator.comparingLong(FileRecord::mtime).thenComparingLong(FileRecord::mtimeNanos).compare(p, q);
				case 8 -> a.model().provenance(a.path()).compareTo(b.model().provenance(b.path()));
				case 9 -> a.model().missing(a.path()).compareTo(b.model().missing(b.path()));
				default -> 0;
				};
			} catch (IOException e) {
				return 0;
			}
		}
	}

	// ---- filters

	/** The status toggles of the filter bar (one per status of the tree shown, with its count). */
	public ToolItem[] statusFilterItems() {
		return statusBar.getItems();
	}

	/** The name filter field. */
	public Text filterText() {
		return filterText;
	}

	/** Checks exactly these statuses (by label, e.g. {@code cache-only}) in the filter bar and applies the filter. */
	public void setStatusFilter(String... labels) {
		checked.clear();
		FileTreeModel m = model;
		if (m != null) {
			for (Map.Entry<Enum<?>, String> k : m.kinds().entrySet()) {
				for (String l : labels) if (k.getValue().equals(l)) checked.add(k.getKey());
			}
		}
		updateStatusBar();
		applyFilter();
	}

	/** The filter's answer for the tree shown (visible paths, number of matches), or null when no filter applies. */
	public TreeFilter.Result filterResult() {
		return filterOf(model);
	}

	private boolean filterActive() {
		return !checked.isEmpty() || !text.isBlank();
	}

	/** Rebuilds the toggles when the kind of tree changed (views vs instant), and refreshes their counts. */
	private void updateStatusBar() {
		FileTreeModel m = model;
		Map<Enum<?>, String> kinds = m == null ? Map.of() : m.kinds();
		List<Object> have = new ArrayList<>();
		for (ToolItem it : statusBar.getItems()) have.add(it.getData());
		if (!have.equals(new ArrayList<Object>(kinds.keySet()))) {
			ToolItem[] items = statusBar.getItems();
			for (ToolItem it : items) it.dispose();
			checked.retainAll(kinds.keySet());
			for (Map.Entry<Enum<?>, String> k : kinds.entrySet()) {
				ToolItem it = new ToolItem(statusBar, SWT.CHECK);
				it.setData(k.getKey());
				it.setToolTipText("Show the " + k.getValue() + " paths (with the directories above them); several checked: any of them");
				it.addListener(SWT.Selection, e -> {
					if (it.getSelection()) checked.add(k.getKey());
					else checked.remove(k.getKey());
					applyFilter();
				});
			}
		}
		Map<Enum<?>, Integer> counts = m == null ? null : m.counts();
		for (ToolItem it : statusBar.getItems()) {
			Enum<?> k = (Enum<?>) it.getData();
			Integer n = counts == null ? null : counts.get(k);
			it.setText(kinds.get(k) + (n == null ? "" : " (" + String.format("%,d", n) + ")"));
			it.setSelection(checked.contains(k));
		}
		statusBar.pack();
		statusBar.getParent().layout(true);
	}

	/** Applies the status toggles and the name filter to the tree shown (a walk of every path first, off the UI thread, at an instant). */
	private void applyFilter() {
		if (viewer == null || viewer.getControl().isDisposed()) return;
		FileTreeModel m = model;
		text = filterText.getText();
		if (m == null || !filterActive()) {
			filterGeneration++;
			boolean had = filtered != null || hidden != null;
			filtered = null;
			hidden = null;
			if (had) viewer.refresh();
			updateHeader();
			return;
		}
		// the matches are found off the UI thread (a pass over every path's status; at an instant, every directory
		// read first); the newest request wins
		long generation = ++filterGeneration;
		Set<Enum<?>> kinds = checkedOf(m);
		String t = text;
		boolean walk = m.needsWalk();
		header.setText(headerBase + (walk ? " — filter: reading every path's status first…" : " — filter: finding the matching paths…"));
		Job job = Job.create("Filtering the file tree", monitor -> {
			TreeFilter.Result r;
			try {
				m.walk();
				r = m.filter(kinds, t);
			} catch (IOException | RuntimeException e) {
				later(() -> header.setText(headerBase + " — filter: " + e.getMessage()));
				return Status.OK_STATUS;
			}
			later(() -> {
				if (model != m || generation != filterGeneration) return; // a newer tree or filter follows
				if (walk) updateStatusBar(); // the counts are known now
				showFiltered(new Filtered(m, r, kinds, t));
			});
			return Status.OK_STATUS;
		});
		job.setSystem(true);
		job.schedule();
	}

	/** Shows the tree with a filter's answer. */
	private void showFiltered(Filtered f) {
		hidden = null;
		filtered = f;
		viewer.getTree().setRedraw(false);
		try {
			viewer.refresh();
			expandFiltered();
		} finally {
			viewer.getTree().setRedraw(true);
		}
		updateHeader();
	}

	private Set<Enum<?>> checkedOf(FileTreeModel m) {
		Set<Enum<?>> kinds = new LinkedHashSet<>(checked);
		kinds.retainAll(m.kinds().keySet());
		return kinds;
	}

	/** Opens a small filtered tree whole, a large one two levels deep (its items are made as they are opened). */
	private void expandFiltered() {
		TreeFilter.Result r = filterOf(model);
		if (r == null) return;
		if (r.visible().size() <= EXPAND_FILTERED) viewer.expandAll();
		else viewer.expandToLevel(2);
		Tree t = viewer.getTree();
		if (t.getItemCount() > 0) t.setTopItem(t.getItem(0)); // from the top, not where the unfiltered tree was scrolled
	}

	private void updateHeader() {
		TreeFilter.Result r = filterOf(model);
		String s = headerBase;
		if (r != null) {
			s += " — filter: " + (r.matches() == 0 ? "no path matches" : String.format("%,d", r.matches()) + (r.matches() == 1 ? " path matches" : " paths match")
					+ (r.visible().size() > r.matches() ? " (grey: the directories above them)" : ""));
		}
		header.setText(s);
		header.getParent().layout();
	}

	/**
	 * Opens the tree down to {@code path} and selects it, clearing the filters first when they hide it; false when the
	 * tree shown has no such path.
	 */
	public boolean select(String path) {
		FileTreeModel m = model;
		if (m == null) return false;
		TreeFilter.Result f = filterOf(m);
		if (f != null && !f.shows(path)) {
			checked.clear();
			filterText.setText("");
			text = "";
			updateStatusBar();
			applyFilter();
		}
		revealPath(m, path);
		Node n = new Node(m, path);
		if (!(viewer.testFindItem(n) instanceof org.eclipse.swt.widgets.TreeItem item)) return false;
		viewer.setSelection(new org.eclipse.jface.viewers.StructuredSelection(n), true);
		scrollTo(item);
		// rows made in this turn of the event loop may be laid out later: scroll again then
		viewer.getControl().getDisplay().asyncExec(() -> {
			if (!item.isDisposed()) scrollTo(item);
		});
		return true;
	}

	/**
	 * Scrolls the tree so the item shows with its directory above it (GTK's own "show item" does not scroll to rows
	 * just created by expanding their parents).
	 */
	private static void scrollTo(org.eclipse.swt.widgets.TreeItem item) {
		Tree t = item.getParent();
		org.eclipse.swt.widgets.TreeItem dir = item.getParentItem();
		t.setTopItem(dir != null ? dir : item);
		org.eclipse.swt.graphics.Rectangle r = item.getBounds(), area = t.getClientArea();
		if (r.y < 0 || r.y + r.height > area.y + area.height) t.setTopItem(item);
	}

	/** Opens the tree down to {@code path}, leaving the rest closed. */
	private void revealPath(FileTreeModel m, String path) {
		String root = m.root();
		viewer.expandToLevel(new Node(m, root), 1);
		if (!path.startsWith(root)) return;
		String p = root;
		for (String part : path.substring(root.length()).split("/")) {
			if (part.isEmpty()) continue;
			p = (p.equals("/") ? "" : p) + "/" + part;
			viewer.setExpandedState(new Node(m, p), true);
		}
		viewer.reveal(new Node(m, path));
	}

	/** Switches the tree to one of the analysis' three views, or (null) to the disk at the timeline's cursor A. */
	public void show(View v) {
		shown = v;
		View[] views = View.values();
		for (int i = 0; i < viewActions.length; i++) viewActions[i].setChecked((i < views.length ? views[i] : null) == v);
		if (v == null) scrubber.request();
		else refresh();
	}

	public View shown() {
		return shown;
	}

	/** Re-reads the analysis (or the instant); call on the UI thread. */
	public void refresh() {
		if (viewer == null || viewer.getControl().isDisposed()) return;
		if (shown == null) {
			scrubber.request();
			return;
		}
		MergedFileSystem m = CaseSession.get().analysis();
		highlighted = Set.of();
		if (m == null) {
			headerBase = CaseSession.get().current() == null ? "No case open." : "Not analyzed yet: press Analyze to read the guest's caches and disk.";
			setModel(null);
		} else {
			List<PathStatus> statuses;
			try {
				statuses = m.statuses();
			} catch (IOException e) {
				headerBase = e.getMessage();
				statuses = List.of();
			}
			Map<PathStatus.Kind, Integer> counts = new java.util.EnumMap<>(PathStatus.Kind.class);
			for (PathStatus s : statuses) counts.merge(s.kind(), 1, Integer::sum);
			StringBuilder sb = new StringBuilder(shown.label() + " view — kernel " + m.analysis().kernelRelease() + " — ");
			LiveWatch.Step live = liveStep(m);
			if (live != null) {
				highlighted = AttachedGuest.latest().changedPaths();
				sb.insert(0, "Running guest, refresh " + live.number() + " at " + live.pausedAt() + ": " + live.changes().size()
						+ (live.changes().size() == 1 ? " change" : " changes") + (live.number() == 1 ? " from the disk" : " since refresh " + (live.number() - 1))
						+ (live.changes().isEmpty() ? "" : " (yellow)") + (AttachedGuest.current() == null ? " — detached" : "") + " — ");
			} else {
				snapshotShown().ifPresent(label -> sb.insert(0, label + " — "));
			}
			counts.forEach((k, v) -> sb.append(v).append(' ').append(k.label()).append("  "));
			sb.append("— ").append(m.findings().size()).append(" findings");
			PartialEvidence cut = PartialEvidence.of(m);
			if (cut != null) {
				sb.append(" — PARTIAL EVIDENCE: ");
				for (int i = 0; i < cut.cut().size(); i++) {
					cacheshadow.layers.Shortfall s = cut.cut().get(i);
					sb.append(i == 0 ? "" : ", ").append(s.layer()).append(String.format(" %.2f%% missing", s.missingPercent()));
				}
				sb.append("; ").append(PartialEvidence.flagged(m, shown)).append(" paths rest on missing bytes (Missing column)");
			}
			headerBase = sb.toString();
			FileTreeModel.OfView model = FileTreeModel.OfView.of(m, shown, statuses);
			setModel(model);
			if (filtered == null && hidden == null) {
				for (MergedFileSystem.DiskMatch dm : m.disks()) {
					if (dm.mount() != null && dm.mount().path().startsWith(model.root())) revealPath(model, dm.mount().path());
				}
				// the running guest's changes since the refresh before: opened down to (the first few hundred)
				int shownChanges = 0;
				for (String p : highlighted) {
					if (++shownChanges > 200) break;
					if (p.startsWith(model.root()) && model.attr(p) != null) revealPath(model, p);
				}
			}
		}
		updateHeader();
	}

	private void setModel(FileTreeModel m) {
		setModel(m, null);
	}

	/**
	 * Shows a new model with the filter bar's statuses and name filter applied: {@code pre} when the caller found the
	 * matches already (off the UI thread), else found now in a Job, the tree empty meanwhile.
	 */
	private void setModel(FileTreeModel m, Filtered pre) {
		FileTreeModel old = model;
		model = m;
		filtered = pre != null && pre.model() == m ? pre : null;
		boolean pending = m != null && filterActive() && filtered == null;
		hidden = pending ? m : null; // no unfiltered flash while the filter is found
		updateStatusBar();
		viewer.setInput(m);
		if (pending) applyFilter();
		else expandFiltered();
		if (old instanceof FileTreeModel.AtInstant a && a != m) {
			try {
				a.scrub().close();
			} catch (IOException e) {
				// only read evidence
			}
		}
	}

	/** The attached (or last attached) guest's refresh whose views {@code m} are, or null for any other analysis. */
	private static LiveWatch.Step liveStep(MergedFileSystem m) {
		AttachedGuest g = AttachedGuest.latest();
		LiveWatch.Step s = g == null ? null : g.lastStep();
		return s != null && s.refresh().fs() == m ? s : null;
	}

	/** Which memory snapshot the analysis shows, when the case holds more than one (Analyze Snapshot… chooses). */
	private static java.util.Optional<String> snapshotShown() {
		long id = CaseSession.get().analyzedMemory();
		cacheshadow.cases.Case c = CaseSession.get().current();
		if (id < 0 || c == null) return java.util.Optional.empty();
		try {
			List<cacheshadow.cases.EvidenceItem> memories = cacheshadow.cases.CaseInputs.memories(c.evidence());
			if (memories.size() < 2) return java.util.Optional.empty();
			return memories.stream().filter(e -> e.id() == id).findFirst()
					.map(e -> "Memory snapshot " + CaseHandlers.AnalyzeSnapshot.label(e) + ", " + (memories.indexOf(e) + 1) + " of " + memories.size());
		} catch (cacheshadow.cases.CaseException e) {
			return java.util.Optional.empty();
		}
	}

	/** The paths highlighted as changed by the running guest's last refresh (empty for a snapshot's analysis). */
	public Set<String> highlighted() {
		return highlighted;
	}

	/**
	 * The guest path the disk's root is mounted at, so the tree at an instant lines up with the analysis' paths (and
	 * with the guest's own listings); "/" before an analysis found the mount.
	 */
	static String mountPrefix() {
		MergedFileSystem m = CaseSession.get().analysis();
		if (m != null && m.disks().size() == 1 && m.disks().get(0).mount() != null) return m.disks().get(0).mount().path();
		return "/";
	}

	/**
	 * Opens the disk at cursor A off the UI thread, latest request wins: while the cursor is dragged, each finished
	 * tree is shown and the next one started from wherever the cursor is then, so the tree follows without the UI
	 * waiting for it. The reference (the end of the journal) is opened once per history and mount prefix. With a
	 * filter on, every path's status at A is read here too, so the filtered tree appears at once.
	 */
	private final class InstantScrubJob extends Job {
		private InstantTree reference;
		private volatile long requestedAt;

		InstantScrubJob() {
			super("Reading the disk at the timeline's cursor");
			setSystem(true);
		}

		void request() {
			requestedAt = System.nanoTime();
			schedule();
		}

		@Override
		public boolean belongsTo(Object family) {
			return family == CaseJobs.FAMILY;
		}

		@Override
		protected IStatus run(IProgressMonitor monitor) {
			DiskHistory h = CaseSession.get().history();
			ResolvedInstant a = CaseSession.get().cursorA();
			long asked = requestedAt;
			if (h == null || a == null) {
				later(() -> {
					headerBase = "No write journal in the case: the disk at an instant needs one (Timeline view).";
					setModel(null);
					updateHeader();
				});
				return Status.OK_STATUS;
			}
			try {
				String prefix = mountPrefix();
				if (reference == null || reference.history() != h || !reference.mountPrefix().equals(InstantTree.normalizePrefix(prefix))) {
					if (reference != null) reference.close();
					reference = InstantScrub.reference(h, prefix, true);
				}
				InstantScrub scrub = InstantScrub.open(reference, a);
				cacheshadow.journal.JournalCut cut = CaseSession.get().journalCut();
				boolean pastCut = cut != null && cut.log() == h.journal() && cut.reaches(a);
				FileTreeModel.AtInstant m = new FileTreeModel.AtInstant(scrub, pastCut);
				Filtered pre = null;
				if (filterActive()) {
					m.walk();
					Set<Enum<?>> kinds = checkedOf(m);
					String t = text;
					pre = new Filtered(m, m.filter(kinds, t), kinds, t);
				}
				Filtered found = pre;
				later(() -> {
					if (shown != null || CaseSession.get().cursorA() != a) { // moved on meanwhile: a newer request follows
						close(scrub);
						return;
					}
					long created = 0, deleted = 0, changed = 0;
					for (InstantScrub.Row r : scrub.rows()) {
						switch (r.status().kind()) {
						case CREATED_LATER -> created++;
						case DELETED_LATER -> deleted++;
						case CHANGED_LATER -> changed++;
						default -> {
						}
						}
					}
					headerBase = "disk at instant A — " + a + " — against the end of the journal, under " + scrub.tree().mountPrefix() + ": " + changed
							+ " changed later, " + deleted + " deleted later, " + created + " created later (top level)"
							+ (pastCut ? " — FLAGGED: " + cacheshadow.journal.JournalCut.finding(h.journal(), a, scrub.tree().mountPrefix()).message()
									+ " (Missing column: journal)" : "");
					setModel(m, found != null && found.model() == m && checkedOf(m).equals(found.checked()) && text.equals(found.text()) ? found : null);
					if (filtered == null && hidden == null) viewer.expandToLevel(new Node(m, m.root()), 1);
					updateHeader();
					lastScrubMillis = (System.nanoTime() - asked) / 1_000_000;
				});
			} catch (IOException | RuntimeException e) {
				later(() -> {
					headerBase = "disk at " + a + ": " + e.getMessage();
					updateHeader();
				});
			}
			return Status.OK_STATUS;
		}

		private void close(InstantScrub s) {
			try {
				s.close();
			} catch (IOException e) {
				// only read evidence
			}
		}
	}

	/** Milliseconds from the last cursor move to its tree on screen, -1 before any. */
	public long lastScrubMillis() {
		return lastScrubMillis;
	}

	public String headerText() {
		return header.getText();
	}

	public TreeViewer viewer() {
		return viewer;
	}

	/** The Properties view shows this view's paths with their categories in a fixed order (not sorted by name). */
	@Override
	public <T> T getAdapter(Class<T> type) {
		if (type == IPropertySheetPage.class) return type.cast(PathPropertySource.page());
		return super.getAdapter(type);
	}

	@Override
	public void setFocus() {
		viewer.getControl().setFocus();
	}

	@Override
	public void dispose() {
		CaseSession.get().removeListener(refresher);
		CaseSession.get().removeInstantListener(instantListener);
		AttachedGuest.removeListener(liveListener);
		scrubber.cancel();
		if (green != null) {
			green.dispose();
			red.dispose();
			orange.dispose();
			grey.dispose();
			liveChange.dispose();
		}
		super.dispose();
	}
}
