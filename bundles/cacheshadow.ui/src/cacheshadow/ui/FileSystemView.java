package cacheshadow.ui;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

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

import cacheshadow.listing.FileRecord;
import cacheshadow.listing.ManifestFormat;
import cacheshadow.merge.ByteProvenance;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.PathStatus;
import cacheshadow.merge.View;
import cacheshadow.merge.ViewTree;

/**
 * The guest's file system three ways — merged (as the guest sees it), cache-only, disk-only — as a tree with each
 * path's status (cache-only, deleted, differs and what, same, disk-only) and where its bytes come from.
 */
public class FileSystemView extends ViewPart {
	public static final String ID = "cacheshadow.ui.fileSystemView";

	private Label header;
	private TreeViewer viewer;
	private View shown = View.MERGED;
	private final Map<String, PathStatus> status = new HashMap<>();
	private final Runnable refresher = () -> {
		if (viewer != null && !viewer.getControl().isDisposed()) viewer.getControl().getDisplay().asyncExec(this::refresh);
	};
	private Color green, red, orange;

	/** A tree element: a path in the view being shown. */
	public record Node(ViewTree tree, String path) {
		FileRecord attr() {
			return tree.getattr(path);
		}

		String name() {
			return path.equals(tree.root()) ? path : path.substring(path.lastIndexOf('/') + 1);
		}
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
		column("Status", 190, n -> {
			PathStatus s = status.get(n.path());
			return s == null ? "" : s.manifestColumn(); // renames included: where a name went matters to the examiner
		});
		column("Type", 110, n -> n.attr().type().label());
		column("Mode", 50, n -> Integer.toOctalString(n.attr().permissions()));
		column("Owner", 80, n -> n.attr().uid() + ":" + n.attr().gid());
		column("Size", 80, n -> Long.toString(n.attr().size()));
		column("Inode", 60, n -> Long.toString(n.attr().inode()));
		column("Modified (UTC)", 260, n -> ManifestFormat.fullTime(n.attr().mtime(), n.attr().mtimeNanos()));
		column("Bytes from", 260, FileSystemView::provenanceSummary);
		viewer.setContentProvider(new ITreeContentProvider() {
			@Override
			public Object[] getElements(Object input) {
				ViewTree tree = (ViewTree) input;
				return new Object[] { new Node(tree, tree.root()) };
			}

			@Override
			public Object[] getChildren(Object o) {
				Node n = (Node) o;
				List<String> names = n.tree().readdir(n.path());
				if (names == null) return new Object[0];
				return names.stream().map(c -> new Node(n.tree(), (n.path().equals("/") ? "" : n.path()) + "/" + c)).toArray();
			}

			@Override
			public Object getParent(Object o) {
				return null;
			}

			@Override
			public boolean hasChildren(Object o) {
				List<String> names = ((Node) o).tree().readdir(((Node) o).path());
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
		for (View v : View.values()) {
			Action a = new Action(v.label(), IAction.AS_RADIO_BUTTON) {
				@Override
				public void run() {
					if (isChecked()) show(v);
				}
			};
			a.setChecked(v == shown);
			tb.add(a);
		}
		CaseSession.get().addListener(refresher);
		refresh();
	}

	private void column(String title, int width, Function<Node, String> text) {
		TreeViewerColumn c = new TreeViewerColumn(viewer, SWT.NONE);
		c.getColumn().setText(title);
		c.getColumn().setWidth(width);
		c.setLabelProvider(new ColumnLabelProvider() {
			@Override
			public String getText(Object o) {
				return ((Node) o).attr() == null ? "" : text.apply((Node) o);
			}

			@Override
			public Color getForeground(Object o) {
				PathStatus s = status.get(((Node) o).path());
				if (s == null) return null;
				return switch (s.kind()) {
				case CACHE_ONLY -> green;
				case DELETED -> red;
				case DIFFERS -> orange;
				default -> null;
				};
			}
		});
	}

	/** Opens the tree down to each mount that has a disk (where cache and disk meet), leaving the rest closed. */
	private void revealDisks(MergedFileSystem m, ViewTree tree) {
		viewer.expandToLevel(new Node(tree, tree.root()), 1);
		for (MergedFileSystem.DiskMatch d : m.disks()) {
			String mount = d.mount().path();
			if (!mount.startsWith(tree.root())) continue;
			String p = tree.root();
			for (String part : mount.substring(tree.root().length()).split("/")) {
				if (part.isEmpty()) continue;
				p = (p.equals("/") ? "" : p) + "/" + part;
				viewer.setExpandedState(new Node(tree, p), true);
			}
			viewer.setExpandedState(new Node(tree, mount), true);
			viewer.reveal(new Node(tree, mount));
		}
	}

	static String provenanceSummary(Node n) {
		List<ByteProvenance> p = n.tree().provenance(n.path());
		if (p.isEmpty()) return "";
		Map<ByteProvenance.Source, Long> bytes = new java.util.EnumMap<>(ByteProvenance.Source.class);
		for (ByteProvenance b : p) bytes.merge(b.source(), b.length(), Long::sum);
		StringBuilder sb = new StringBuilder();
		bytes.forEach((s, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(s.label()).append(' ').append(v));
		return sb.toString();
	}

	/** Switches the tree to one of the three views. */
	public void show(View v) {
		shown = v;
		refresh();
	}

	public View shown() {
		return shown;
	}

	/** Re-reads the analysis; call on the UI thread. */
	public void refresh() {
		if (viewer == null || viewer.getControl().isDisposed()) return;
		MergedFileSystem m = CaseSession.get().analysis();
		status.clear();
		if (m == null) {
			header.setText(CaseSession.get().current() == null ? "No case open." : "Not analyzed yet: press Analyze to read the guest's caches and disk.");
			viewer.setInput(null);
		} else {
			try {
				for (PathStatus s : m.statuses()) status.put(s.path(), s);
			} catch (IOException e) {
				header.setText(e.getMessage());
			}
			ViewTree tree = m.tree(shown);
			Map<PathStatus.Kind, Integer> counts = new java.util.EnumMap<>(PathStatus.Kind.class);
			for (PathStatus s : status.values()) counts.merge(s.kind(), 1, Integer::sum);
			StringBuilder sb = new StringBuilder(shown.label() + " view — kernel " + m.analysis().kernelRelease() + " — ");
			counts.forEach((k, v) -> sb.append(v).append(' ').append(k.label()).append("  "));
			sb.append("— ").append(m.findings().size()).append(" findings");
			header.setText(sb.toString());
			viewer.setInput(tree);
			revealDisks(m, tree);
		}
		header.getParent().layout();
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
		if (green != null) {
			green.dispose();
			red.dispose();
			orange.dispose();
		}
		super.dispose();
	}
}
