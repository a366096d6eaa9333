package cacheshadow.ui.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.core.runtime.Adapters;
import org.eclipse.jface.viewers.AbstractTreeViewer;
import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.Point;
import org.eclipse.swt.graphics.Rectangle;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Event;
import org.eclipse.swt.widgets.ToolItem;
import org.eclipse.swt.widgets.Tree;
import org.eclipse.swt.widgets.TreeItem;
import org.eclipse.ui.IPageLayout;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.views.properties.IPropertySource;
import org.eclipse.ui.views.properties.PropertySheet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.listing.FileRecord;
import cacheshadow.listing.ManifestFormat;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.PathStatus;
import cacheshadow.merge.View;
import cacheshadow.ui.CaseSession;
import cacheshadow.ui.FileSystemView;
import cacheshadow.ui.TimelineView;

/**
 * The File System view's filters, sorting and the Properties of a path on the real sample, in the started workbench:
 * one click on the "cache-only" toggle leaves exactly the cache-only paths (with their directories), a name filter
 * narrows them, a click on the Size header sorts each directory's entries by size both ways, and the Properties view
 * of the phase-2 changed {@code /mnt/disk/data/blob.bin} names the fields in which the guest's own listing and the
 * disk's differ and counts the dirty-page bytes of the phase-2 overwrite. On the disk at instant A (the timeline's
 * cursor at round 2) one click on "created later" leaves exactly the paths the guest's round-6 listing has and its
 * round-2 listing lacks; at round 6 the Properties of a file written in round 3 name round-3 journal entries as its last
 * writers. Screenshots of each state are saved.
 */
class FileSystemPropertiesUiTest {
	static final String BLOB = "/mnt/disk/data/blob.bin";

