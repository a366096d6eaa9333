package cacheshadow.ui.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Event;
import org.eclipse.swt.widgets.TreeItem;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.PlatformUI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.cases.Bookmark;
import cacheshadow.cases.CustodyEntry;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.ManifestFormat;
import cacheshadow.merge.View;
import cacheshadow.ui.BookmarkHandlers;
import cacheshadow.ui.BookmarksView;
import cacheshadow.ui.CaseJobs;
import cacheshadow.ui.CaseSession;
import cacheshadow.ui.FileSystemView;
import cacheshadow.ui.HexDiffView;
import cacheshadow.ui.PresentationMode;
import cacheshadow.ui.TimelineView;

/**
 * The courtroom walkthrough on the real sample: a dirty page of a changed file and a file as the disk stood after
 * round 2 are bookmarked from what is on screen; the bookmarks are in the case and its custody log; opening one
 * restores its tree, instant and selection; presentation mode steps through both with the arrow keys, restoring the
 * workbench behind and showing the bytes, their provenance and the evidence's SHA-256.
 */
class BookmarksPresentationUiTest {

	@Test
	void bookmarkRestoreAndPresent(@TempDir Path tmp) throws Exception {
		Display display = Display.getCurrent();
		Path set = SampleCase.set();
		IWorkbenchPage page = PlatformUI.getWorkbench().getActiveWorkbenchWindow().getActivePage();
		FileSystemView fs = (FileSystemView) page.showView(FileSystemView.ID);
		HexDiffView hex = (HexDiffView) page.showView(HexDiffView.ID);
		TimelineView timeline = (TimelineView) page.showView(TimelineView.ID);
		fs.show(View.MERGED);

		SampleCase.create(display, tmp.resolve("case"), "UI walkthrough", SampleCase.ALL, true);
		CaseViewUiTest.waitFor(display, () -> fs.headerText().startsWith("merged view"), 10_000);

		// 1: the dirty page of a changed file, in the merged tree
		String blob = "/mnt/disk/data/blob.bin";
		select(display, fs, blob);
		CaseViewUiTest.waitFor(display, () -> hex.headerText().startsWith(blob + " ") && !hex.busy() && !hex.differingPages().isEmpty(), 20_000);
		long dirty = hex.differingPages().get(0);
		Bookmark b1 = BookmarkHandlers.bookmarkCurrent(page, "the guest's newer bytes of blob.bin, never written to disk");
		assertEquals("merged", b1.view());
		assertEquals(blob, b1.path());
		assertEquals(dirty, b1.offset());
		assertEquals(4096, b1.length());

		// 2: a file of round 2 as the disk stood then
		Map<Integer, Integer> rounds = TimelineUiTest.rounds(set);
		String r2file = ManifestFormat.read(set.resolve("manifest.round-2.tsv")).stream().map(FileRecord::path)
				.filter(p -> p.startsWith("/mnt/disk/hist/r2/")).findFirst().orElseThrow();
		timeline.setCursorA(rounds.get(2));
		fs.show(null);
		CaseViewUiTest.waitFor(display, () -> fs.headerText().contains("A — entry:" + rounds.get(2) + " "), 20_000);
		select(display, fs, r2file);
		Bookmark b2 = BookmarkHandlers.bookmarkCurrent(page, "as the disk stood after round 2");
		assertEquals("disk-at-instant", b2.view());
		assertEquals("entry:" + rounds.get(2), b2.instant());

		BookmarksView view = (BookmarksView) page.showView(BookmarksView.ID);
		CaseViewUiTest.waitFor(display, () -> view.viewer().getTable().getItemCount() == 2, 5_000);
		assertEquals(2, CaseSession.get().current().custodyLog().stream().map(CustodyEntry::action).filter("bookmark-added"::equals).count());
		CaseViewUiTest.screenshot(display, page.getWorkbenchWindow().getShell(), "bookmarks.png");

		// elsewhere, then open bookmark 2: its tree, instant and selection come back
		timeline.setCursorA(CaseSession.get().history().journal().entryCount());
		fs.show(View.MERGED);
		CaseViewUiTest.waitFor(display, () -> fs.headerText().startsWith("merged view"), 10_000);
		view.open(b2);
		CaseViewUiTest.waitFor(display, () -> fs.shown() == null && selectedPath(fs).equals(r2file), 20_000);
		assertEquals(rounds.get(2).intValue(), CaseSession.get().cursorA().entryCount());

		// presentation: full screen, arrow keys, each step restores the workbench and shows bytes, provenance, hashes
		String memorySha = CaseViewUiTest.sha256sum(set.resolve("memory.elf"));
		PresentationMode p = PresentationMode.open(page, CaseSession.get().current().bookmarks());
		try {
			CaseViewUiTest.waitFor(display, () -> p.shown() != null && p.index() == 0, 20_000);
			assertTrue(p.text().contains("the guest's newer bytes of blob.bin"), p.text());
			assertTrue(p.text().contains("memory.elf  SHA-256 " + memorySha), p.text());
			assertTrue(p.text().contains("dirty page"), p.text());
			CaseViewUiTest.waitFor(display, () -> fs.shown() == View.MERGED && selectedPath(fs).equals(blob), 20_000);
			CaseViewUiTest.waitFor(display, () -> hex.pageOffset() == dirty && !hex.busy(), 20_000);
			CaseViewUiTest.screenshot(display, p.shell(), "presentation-1.png");
			key(display, SWT.ARROW_RIGHT);
			CaseViewUiTest.waitFor(display, () -> p.shown() != null && p.index() == 1, 20_000);
			assertTrue(p.text().contains("entry:" + rounds.get(2)), p.text());
			assertTrue(p.text().contains("last written by journal entry ") || p.text().contains("the base image"), p.text());
			try {
				CaseViewUiTest.waitFor(display, () -> fs.shown() == null && selectedPath(fs).equals(r2file), 20_000);
			} catch (AssertionError e) {
				fail("tree " + fs.shown() + ", header " + fs.headerText() + ", selected " + selectedPath(fs) + ", cursor A " + CaseSession.get().cursorA());
			}
			CaseViewUiTest.screenshot(display, p.shell(), "presentation-2.png");
			key(display, SWT.ARROW_LEFT);
			CaseViewUiTest.waitFor(display, () -> p.shown() != null && p.index() == 0, 20_000);
			key(display, SWT.ESC);
			CaseViewUiTest.waitFor(display, () -> p.shell().isDisposed(), 5_000);
		} finally {
			if (!p.shell().isDisposed()) p.shell().close();
		}
		fs.show(View.MERGED);
		Job.getJobManager().join(CaseJobs.FAMILY, null);
		CaseSession.get().close();
	}

	static void select(Display display, FileSystemView fs, String path) throws Exception {
		CaseViewUiTest.waitFor(display, () -> fs.viewer().getTree().getItemCount() == 1, 10_000);
		TreeItem item = AnalysisViewsUiTest.find(fs, path);
		assertNotNull(item, path + " not in the tree");
		fs.viewer().setSelection(new StructuredSelection(item.getData()), true);
		PlatformUI.getWorkbench().getActiveWorkbenchWindow().getActivePage().activate(fs);
	}

	static String selectedPath(FileSystemView fs) {
		return fs.viewer().getStructuredSelection().getFirstElement() instanceof FileSystemView.Node n ? n.path() : "";
	}

	/** A key pressed and released through the window system (a printable key by its character, others by code). */
	static void key(Display d, int keyCode) {
		for (int type : new int[] { SWT.KeyDown, SWT.KeyUp }) {
			Event e = new Event();
			e.type = type;
			if ((keyCode & SWT.KEYCODE_BIT) == 0 && keyCode >= 0x20 && keyCode < 0x7f) e.character = (char) keyCode;
			else e.keyCode = keyCode;
			assertTrue(d.post(e), "Display.post of key " + keyCode);
		}
	}
}
