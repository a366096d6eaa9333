package cacheshadow.ui;

import java.io.IOException;
import java.util.List;
import java.util.Map;

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
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.Color;
import org.eclipse.swt.graphics.RGB;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Tree;
import org.eclipse.ui.part.ViewPart;

import cacheshadow.journal.DiskHistory;
import cacheshadow.journal.ResolvedInstant;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.ManifestFormat;
import cacheshadow.merge.FileTree;
import cacheshadow.merge.InstantScrub;
import cacheshadow.merge.InstantTree;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.PathStatus;
import cacheshadow.merge.View;
import cacheshadow.merge.ViewTree;

/**
 * The guest's file system three ways — merged (as the guest sees it), cache-only, disk-only — as a tree with each
 * path's status (cache-only, deleted, differs and what, same, disk-only) and where its bytes come from; and a fourth
 * way, the disk as the write journal says it stood at the timeline's cursor A, each path's status against the end of
 * the journal (created, deleted, changed later and which columns).
 */
public class FileSystemView extends ViewPart {
	public static final String ID = "cacheshadow.ui.fileSystemView";

	private Label header;
	private TreeViewer viewer;
	/** One of the analysis' three views, or null for the disk at the timeline's cursor A. */
	private View shown = View.MERGED;
	private FileTreeModel model;
	private final InstantScrubJob scrubber = new InstantScrubJob();
	private final Runnable refresher = () -> asyncExec(this::refresh);
	private final Runnable instantListener = () -> {
		if (shown == null) scrubber.request();
	};
	private IAction[] viewActions;
	private Color green, red, orange;
	/** Milliseconds from the last cursor move to its tree on screen (for the benchmark print of the UI tests). */
	private volatile long lastScrubMillis = -1;

	/** A tree element: a path of the tree being shown. */
	public record Node(FileTreeModel model, String path) {
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
	}

	private void asyncExec(Runnable r) {
		if (viewer != null && !viewer.getControl().isDisposed()) viewer.getControl().getDisplay().asyncExec(() -> {
			if (!viewer.getControl().isDisposed()) r.run();
		});
	}