	@Test
	void filterSortAndPropertiesOnTheSample(@TempDir Path tmp) throws Exception {
		Display display = Display.getCurrent();
		Path set = SampleCase.set();
		IWorkbenchPage page = PlatformUI.getWorkbench().getActiveWorkbenchWindow().getActivePage();
		page.getWorkbenchWindow().getShell().setSize(1500, 1000);
		FileSystemView fs = (FileSystemView) page.showView(FileSystemView.ID);
		PropertySheet sheet = (PropertySheet) page.showView(IPageLayout.ID_PROP_SHEET);
		page.activate(fs);
		SampleCase.create(display, tmp.resolve("case"), "UI properties", SampleCase.ALL, true);
		CaseViewUiTest.waitFor(display, () -> fs.viewer().getTree().getItemCount() == 1 && fs.headerText().startsWith("merged view"), 10_000);
		assertEquals(View.MERGED, fs.shown());
		MergedFileSystem m = CaseSession.get().analysis();
		page.setPartState(page.getReference(fs), IWorkbenchPage.STATE_MAXIMIZED); // room for the tree in the screenshots

		// one click on "cache-only": the tree holds exactly the cache-only paths, and the directories above them
		Set<String> cacheOnly = new TreeSet<>();
		for (PathStatus s : m.statuses()) if (s.kind() == PathStatus.Kind.CACHE_ONLY && m.tree(View.MERGED).exists(s.path())) cacheOnly.add(s.path());
		assertTrue(cacheOnly.contains("/mnt/disk/new/p2_file_1.txt"), cacheOnly.toString());
		ToolItem toggle = item(fs, "cache-only");
		assertEquals(String.format("cache-only (%,d)", cacheOnly.size()), toggle.getText(), "the toggle counts the paths it shows");
		CaseViewUiTest.screenshot(display, page.getWorkbenchWindow().getShell(), "fs-merged-unfiltered.png");
		click(display, toggle);
		CaseViewUiTest.waitFor(display, () -> fs.filterResult() != null, 5_000);
		assertTrue(toggle.getSelection());
		Map<String, String[]> rows = TimelineUiTest.walk(fs);
		Set<String> shownCacheOnly = new TreeSet<>(), leaves = leaves(fs);
		rows.forEach((p, cells) -> {
			if (cells[1].startsWith("cache-only")) shownCacheOnly.add(p);
			else assertTrue(cacheOnly.stream().anyMatch(c -> below(c, p)), p + " shown but neither cache-only nor above one");
		});
		assertEquals(cacheOnly, shownCacheOnly);
		Set<String> expectedLeaves = new TreeSet<>();
		for (String p : cacheOnly) if (cacheOnly.stream().noneMatch(c -> below(c, p))) expectedLeaves.add(p);
		assertEquals(expectedLeaves, leaves, "the visible leaves are the cache-only paths with no cache-only path below");
		assertFalse(rows.containsKey(BLOB));
		assertTrue(fs.headerText().contains(String.format("filter: %,d paths match", cacheOnly.size())), fs.headerText());
		fs.viewer().getTree().setTopItem(AnalysisViewsUiTest.find(fs, "/mnt")); // the phase-2 files in sight
		CaseViewUiTest.screenshot(display, page.getWorkbenchWindow().getShell(), "fs-filter-cache-only.png");

		// and a name: cache-only paths whose name has "p2_file"
		fs.filterText().setText("P2_FILE");
		Set<String> named = new TreeSet<>();
		for (String p : cacheOnly) if (p.substring(p.lastIndexOf('/') + 1).toLowerCase().contains("p2_file")) named.add(p);
		assertTrue(named.size() >= 5, named.toString());
		CaseViewUiTest.waitFor(display, () -> fs.headerText().contains("filter: " + named.size() + " paths match"), 5_000);
		Set<String> shownNamed = new TreeSet<>();
		TimelineUiTest.walk(fs).forEach((p, cells) -> {
			if (p.substring(p.lastIndexOf('/') + 1).toLowerCase().contains("p2_file")) shownNamed.add(p);
		});
		assertEquals(named, shownNamed);
		assertEquals(named, leaves(fs));
		CaseViewUiTest.screenshot(display, page.getWorkbenchWindow().getShell(), "fs-filter-cache-only-and-name.png");

		// the status off, the name "blob": blob.bin whatever its status, with its directories
		click(display, toggle);
		fs.filterText().setText("blob");
		Set<String> blobs = new TreeSet<>();
		for (String p : m.tree(View.MERGED).paths()) if (p.substring(p.lastIndexOf('/') + 1).toLowerCase().contains("blob")) blobs.add(p);
		CaseViewUiTest.waitFor(display, () -> fs.filterResult() != null && fs.filterResult().matches() == blobs.size(), 5_000);
		Set<String> blobLeaves = new TreeSet<>();
		for (String p : blobs) if (blobs.stream().noneMatch(c -> below(c, p))) blobLeaves.add(p);
		assertEquals(blobLeaves, leaves(fs));
		assertTrue(blobs.contains(BLOB), blobs.toString());

		// no filter; the Size header clicked: every directory's entries by size, then reversed
		fs.filterText().setText("");
		CaseViewUiTest.waitFor(display, () -> fs.filterResult() == null, 5_000);
		Tree tree = fs.viewer().getTree();
		tree.getColumn(5).notifyListeners(SWT.Selection, new Event());
		assertEquals(5, fs.sortColumn());
		assertEquals(SWT.UP, tree.getSortDirection());
		TreeItem disk = AnalysisViewsUiTest.find(fs, "/mnt/disk");
		fs.viewer().expandToLevel(disk.getData(), AbstractTreeViewer.ALL_LEVELS);
		int dirs = checkSorted(disk, true);
		assertTrue(dirs >= 5, dirs + " directories checked");
		TreeItem data = AnalysisViewsUiTest.find(fs, "/mnt/disk/data");
		fs.viewer().setSelection(new StructuredSelection(data.getData()), true);
		CaseViewUiTest.screenshot(display, page.getWorkbenchWindow().getShell(), "fs-sorted-by-size-ascending.png");
		tree.getColumn(5).notifyListeners(SWT.Selection, new Event());
		assertEquals(SWT.DOWN, tree.getSortDirection());
		checkSorted(AnalysisViewsUiTest.find(fs, "/mnt/disk"), false);
		tree.getColumn(5).notifyListeners(SWT.Selection, new Event()); // a third click: path order again
		assertEquals(-1, fs.sortColumn());
		assertEquals(List.of("a", "data", "docs"), List.of(AnalysisViewsUiTest.find(fs, "/mnt/disk").getItems()).subList(0, 3).stream().map(i -> i.getText(0)).toList());

		// the differing file selected: its Properties (the Properties view visible again)
		page.setPartState(page.getReference(fs), IWorkbenchPage.STATE_RESTORED);
		TreeItem blob = AnalysisViewsUiTest.find(fs, BLOB);
		assertNotNull(blob);
		page.activate(fs);
		fs.viewer().setSelection(new StructuredSelection(blob.getData()), true);
		Object node = fs.viewer().getStructuredSelection().getFirstElement();
		IPropertySource props = Adapters.adapt(node, IPropertySource.class);
		assertNotNull(props, "a File System path adapts to the Properties view");

		// the ground truth: the guest's listing (manifest.tsv) against the disk's (the last synced round's listing,
		// which the sample's verification proved equal to the disk after journal replay)
		FileRecord guest = row(set.resolve("manifest.tsv"), BLOB), onDisk = row(set.resolve("manifest.round-6.tsv"), BLOB);
		String[] gc = columns(guest), dc = columns(onDisk);
		List<String> cols = ManifestFormat.COLUMNS.subList(1, ManifestFormat.COLUMNS.size());
		List<String> differing = new ArrayList<>();
		for (int i = 0; i < cols.size(); i++) if (!gc[i].equals(dc[i])) differing.add(cols.get(i));
		assertTrue(differing.contains("sha256"), differing.toString());
		assertEquals("≠ " + String.join(", ", differing), props.getPropertyValue("differs"));
		assertEquals("≠ " + gc[cols.indexOf("sha256")], props.getPropertyValue("a.sha256"));
		assertEquals("≠ " + dc[cols.indexOf("sha256")], props.getPropertyValue("b.sha256"));
		assertEquals(gc[cols.indexOf("mode")], props.getPropertyValue("a.mode"), "equal fields are not marked");
		// the phase-2 overwrite's pages are the dirty ones; every byte has a source
		Matcher ow = Pattern.compile("phase2 overwrite /data/blob.bin offset (\\d+) len (\\d+)").matcher(Files.readString(set.resolve("operations.txt")));
		assertTrue(ow.find());
		long from = Long.parseLong(ow.group(1)), to = from + Long.parseLong(ow.group(2));
		long dirty = ((to + 4095) / 4096 - from / 4096) * 4096;
		assertEquals(String.format("%,d", dirty), props.getPropertyValue("prov.DIRTY_PAGE"));
		assertEquals(String.format("%,d", guest.size()), props.getPropertyValue("prov.total"));
		assertTrue(((String) props.getPropertyValue("loc.inode")).startsWith("0xffff"), (String) props.getPropertyValue("loc.inode"));
		assertTrue(((String) props.getPropertyValue("loc.disk")).startsWith(guest.inode() + " "), (String) props.getPropertyValue("loc.disk"));
		assertTrue(((String) props.getPropertyValue("loc.blocks")).startsWith("file blocks 0-"), (String) props.getPropertyValue("loc.blocks"));

		// and as the Properties view shows them: categories in order, the differing rows marked
		CaseViewUiTest.waitFor(display, () -> sheetRows(sheet).containsKey("Differs/fields"), 10_000);
		Map<String, String> shown = sheetRows(sheet);
		assertEquals(List.of("Path", "Differs", "Provenance", "Location", "Cache", "Disk"), categories(sheet));
		assertEquals(BLOB, shown.get("Path/path"));
		assertEquals(props.getPropertyValue("differs"), shown.get("Differs/fields"));
		for (String c : differing) {
			assertTrue(shown.get("Cache/" + c).startsWith("≠ "), c + ": " + shown.get("Cache/" + c));
			assertTrue(shown.get("Differs/" + c).startsWith("≠ "), c);
		}
		assertEquals(String.format("%,d", dirty), shown.get("Provenance/from dirty page"));
		for (TreeItem c : sheetTree(sheet).getItems()) assertTrue(c.getExpanded(), c.getText(0) + " open");
		CaseViewUiTest.screenshot(display, page.getWorkbenchWindow().getShell(), "fs-properties-blob.png");
		page.activate(sheet);
		page.setPartState(page.getReference(sheet), IWorkbenchPage.STATE_MAXIMIZED); // every row readable
		CaseViewUiTest.screenshot(display, page.getWorkbenchWindow().getShell(), "fs-properties-blob-maximized.png");
		page.setPartState(page.getReference(sheet), IWorkbenchPage.STATE_RESTORED);

		// the disk at instant A (round 2) against the end of the journal: one click on "created later"
		TimelineView timeline = (TimelineView) page.showView(TimelineView.ID);
		page.activate(fs);
		CaseViewUiTest.waitFor(display, () -> CaseSession.get().history() != null && timeline.chart() != null, 60_000);
		Map<Integer, Integer> rounds = TimelineUiTest.rounds(set);
		fs.show(null);
		int r2 = rounds.get(2);
		timeline.setCursorA(r2);
		CaseViewUiTest.waitFor(display, () -> fs.headerText().contains("A — entry:" + r2 + " "), 30_000);
		ToolItem created = item(fs, "created later");
		page.setPartState(page.getReference(fs), IWorkbenchPage.STATE_MAXIMIZED);
		click(display, created);
		CaseViewUiTest.waitFor(display, () -> fs.filterResult() != null, 30_000); // after every path's status at A is read
		Set<String> at2 = TimelineUiTest.paths(ManifestFormat.read(set.resolve("manifest.round-2.tsv")));
		Set<String> createdLater = new TreeSet<>(TimelineUiTest.paths(ManifestFormat.read(set.resolve("manifest.round-6.tsv"))));
		createdLater.removeAll(at2);
		assertFalse(createdLater.isEmpty());
		assertTrue(created.getText().equals(String.format("created later (%,d)", createdLater.size())), created.getText());
		Set<String> shownCreated = new TreeSet<>();
		TimelineUiTest.walk(fs).forEach((p, cells) -> {
			if (cells[1].startsWith("created later")) shownCreated.add(p);
			else assertTrue(createdLater.stream().anyMatch(c -> below(c, p)), p + " shown but neither created later nor above such a path");
		});
		assertEquals(createdLater, shownCreated);
		CaseViewUiTest.screenshot(display, page.getWorkbenchWindow().getShell(), "fs-instant-created-later.png");
		click(display, created);
		CaseViewUiTest.waitFor(display, () -> fs.filterResult() == null, 5_000);
		page.setPartState(page.getReference(fs), IWorkbenchPage.STATE_RESTORED);

		// at round 6, a file written in round 3 and left alone since: its last writers lie in round 3's entries
		String written3 = writtenInRoundThreeOnly(set);
		int r6 = rounds.get(6);
		timeline.setCursorA(r6);
		CaseViewUiTest.waitFor(display, () -> fs.headerText().contains("A — entry:" + r6 + " "), 30_000);
		TreeItem f = AnalysisViewsUiTest.find(fs, written3);
		assertNotNull(f, written3);
		page.activate(fs);
		fs.viewer().setSelection(new StructuredSelection(f.getData()), true);
		IPropertySource at = Adapters.adapt(fs.viewer().getStructuredSelection().getFirstElement(), IPropertySource.class);
		String writers = (String) at.getPropertyValue("loc.writers");
		Matcher e = Pattern.compile("entry (\\d+)").matcher(writers);
		int seen = 0;
		while (e.find()) {
			int entry = Integer.parseInt(e.group(1));
			assertTrue(entry >= rounds.get(2) && entry < rounds.get(3), written3 + ": entry " + entry + " not in round 3: " + writers);
			seen++;
		}
		assertTrue(seen > 0, writers);
		CaseViewUiTest.waitFor(display, () -> sheetRows(sheet).containsKey("Location/last written by"), 10_000);
		assertEquals(List.of("Path", "Differs", "Provenance", "Location", "At A", "At end"), categories(sheet));
		assertEquals(writers, sheetRows(sheet).get("Location/last written by"));
		page.activate(sheet);
		page.setPartState(page.getReference(sheet), IWorkbenchPage.STATE_MAXIMIZED);
		CaseViewUiTest.screenshot(display, page.getWorkbenchWindow().getShell(), "fs-instant-properties.png");
		page.setPartState(page.getReference(sheet), IWorkbenchPage.STATE_RESTORED);
		fs.show(View.MERGED); // as the other tests expect to find the view
		CaseSession.get().close();
	}

