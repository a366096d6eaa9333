package cacheshadow.ui;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.eclipse.ui.views.properties.IPropertyDescriptor;
import org.eclipse.ui.views.properties.IPropertySheetEntry;
import org.eclipse.ui.views.properties.IPropertySource;
import org.eclipse.ui.views.properties.PropertyDescriptor;
import org.eclipse.ui.views.properties.PropertySheetPage;
import org.eclipse.ui.views.properties.PropertySheetSorter;

import cacheshadow.journal.WriteLog;
import cacheshadow.merge.ByteProvenance;
import cacheshadow.merge.InstantTree;
import cacheshadow.merge.PathProperties;

/**
 * A path of the File System view in the Properties view (read-only), laid out from the core's {@link PathProperties}:
 * its metadata on both sides (cache and disk, or at A and at the end of the journal) in manifest columns, the fields
 * that differ marked "≠", where its bytes come from, and where the inode and its blocks lie. Values the guest controls
 * (names, link targets) are shown as text only.
 */
final class PathPropertySource implements IPropertySource {
	/** Categories in the order the sheet shows them (it would sort them by name). */
	static final List<String> CATEGORY_ORDER = List.of("Path", "Differs", "Provenance", "Location", "Cache", "At A", "Disk", "At end");
	/** At most this many provenance runs, block runs or last writers in one row. */
	private static final int MAX_RUNS = 12;

	private final FileSystemView.Node node;
	private Map<String, String[]> rows; // id -> {category, name, value}, in order

	PathPropertySource(FileSystemView.Node node) {
		this.node = node;
	}

	/** The rows, computed on first use: id → {category, display name, value}. */
	synchronized Map<String, String[]> rows() {
		if (rows != null) return rows;
		Map<String, String[]> r = new LinkedHashMap<>();
		try {
			build(node.model().properties(node.path()), r);
		} catch (IOException | RuntimeException e) {
			r.put("error", new String[] { "Path", "error", String.valueOf(e.getMessage()) });
		}
		rows = r;
		return r;
	}