	@Override
	public void createPartControl(Composite parent) {
		Display d = parent.getDisplay();
		green = new Color(d, new RGB(0, 128, 0));
		red = new Color(d, new RGB(200, 0, 0));
		orange = new Color(d, new RGB(190, 100, 0));
		parent.setLayout(new GridLayout(1, false));
		header = new Label(parent, SWT.NONE);
		header.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
		viewer = new TreeViewer(parent, SWT.SINGLE | SWT.FULL_SELECTION | SWT.BORDER);
		Tree t = viewer.getTree();
		t.setHeaderVisible(true);
		t.setLinesVisible(true);
		t.setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true));
		column("Name", 260, Node::name);
		column("Status", 190, n -> n.model().status(n.path()));
		column("Type", 110, n -> n.attr().type().label());
		column("Mode", 50, n -> Integer.toOctalString(n.attr().permissions()));
		column("Owner", 80, n -> n.attr().uid() + ":" + n.attr().gid());
		column("Size", 80, n -> Long.toString(n.attr().size()));
		column("Inode", 60, n -> Long.toString(n.attr().inode()));
		column("Modified (UTC)", 260, n -> ManifestFormat.fullTime(n.attr().mtime(), n.attr().mtimeNanos()));
		column("Bytes from", 260, n -> n.model().provenance(n.path()));
		viewer.setContentProvider(new ITreeContentProvider() {
			@Override
			public Object[] getElements(Object input) {
				FileTreeModel m = (FileTreeModel) input;
				return new Object[] { new Node(m, m.root()) };
			}

			@Override
			public Object[] getChildren(Object o) {
				Node n = (Node) o;
				List<String> names = names(n);
				if (names == null) return new Object[0];
				String base = n.path().equals("/") ? "" : n.path();
				return names.stream().map(c -> new Node(n.model(), base + "/" + c)).toArray();
			}

			@Override
			public Object getParent(Object o) {
				return null;
			}

			@Override
			public boolean hasChildren(Object o) {
				List<String> names = names((Node) o);
				return names != null && !names.isEmpty();
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
		refresh();
	}

	private static List<String> names(Node n) {
		try {
			return n.model().children(n.path());
		} catch (IOException e) {
			return null;
		}
	}

	/** A column whose text comes from the model; a path the evidence cannot answer shows its error, not a blank. */
	private interface CellText {
		String of(Node n) throws IOException;
	}

	private void column(String title, int width, CellText text) {
		TreeViewerColumn c = new TreeViewerColumn(viewer, SWT.NONE);
		c.getColumn().setText(title);
		c.getColumn().setWidth(width);
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
			public Color getForeground(Object o) {
				Node n = (Node) o;
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
		if (m == null) {
			header.setText(CaseSession.get().current() == null ? "No case open." : "Not analyzed yet: press Analyze to read the guest's caches and disk.");
			setModel(null);
		} else {
			List<PathStatus> statuses;
			try {
				statuses = m.statuses();
			} catch (IOException e) {
				header.setText(e.getMessage());
				statuses = List.of();
			}
			ViewTree tree = m.tree(shown);
			Map<PathStatus.Kind, Integer> counts = new java.util.EnumMap<>(PathStatus.Kind.class);
			for (PathStatus s : statuses) counts.merge(s.kind(), 1, Integer::sum);
			StringBuilder sb = new StringBuilder(shown.label() + " view — kernel " + m.analysis().kernelRelease() + " — ");
			counts.forEach((k, v) -> sb.append(v).append(' ').append(k.label()).append("  "));
			sb.append("— ").append(m.findings().size()).append(" findings");
			header.setText(sb.toString());
			FileTreeModel model = FileTreeModel.OfView.of(tree, statuses);
			setModel(model);
			for (MergedFileSystem.DiskMatch dm : m.disks()) {
				if (dm.mount().path().startsWith(tree.root())) revealPath(model, dm.mount().path());
			}
		}
		header.getParent().layout();
	}

	private void setModel(FileTreeModel m) {
		FileTreeModel old = model;
		model = m;
		viewer.setInput(m);
		if (old instanceof FileTreeModel.AtInstant a && a != m) {
			try {
				a.scrub().close();
			} catch (IOException e) {
				// only read evidence
			}
		}
	}

	/**
	 * The guest path the disk's root is mounted at, so the tree at an instant lines up with the analysis' paths (and
	 * with the guest's own listings); "/" before an analysis found the mount.
	 */
	static String mountPrefix() {
		MergedFileSystem m = CaseSession.get().analysis();
		if (m != null && m.disks().size() == 1) return m.disks().get(0).mount().path();
		return "/";
	}

	/**
	 * Opens the disk at cursor A off the UI thread, latest request wins: while the cursor is dragged, each finished
	 * tree is shown and the next one started from wherever the cursor is then, so the tree follows without the UI
	 * waiting for it. The reference (the end of the journal) is opened once per history and mount prefix.
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
				asyncExec(() -> {
					header.setText("No write journal in the case: the disk at an instant needs one (Timeline view).");
					setModel(null);
					header.getParent().layout();
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
				asyncExec(() -> {
					if (shown != null || CaseSession.get().cursorA() != a) { // moved on meanwhile: a newer request follows
						close(scrub);
						return;
					}
					FileTreeModel m = new FileTreeModel.AtInstant(scrub);
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
					header.setText("disk at instant A — " + a + " — against the end of the journal, under " + scrub.tree().mountPrefix() + ": " + changed
							+ " changed later, " + deleted + " deleted later, " + created + " created later (top level)");
					setModel(m);
					viewer.expandToLevel(new Node(m, m.root()), 1);
					header.getParent().layout();
					lastScrubMillis = (System.nanoTime() - asked) / 1_000_000;
				});
			} catch (IOException | RuntimeException e) {
				asyncExec(() -> {
					header.setText("disk at " + a + ": " + e.getMessage());
					header.getParent().layout();
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

	@Override
	public void setFocus() {
		viewer.getControl().setFocus();
	}

	@Override
	public void dispose() {
		CaseSession.get().removeListener(refresher);
		CaseSession.get().removeInstantListener(instantListener);
		scrubber.cancel();
		if (green != null) {
			green.dispose();
			red.dispose();
			orange.dispose();
		}
		super.dispose();
	}
}