	/** A regular file the guest's listings show written in round 3 (not at round 2) and unchanged to round 6. */
	static String writtenInRoundThreeOnly(Path set) throws Exception {
		Map<String, FileRecord> r2 = new LinkedHashMap<>(), r6 = new LinkedHashMap<>();
		for (FileRecord r : ManifestFormat.read(set.resolve("manifest.round-2.tsv"))) r2.put(r.path(), r);
		for (FileRecord r : ManifestFormat.read(set.resolve("manifest.round-6.tsv"))) r6.put(r.path(), r);
		for (FileRecord r : ManifestFormat.read(set.resolve("manifest.round-3.tsv"))) {
			FileRecord later = r6.get(r.path());
			if (r.type() != cacheshadow.listing.FileType.REGULAR || r2.containsKey(r.path()) || later == null) continue;
			if (r.sha256().equals(later.sha256()) && r.mtime() == later.mtime() && r.mtimeNanos() == later.mtimeNanos() && r.inode() == later.inode()) return r.path();
		}
		throw new AssertionError("no file written in round 3 and left alone");
	}

	/** Whether {@code path} lies below directory {@code dir}. */
	static boolean below(String path, String dir) {
		return !path.equals(dir) && path.startsWith(dir.equals("/") ? "/" : dir + "/");
	}

