package cacheshadow.ui.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.TreeItem;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.PlatformUI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.journal.FileChanges;
import cacheshadow.journal.ResolvedInstant;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.ManifestFormat;
import cacheshadow.ui.CaseJobs;
import cacheshadow.ui.CaseSession;
import cacheshadow.ui.ChangesView;
import cacheshadow.ui.FileSystemView;
import cacheshadow.ui.HexDiffView;
import cacheshadow.ui.TimelineView;

/**
 * The timeline on the real sample case, driven in the started workbench: the chart shows the journal, the cursor is
 * moved to three synced rounds and the "disk at instant A" tree is checked against the guest's own listing of each
 * round ({@code manifest.round-K.tsv}: every path, type, mode and size, and which paths are created or deleted
 * later); keys and typed instants move the cursor; two cursors list the changes between two rounds exactly as the
 * manifests differ, and a row opens its hex diff A vs B. Screenshots of each state are saved.
 */
class TimelineUiTest {
	private static final String PREFIX = "/mnt/disk";

	@Test
	void scrubTheSampleJournalAndCompareWithTheGuestsRoundListings(@TempDir Path tmp) throws Exception {
		Display display = Display.getCurrent();
		Path set = SampleCase.set();
		IWorkbenchPage page = PlatformUI.getWorkbench().getActiveWorkbenchWindow().getActivePage();
		page.getWorkbenchWindow().getShell().setSize(1500, 1000);
		FileSystemView fs = (FileSystemView) page.showView(FileSystemView.ID);
		TimelineView timeline = (TimelineView) page.showView(TimelineView.ID);

		// analyzed too: the analysis tells where the guest mounted the disk (/mnt/disk)
		SampleCase.create(display, tmp.resolve("case"), "UI timeline", SampleCase.ALL, true);
		assertTrue(CaseSession.get().historyNote().contains("over disk.base.img"), CaseSession.get().historyNote());
		CaseViewUiTest.waitFor(display, () -> timeline.chart() != null, 10_000);
		assertEquals(120, timeline.slider().getMaximum());
		CaseViewUiTest.screenshot(display, page.getWorkbenchWindow().getShell(), "timeline-end.png");

		fs.show(null); // the disk at instant A
		long stall = 0;
		String stallWhere = "";
		Map<Integer, Integer> rounds = rounds(set);
		Set<String> end = paths(ManifestFormat.read(set.resolve("manifest.round-6.tsv")));
		for (int k : new int[] { 2, 4, 6 }) {
			int entries = rounds.get(k);
			cacheshadow.ui.UiStallWatch.reset(); // the product's own work from the cursor move to the tree, not this test's walk below
			timeline.setCursorA(entries);
			CaseViewUiTest.waitFor(display, () -> fs.headerText().contains("A — entry:" + entries + " "), 30_000);
			if (cacheshadow.ui.UiStallWatch.longestMillis() > stall) {
				stall = cacheshadow.ui.UiStallWatch.longestMillis();
				stallWhere = cacheshadow.ui.UiStallWatch.longestWhere();
			}
			List<FileRecord> manifest = ManifestFormat.read(set.resolve("manifest.round-" + k + ".tsv"));
			Map<String, String[]> shown = walk(fs);
			Map<String, String[]> atK = new TreeMap<>();
			shown.forEach((p, row) -> {
				if (!row[1].startsWith("created later")) atK.put(p, row);
			});
			assertEquals(paths(manifest), atK.keySet(), "round " + k + ": the tree at entry:" + entries);
			for (FileRecord r : manifest) {
				String[] row = atK.get(r.path());
				assertEquals(r.type().label(), row[2], r.path());
				assertEquals(Integer.toOctalString(r.permissions()), row[3], r.path());
				assertEquals(Long.toString(r.size()), row[5], r.path());
			}
			// against the end of the journal (after round 6 nothing but a flush reached the log)
			Set<String> created = new TreeSet<>(), deleted = new TreeSet<>();
			shown.forEach((p, row) -> {
				if (row[1].startsWith("created later")) created.add(p);
				if (row[1].startsWith("deleted later")) deleted.add(p);
			});
			Set<String> expectCreated = new TreeSet<>(end), expectDeleted = new TreeSet<>(paths(manifest));
			expectCreated.removeAll(paths(manifest));
			expectDeleted.removeAll(end);
			assertEquals(expectCreated, created, "created later than round " + k);
			assertEquals(expectDeleted, deleted, "deleted later than round " + k);
			System.out.println("timeline UI: cursor to round " + k + " (entry:" + entries + ") -> tree on screen in " + fs.lastScrubMillis() + " ms");
			CaseViewUiTest.screenshot(display, page.getWorkbenchWindow().getShell(), "timeline-round-" + k + ".png");
		}

		System.out.println("timeline UI: longest UI-thread stall from a cursor move to its tree on screen: " + stall + " ms (goal <= 100 ms)"
				+ (stallWhere.isEmpty() ? "" : " at " + stallWhere));
		// keys and typed instants: the same names and steps as the core computes them
		int r2 = rounds.get(2);
		timeline.setCursorA(r2);
		CaseViewUiTest.waitFor(display, () -> CaseSession.get().cursorA().entryCount() == r2, 5_000);
		assertTrue(timeline.handleKey(SWT.ARROW_RIGHT, 0));
		assertEquals(CaseSession.get().history().activity().nextWrite(r2), CaseSession.get().cursorA().entryCount());
		assertTrue(timeline.handleKey(SWT.ARROW_LEFT, SWT.SHIFT));
		assertEquals(CaseSession.get().history().activity().previousFlush(CaseSession.get().history().activity().nextWrite(r2)),
				CaseSession.get().cursorA().entryCount());
		timeline.jumpTo("flush:3");
		assertEquals(CaseSession.get().history().resolve("flush:3").entryCount(), CaseSession.get().cursorA().entryCount());
		timeline.jumpTo("time:@" + roundEpoch(set, 4));
		assertEquals(rounds.get(4).intValue(), CaseSession.get().cursorA().entryCount(), "time of round 4's sample");
		// zoom: the mouse wheel over the chart (as a person's wheel gives it), the keyboard, fit all
		timeline.fitAll();
		double all = timeline.visibleRange().getLength();
		org.eclipse.swt.graphics.Rectangle cb = timeline.chartControl().getBounds();
		org.eclipse.swt.graphics.Point mid = timeline.chartControl().getParent().toDisplay(cb.x + cb.width / 2, cb.y + cb.height / 2);
		CaseViewUiTest.post(display, SWT.MouseMove, mid.x, mid.y, 0);
		// SWT's GTK Display.post has no wheel event and XTest's button 4 does not reach the chart's canvas under Xvfb:
		// the wheel event is given to the canvas, as the window system would, with the pointer over the chart
		org.eclipse.swt.widgets.Control canvas = ((org.eclipse.swt.widgets.Composite) timeline.chartControl()).getChildren()[0];
		org.eclipse.swt.widgets.Event wheel = new org.eclipse.swt.widgets.Event();
		org.eclipse.swt.graphics.Point local = canvas.toControl(mid);
		wheel.x = local.x;
		wheel.y = local.y;
		wheel.count = 3;
		wheel.detail = SWT.SCROLL_LINE;
		canvas.notifyListeners(SWT.MouseVerticalWheel, wheel);
		page.getWorkbenchWindow().getShell().forceActive();
		canvas.setFocus();
		CaseViewUiTest.waitFor(display, () -> timeline.visibleRange().getLength() < all * 0.95, 5_000);
		double zoomed = timeline.visibleRange().getLength();
		BookmarksPresentationUiTest.key(display, '-'); // typed on the chart's canvas, which holds the focus
		try {
			CaseViewUiTest.waitFor(display, () -> timeline.visibleRange().getLength() > zoomed * 1.2, 5_000);
		} catch (AssertionError e) {
			fail("'-' did not zoom out; focus on " + display.getFocusControl() + " (canvas " + canvas + "), active shell " + display.getActiveShell());
		}
		BookmarksPresentationUiTest.key(display, SWT.HOME);
		CaseViewUiTest.waitFor(display, () -> Math.abs(timeline.visibleRange().getLength() - all) < all * 1e-9, 5_000);
		timeline.jumpTo("flush:999");
		assertTrue(timeline.statusText().contains("only"), timeline.statusText());

		// two cursors: the change list between rounds 2 and 5 is the difference of the guest's two listings
		ChangesView changes = (ChangesView) page.showView(ChangesView.ID);
		timeline.setCursorA(rounds.get(2));
		timeline.setCursorB(rounds.get(5));
		ResolvedInstant b = CaseSession.get().cursorB();
		CaseViewUiTest.waitFor(display, () -> changes.headerText().contains("to " + b), 60_000);
		List<FileRecord> m2 = ManifestFormat.read(set.resolve("manifest.round-2.tsv")), m5 = ManifestFormat.read(set.resolve("manifest.round-5.tsv"));
		Map<String, String> expected = expectedChanges(m2, m5), got = new TreeMap<>();
		for (FileChanges.FileChange c : changes.changes()) got.put(c.path(), c.kind().word());
		assertEquals(expected, got);
		assertEquals(expected.size(), changes.viewer().getTable().getItemCount());
		CaseViewUiTest.screenshot(display, page.getWorkbenchWindow().getShell(), "timeline-changes-a-b.png");
		FileChanges.FileChange changedFile = changes.changes().stream()
				.filter(c -> c.kind() == FileChanges.Kind.CHANGED && !c.ranges().isEmpty()).findFirst().orElseThrow();
		HexDiffView hex = (HexDiffView) page.showView(HexDiffView.ID);
		hex.showInstants(changedFile.path());
		CaseViewUiTest.waitFor(display, () -> hex.headerText().startsWith(changedFile.path()), 20_000);
		assertTrue(hex.headerText().contains("changed bytes " + changedFile.ranges().get(0)), hex.headerText());
		assertEquals(changedFile.ranges().get(0).offset() / 4096 * 4096, hex.pageOffset());
		CaseViewUiTest.screenshot(display, page.getWorkbenchWindow().getShell(), "timeline-hexdiff-a-b.png");
		fs.show(cacheshadow.merge.View.MERGED);
		CaseSession.get().close();
	}

