package cacheshadow.ui.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.geom.Rectangle2D;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.eclipse.core.commands.ParameterizedCommand;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Display;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.commands.ICommandService;
import org.eclipse.ui.handlers.IHandlerService;
import org.jfree.chart.entity.ChartEntity;
import org.jfree.chart.entity.XYItemEntity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.journal.SearchHits;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.report.TimelineChart;
import cacheshadow.ui.CaseJobs;
import cacheshadow.ui.CaseSession;
import cacheshadow.ui.TimelineView;
import cacheshadow.ui.ViewHandlers;

/**
 * The hits of {@code ./cacheshadow search} (run here through the command line's own code on the sample's journal,
 * its timing sidecar and the guest's /data/blob.bin read off the disk) opened in the workbench with Timeline > Open
 * Search Hits…: every hit row of the journal is listed, each entry that wrote a block of the file is marked on the
 * chart, a click on a mark (on the mark's own spot of the chart's canvas) and a row of the list move cursor A
 * and the slider to the disk after that entry, and the status line names the hit; Timeline > Search Known Files… run
 * on the same file gives the same hits and a custody entry. Screenshots saved.
 */
class SearchHitsUiTest {

	@Test
	void searchHitsAreMarkedOnTheTimelineAndMoveTheCursor(@TempDir Path tmp) throws Exception {
		Display display = Display.getCurrent();
		IWorkbenchPage page = PlatformUI.getWorkbench().getActiveWorkbenchWindow().getActivePage();
		page.getWorkbenchWindow().getShell().setSize(1500, 1000);
		TimelineView timeline = (TimelineView) page.showView(TimelineView.ID);
		Path set = SampleCase.set();
		Path blob = tmp.resolve("blob.bin");
		try (Layer disk = Layers.openDisk(set.resolve("disk.img"))) {
			Ext4FileSystem fs = Ext4FileSystem.open(disk, Ext4FileSystem.Options.REPLAYED);
			Files.write(blob, fs.open(fs.lookup("/data/blob.bin")).readAll(Integer.MAX_VALUE));
		}
		Path hits = tmp.resolve("hits.tsv");
		ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
		int code = new cacheshadow.cli.Cli(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)).run(new String[] {
				"search", "--journal", set.resolve("writes.log").toString(), "--timeline", set.resolve("timeline.tsv").toString(), "--file", blob.toString(), "--out",
				hits.toString() });
		assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
		List<String> rows = Files.readAllLines(hits);
		assertEquals("journal\tentry\ttime\tsector\tfile\tfile_offset", rows.get(0));
		assertTrue(rows.size() > 1, "no hit");

		SampleCase.create(display, tmp.resolve("case"), "UI search hits", SampleCase.ALL, false);
		CaseViewUiTest.waitFor(display, () -> timeline.chart() != null, 30_000);
		ICommandService commands = PlatformUI.getWorkbench().getService(ICommandService.class);
		ParameterizedCommand cmd = ParameterizedCommand.generateCommand(commands.getCommand("cacheshadow.ui.timeline.openHits"),
				Map.of(ViewHandlers.TimelineOpenHits.FILE, hits.toString()));
		PlatformUI.getWorkbench().getService(IHandlerService.class).executeCommand(cmd, null);
		CaseViewUiTest.waitFor(display, () -> !timeline.hits().isEmpty() && Job.getJobManager().find(CaseJobs.FAMILY).length == 0, 30_000);

		// the Timeline view maximized: chart, marks and list on screen together (for the click and the screenshots)
		page.toggleZoom(page.getReference(timeline));
		CaseViewUiTest.waitFor(display, () -> timeline.chartControl().getSize().y > 200, 10_000);

		// the list: every row of the file, in its order
		assertEquals(rows.size() - 1, timeline.hits().size());
		assertEquals(rows.size() - 1, timeline.hitsTable().getItemCount());
		for (int i = 1; i < rows.size(); i++) {
			String[] c = rows.get(i).split("\t", -1);
			var item = timeline.hitsTable().getItem(i - 1);
			assertEquals(List.of(c[1], c[2], c[3], c[4], c[5]), List.of(item.getText(0), item.getText(1), item.getText(2), item.getText(3), item.getText(4)));
		}
		long entries = timeline.hits().stream().mapToInt(SearchHits.Hit::entry).distinct().count();
		assertTrue(timeline.headerText().contains("SEARCH HITS: " + (rows.size() - 1) + " of hits.tsv in " + entries + " entries"), timeline.headerText());
		// the chart: one mark per entry
		var marks = timeline.chart().getXYPlot().getDataset(TimelineChart.HITS_DATASET);
		assertNotNull(marks);
		assertEquals(entries, marks.getItemCount(0));
		CaseViewUiTest.screenshot(display, page.getWorkbenchWindow().getShell(), "search-hits.png");