	private static void build(PathProperties p, Map<String, String[]> r) {
		r.put("path", new String[] { "Path", "path", p.path() });
		r.put("status", new String[] { "Path", "status", p.status().isEmpty() ? "-" : p.status() });
		String ca = title(p.sideA()), cb = title(p.sideB());
		for (PathProperties.Field f : p.fields()) {
			r.put("a." + f.column(), new String[] { ca, f.column(), side(f, f.a(), p.sideA()) });
			r.put("b." + f.column(), new String[] { cb, f.column(), side(f, f.b(), p.sideB()) });
		}
		String fields;
		if (p.a() == null || p.b() == null) fields = "- (" + (p.a() == null ? "not " + where(p.sideA()) : "not " + where(p.sideB())) + ")";
		else fields = p.differing().isEmpty() ? "none: equal in every column" : "≠ " + String.join(", ", p.differing());
		r.put("differs", new String[] { "Differs", "fields", fields });
		for (PathProperties.Field f : p.fields()) {
			if (!f.differs()) continue;
			r.put("d." + f.column(), new String[] { "Differs", f.column(), "≠ " + p.sideA() + " " + readable(f, f.a()) + "  |  " + p.sideB() + " " + readable(f, f.b()) });
		}

		// provenance: the sources this kind of tree has, each with its byte count, then the runs
		boolean instant = p.sideA().equals("at A");
		ByteProvenance.Source[] sources = instant
				? new ByteProvenance.Source[] { ByteProvenance.Source.JOURNAL_ENTRY, ByteProvenance.Source.BASE_IMAGE, ByteProvenance.Source.HOLE }
				: new ByteProvenance.Source[] { ByteProvenance.Source.DIRTY_PAGE, ByteProvenance.Source.CLEAN_PAGE, ByteProvenance.Source.DISK_BLOCK,
						ByteProvenance.Source.HOLE, ByteProvenance.Source.UNKNOWN };
		if (p.provenance().isEmpty()) {
			r.put("prov", new String[] { "Provenance", "bytes", "- (not a regular file" + (instant ? " at A)" : " in this view)") });
		} else {
			long total = 0;
			for (long v : p.bytesBySource().values()) total += v;
			r.put("prov.total", new String[] { "Provenance", "bytes in all", bytes(total) });
			for (ByteProvenance.Source s : sources) {
				r.put("prov." + s.name(), new String[] { "Provenance", "from " + s.label(), bytes(p.bytes(s)) });
			}
			List<String> runs = new ArrayList<>();
			for (ByteProvenance b : p.provenance()) {
				runs.add(b.offset() + "+" + b.length() + " " + b.source().label() + (b.diskBlock() >= 0 ? " (block " + b.diskBlock() + ")" : ""));
			}
			r.put("prov.runs", new String[] { "Provenance", "runs (offset+length)", limited(runs) });
		}

		PathProperties.Location l = p.location();
		if (!instant) {
			r.put("loc.inode", new String[] { "Location", "struct inode", l.inodeAddress() == -1 ? "- (not cached)"
					: hex(l.inodeAddress()) + (l.inodePhysical() >= 0 ? "  (physical " + hex(l.inodePhysical()) + " in the snapshot)" : "  (physical: unmapped)") });
			r.put("loc.dentry", new String[] { "Location", "struct dentry", l.dentryAddress() == -1 ? "- (no dentry cached)" : hex(l.dentryAddress()) + "  (" + l.dentryState() + ")" });
			r.put("loc.mapping", new String[] { "Location", "page cache", l.mappingAddress() == -1 ? "-" : "struct address_space " + hex(l.mappingAddress()) });
		}
		if (l.diskSide() == null) {
			r.put("loc.disk", new String[] { "Location", "disk inode", "- (" + (instant ? "at neither instant" : "not on the disk") + ")" });
		} else {
			r.put("loc.disk", new String[] { "Location", "disk inode", l.diskInode() + " — " + l.diskSide()
					+ (l.diskInodeOffset() >= 0 ? " (its record at byte " + bytes(l.diskInodeOffset()) + " of the file system)" : "") });
			List<String> runs = new ArrayList<>();
			for (PathProperties.Extent b : l.blockRuns()) {
				runs.add("file blocks " + b.fileBlock() + "-" + (b.fileBlock() + b.blocks() - 1) + " → disk blocks " + b.diskBlock() + "-" + (b.diskBlock() + b.blocks() - 1)
						+ (b.unwritten() ? " (unwritten)" : ""));
			}
			String blocks = l.inline() ? "- (data inside the inode)" : runs.isEmpty() ? "- (none)" : limited(runs) + (l.blockSize() > 0 ? "; " + l.blockSize() + "-byte blocks" : "");
			r.put("loc.blocks", new String[] { "Location", "block runs", blocks });
		}
		if (instant) {
			List<String> writers = new ArrayList<>();
			for (InstantTree.LastWriter w : l.lastWriters()) {
				writers.add("bytes " + w.fileOffset() + "+" + w.length() + ": " + (w.entry() < 0 ? "base image (no entry)"
						: "entry " + w.entry() + (w.epochNanos() == WriteLog.NO_TIME ? "" : " at " + time(w.epochNanos())) + " (" + w.quality().word() + ")"));
			}
			r.put("loc.writers", new String[] { "Location", "last written by", writers.isEmpty() ? "- (no data blocks)" : limited(writers) });
		}
	}

	private static String side(PathProperties.Field f, String v, String side) {
		if (v == null) return "- (not " + where(side) + ")";
		if (f.column().equals("sha256") && v.equals("-") && (side.equals("at A") || side.equals("at end"))) {
			return "- (contents are not hashed at an instant: Changes A→B compares them)";
		}
		String shown = readable(f, v);
		return f.differs() ? "≠ " + shown : shown;
	}