	static ToolItem item(FileSystemView fs, String label) {
		for (ToolItem i : fs.statusFilterItems()) if (i.getText().equals(label) || i.getText().startsWith(label + " (")) return i;
		throw new AssertionError("no toggle " + label);
	}

	/** A real click (X events through Xvfb) in the middle of a tool item. */
	static void click(Display d, ToolItem i) throws Exception {
		i.getParent().getShell().forceActive();
		CaseViewUiTest.waitFor(d, () -> i.getBounds().width > 0 && i.getParent().isVisible(), 5_000);
		Rectangle b = i.getBounds();
		Point p = i.getParent().toDisplay(b.x + b.width / 2, b.y + b.height / 2);
		boolean before = i.getSelection();
		// the X server delivers each event a moment later: the pointer enters the button before it is pressed
		CaseViewUiTest.post(d, SWT.MouseMove, p.x, p.y, 0);
		pump(d, 150);
		CaseViewUiTest.post(d, SWT.MouseDown, p.x, p.y, 1);
		pump(d, 100);
		CaseViewUiTest.post(d, SWT.MouseUp, p.x, p.y, 1);
		CaseViewUiTest.waitFor(d, () -> i.getSelection() != before, 5_000);
		Point away = i.getParent().getShell().toDisplay(5, 5); // no hover highlight left on the item in screenshots
		CaseViewUiTest.post(d, SWT.MouseMove, away.x, away.y, 0);
	}