		// a row of the list: cursor A (at the end so far) and the slider at the disk after its entry
		assertEquals(CaseSession.get().history().journal().entryCount(), CaseSession.get().cursorA().entryCount());
		SearchHits.Hit last = timeline.hits().get(timeline.hits().size() - 1);
		timeline.hitsTable().setSelection(timeline.hitsTable().getItemCount() - 1);
		timeline.hitsTable().notifyListeners(SWT.Selection, new org.eclipse.swt.widgets.Event());
		CaseViewUiTest.waitFor(display, () -> CaseSession.get().cursorA().entryCount() == last.entry() + 1, 10_000);
		assertEquals(last.entry() + 1, timeline.slider().getSelection());
		assertTrue(timeline.statusText().contains("A is at a search hit: entry " + last.entry() + " wrote " + last.file()), timeline.statusText());

		// a click on the first mark, where the chart drew it (cursor A elsewhere first)
		SearchHits.Hit first = timeline.hits().get(0);
		timeline.setCursorA(0);
		CaseViewUiTest.waitFor(display, () -> CaseSession.get().cursorA().entryCount() == 0 && !timeline.statusText().contains("search hit"), 10_000);
		timeline.fitAll();
		page.getWorkbenchWindow().getShell().forceActive();
		org.eclipse.swt.graphics.Point p = null;
		for (int tries = 0; tries < 50 && p == null; tries++) {
			CaseViewUiTest.waitFor(display, () -> true, 100);
			var info = ((org.jfree.chart.swt.ChartComposite) timeline.chartControl()).getChartRenderingInfo();
			if (info == null || info.getEntityCollection() == null) continue;
			for (Object o : info.getEntityCollection().getEntities()) {
				if (o instanceof XYItemEntity xe && xe.getDataset() == marks && xe.getItem() == 0) {
					Rectangle2D b = ((ChartEntity) xe).getArea().getBounds2D();
					var swt = ((org.jfree.chart.swt.ChartComposite) timeline.chartControl()).translateJava2DToScreen(new java.awt.geom.Point2D.Double(b.getCenterX(), b.getCenterY()));
					p = new org.eclipse.swt.graphics.Point(swt.x, swt.y);
				}
			}
		}
		assertNotNull(p, "the first hit's mark is not on the chart");
		// the chart draws on a canvas inside its composite: the entity's place is on that canvas
		org.eclipse.swt.widgets.Control canvas = ((org.eclipse.swt.widgets.Composite) timeline.chartControl()).getChildren()[0];
		// the press and release are given to that canvas as the window system delivers them (Display.post of a button
		// under Xvfb did not reach the maximized chart's canvas here), so the chart's own mouse handling runs
		for (int type : new int[] { SWT.MouseDown, SWT.MouseUp }) {
			org.eclipse.swt.widgets.Event ev = new org.eclipse.swt.widgets.Event();
			ev.x = p.x;
			ev.y = p.y;
			ev.button = 1;
			canvas.notifyListeners(type, ev);
		}
		CaseViewUiTest.waitFor(display, () -> CaseSession.get().cursorA().entryCount() == first.entry() + 1, 10_000);
		assertEquals(first.entry() + 1, timeline.slider().getSelection());
		assertTrue(timeline.statusText().contains("A is at a search hit: entry " + first.entry() + " "), timeline.statusText());
		CaseViewUiTest.screenshot(display, page.getWorkbenchWindow().getShell(), "search-hits-clicked.png");

		// the same search run from the workbench (Timeline > Search Known Files…): the same hits, journal column aside
		List<String> fromFile = timeline.hits().stream().map(h -> h.entry() + "\t" + h.time() + "\t" + h.sector() + "\t" + h.file() + "\t" + h.fileOffset()).toList();
		ParameterizedCommand search = ParameterizedCommand.generateCommand(commands.getCommand("cacheshadow.ui.timeline.search"),
				Map.of(ViewHandlers.TimelineSearch.FILES, blob.toString()));
		timeline.setHits(List.of(), null);
		PlatformUI.getWorkbench().getService(IHandlerService.class).executeCommand(search, null);
		CaseViewUiTest.waitFor(display, () -> !timeline.hits().isEmpty() && Job.getJobManager().find(CaseJobs.FAMILY).length == 0, 60_000);
		assertEquals(fromFile, timeline.hits().stream().map(h -> h.entry() + "\t" + h.time() + "\t" + h.sector() + "\t" + h.file() + "\t" + h.fileOffset()).toList());
		assertTrue(timeline.headerText().contains("SEARCH HITS: " + fromFile.size() + " of a search for blob.bin in " + entries + " entries"), timeline.headerText());
		assertTrue(CaseSession.get().current().custodyLog().stream().anyMatch(e -> e.action().equals("search-run") && e.detail().contains(fromFile.size() + " hits")));
		CaseViewUiTest.screenshot(display, page.getWorkbenchWindow().getShell(), "search-hits-run.png");
		page.toggleZoom(page.getReference(timeline));
		CaseSession.get().close();
	}
}