	/** The manifest's value; epoch seconds with their UTC time beside them. */
	private static String readable(PathProperties.Field f, String v) {
		if (v != null && (f.column().equals("atime") || f.column().equals("mtime") || f.column().equals("ctime"))) {
			try {
				return v + " (" + Instant.ofEpochSecond(Long.parseLong(v)).toString().replace('T', ' ').replace("Z", " UTC") + ")";
			} catch (NumberFormatException e) {
				return v;
			}
		}
		return v;
	}

	private static String where(String side) {
		return switch (side) {
		case "cache" -> "cached";
		case "disk" -> "on the disk";
		default -> side;
		};
	}

	private static String title(String side) {
		return side.substring(0, 1).toUpperCase(Locale.ROOT) + side.substring(1);
	}

	private static String bytes(long n) {
		return String.format(Locale.ROOT, "%,d", n);
	}

	private static String hex(long a) {
		return "0x" + Long.toHexString(a);
	}

	private static String time(long epochNanos) {
		return Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L), Math.floorMod(epochNanos, 1_000_000_000L)).toString().replace('T', ' ')
				.replace("Z", " UTC");
	}

	private static String limited(List<String> items) {
		if (items.size() <= MAX_RUNS) return String.join("; ", items);
		return String.join("; ", items.subList(0, MAX_RUNS)) + "; … " + (items.size() - MAX_RUNS) + " more";
	}

	/** The value shown for a row id (for tests and the sheet). */
	String value(String id) {
		String[] v = rows().get(id);
		return v == null ? null : v[2];
	}

	@Override
	public Object getEditableValue() {
		return this;
	}

	@Override
	public IPropertyDescriptor[] getPropertyDescriptors() {
		List<IPropertyDescriptor> out = new ArrayList<>();
		for (Map.Entry<String, String[]> e : rows().entrySet()) {
			PropertyDescriptor d = new PropertyDescriptor(e.getKey(), e.getValue()[1]);
			d.setCategory(e.getValue()[0]);
			out.add(d);
		}
		return out.toArray(new IPropertyDescriptor[0]);
	}

	@Override
	public Object getPropertyValue(Object id) {
		return value((String) id);
	}

	@Override
	public boolean isPropertySet(Object id) {
		return false;
	}

	@Override
	public void resetPropertyValue(Object id) {
	}

	@Override
	public void setPropertyValue(Object id, Object value) {
	}

	/**
	 * A Properties page that keeps the rows and categories in this source's order instead of sorting them by name, and
	 * shows every category open for each new path (the sheet otherwise keeps a category closed that it reuses).
	 */
	static PropertySheetPage page() {
		return new PropertySheetPage() {
			@Override
			public void selectionChanged(org.eclipse.ui.IWorkbenchPart part, org.eclipse.jface.viewers.ISelection selection) {
				super.selectionChanged(part, selection);
				openCategories();
			}

			@Override
			public void refresh() {
				super.refresh();
				openCategories();
			}

			private void openCategories() {
				if (!(getControl() instanceof org.eclipse.swt.widgets.Tree t) || t.isDisposed()) return;
				for (org.eclipse.swt.widgets.TreeItem c : t.getItems()) {
					if (!c.getExpanded()) {
						org.eclipse.swt.widgets.Event e = new org.eclipse.swt.widgets.Event();
						e.item = c;
						t.notifyListeners(org.eclipse.swt.SWT.Expand, e); // the sheet makes the rows on this event
					}
					// GTK closes a row whose children were all replaced while SWT still reports it open: open it again
					c.setExpanded(false);
					c.setExpanded(true);
				}
			}

			{
				setSorter(new PropertySheetSorter() {
					@Override
					public int compare(IPropertySheetEntry a, IPropertySheetEntry b) {
						return 0; // a stable sort: the descriptors' order
					}

					@Override
					public int compareCategories(String a, String b) {
						int x = CATEGORY_ORDER.indexOf(a), y = CATEGORY_ORDER.indexOf(b);
						return Integer.compare(x < 0 ? Integer.MAX_VALUE : x, y < 0 ? Integer.MAX_VALUE : y);
					}
				});
			}
		};
	}
}