	static void pump(Display d, long millis) throws InterruptedException {
		long until = System.currentTimeMillis() + millis;
		while (System.currentTimeMillis() < until) if (!d.readAndDispatch()) Thread.sleep(10);
	}

	/** Paths of the items that have no child items, after opening the whole tree. */
	static Set<String> leaves(FileSystemView fs) {
		fs.viewer().expandAll();
		Set<String> out = new TreeSet<>();
		for (TreeItem i : fs.viewer().getTree().getItems()) leaves(i, out);
		return out;
	}

	private static void leaves(TreeItem i, Set<String> out) {
		if (i.getItemCount() == 0) out.add(((FileSystemView.Node) i.getData()).path());
		for (TreeItem c : i.getItems()) leaves(c, out);
	}

	/** Checks each directory's entries are ordered by size (cell 5); returns the directories checked. */
	static int checkSorted(TreeItem dir, boolean ascending) {
		int n = 0;
		TreeItem[] items = dir.getItems();
		if (items.length > 1) n++;
		for (int k = 1; k < items.length; k++) {
			long a = Long.parseLong(items[k - 1].getText(5)), b = Long.parseLong(items[k].getText(5));
			assertTrue(ascending ? a <= b : a >= b, dir.getText(0) + ": " + items[k - 1].getText(0) + " " + a + " then " + items[k].getText(0) + " " + b);
		}
		for (TreeItem c : items) n += checkSorted(c, ascending);
		return n;
	}

	static FileRecord row(Path manifest, String path) throws Exception {
		for (FileRecord r : ManifestFormat.read(manifest)) if (r.path().equals(path)) return r;
		throw new AssertionError(path + " not in " + manifest);
	}

	static String[] columns(FileRecord r) {
		return ManifestFormat.line(r, List.of()).substring(r.path().length() + 1).split("\t", 13);
	}

	static Tree sheetTree(PropertySheet sheet) {
		return (Tree) sheet.getCurrentPage().getControl();
	}

	static List<String> categories(PropertySheet sheet) {
		List<String> out = new ArrayList<>();
		for (TreeItem c : sheetTree(sheet).getItems()) out.add(c.getText(0));
		return out;
	}

	/** "Category/name" → value of every row of the Properties view (categories opened). */
	static Map<String, String> sheetRows(PropertySheet sheet) {
		Map<String, String> out = new LinkedHashMap<>();
		for (TreeItem c : sheetTree(sheet).getItems()) {
			for (TreeItem r : c.getItems()) {
				if (r.getData() == null) continue; // not made yet
				out.put(c.getText(0) + "/" + r.getText(0), r.getText(1));
			}
		}
		return out;
	}
}