	static Set<String> paths(List<FileRecord> m) {
		Set<String> s = new TreeSet<>();
		for (FileRecord r : m) s.add(r.path());
		return s;
	}

	/** What {@code changes} must list between two of the guest's listings: path → added | removed | changed. */
	static Map<String, String> expectedChanges(List<FileRecord> before, List<FileRecord> after) {
		Map<String, FileRecord> a = new TreeMap<>(), b = new TreeMap<>();
		before.forEach(r -> a.put(r.path(), r));
		after.forEach(r -> b.put(r.path(), r));
		Map<String, String> out = new TreeMap<>();
		for (String p : a.keySet()) if (!b.containsKey(p)) out.put(p, "removed");
		for (String p : b.keySet()) {
			FileRecord x = a.get(p), y = b.get(p);
			if (x == null) out.put(p, "added");
			else if (!ManifestFormat.line(x, List.of()).equals(ManifestFormat.line(y, List.of()))) out.put(p, "changed");
		}
		return out;
	}

	/** rounds.tsv: round → entries complete after its sync. */
	static Map<Integer, Integer> rounds(Path set) throws Exception {
		Map<Integer, Integer> m = new TreeMap<>();
		List<String> lines = Files.readAllLines(set.resolve("rounds.tsv"));
		for (String l : lines.subList(1, lines.size())) {
			String[] f = l.split("\t");
			m.put(Integer.parseInt(f[0]), Integer.parseInt(f[2]));
		}
		return m;
	}

	static String roundEpoch(Path set, int round) throws Exception {
		for (String l : Files.readAllLines(set.resolve("rounds.tsv"))) {
			String[] f = l.split("\t");
			if (f[0].equals(Integer.toString(round))) return new BigDecimal(f[1]).toPlainString();
		}
		throw new AssertionError("no round " + round);
	}

	/** Expands the whole tree and returns each path's cells as shown (name, status, type, mode, owner, size, ...). */
	static Map<String, String[]> walk(FileSystemView fs) {
		fs.viewer().expandAll();
		Map<String, String[]> out = new TreeMap<>();
		for (TreeItem i : fs.viewer().getTree().getItems()) walk(i, out);
		return out;
	}

	private static void walk(TreeItem item, Map<String, String[]> out) {
		String[] cells = new String[item.getParent().getColumnCount()];
		for (int c = 0; c < cells.length; c++) cells[c] = item.getText(c);
		out.put(((FileSystemView.Node) Objects.requireNonNull(item.getData())).path(), cells);
		for (TreeItem c : item.getItems()) walk(c, out);
	}

	static List<String> sorted(Set<String> s) {
		return new ArrayList<>(s);
	}
}
