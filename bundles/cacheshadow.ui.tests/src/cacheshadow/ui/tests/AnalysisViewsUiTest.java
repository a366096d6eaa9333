package cacheshadow.ui.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.TreeItem;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.PlatformUI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.merge.View;
import cacheshadow.ui.CaseJobs;
import cacheshadow.ui.CaseSession;
import cacheshadow.ui.FileSystemView;
import cacheshadow.ui.HexDiffView;

/**
 * The sample's memory and stale disk analyzed in the workbench: the File System view shows phase-2 files as
 * cache-only and deleted ones as deleted, the Hex Diff view the dirty pages of a changed file against its disk
 * blocks; screenshots of the window are saved.
 */
class AnalysisViewsUiTest {

	@Test
	void analyzeSampleShowsStatusesAndHexDiff(@TempDir Path tmp) throws Exception {
		Display display = Display.getCurrent();
		IWorkbenchPage page = PlatformUI.getWorkbench().getActiveWorkbenchWindow().getActivePage();
		FileSystemView fs = (FileSystemView) page.showView(FileSystemView.ID);
		HexDiffView hex = (HexDiffView) page.showView(HexDiffView.ID);
		fs.show(View.MERGED); // whatever tree an earlier test left it on

		SampleCase.create(display, tmp.resolve("case"), "UI analysis", List.of("memory.elf", "disk.img", "kernel/vmlinux.btf", "kernel/System.map"), true);
		CaseViewUiTest.waitFor(display, () -> fs.viewer().getTree().getItemCount() == 1, 10_000);

		// phase-2 file: only in the caches; a file deleted in phase 2: deleted
		String newFile = "/mnt/disk/new/p2_file_1.txt";
		assertEquals("cache-only", statusShown(fs, newFile));
		String changed = "/mnt/disk/data/blob.bin";
		assertTrue(statusShown(fs, changed).startsWith("differs"), statusShown(fs, changed));
		fs.show(View.DISK_ONLY);
		CaseViewUiTest.waitFor(display, () -> fs.viewer().getTree().getItemCount() == 1, 10_000);
		// phase 2 renamed file_1.txt: the disk's old name is deleted in the guest's view, with where it went
		assertEquals("deleted renamed-to=/mnt/disk/docs/renamed_file_1.txt", statusShown(fs, "/mnt/disk/srv/archive/file_1.txt"));
		assertTrue(statusShown(fs, "/mnt/disk/srv/archive/file_6.txt").startsWith("deleted"));
		assertNull(find(fs, newFile), "the disk-only view has no phase-2 file");
		fs.show(View.MERGED);
		CaseViewUiTest.waitFor(display, () -> fs.viewer().getTree().getItemCount() == 1, 10_000);

		TreeItem blob = find(fs, changed);
		fs.viewer().setSelection(new StructuredSelection(blob.getData()), true);
		page.activate(fs);
		CaseViewUiTest.waitFor(display, () -> hex.headerText().startsWith(changed), 10_000);
		assertTrue(hex.headerText().contains("dirty page"), hex.headerText());
		assertTrue(hex.headerText().contains("disk block"), hex.headerText());
		assertFalse(hex.differingPages().isEmpty());
		assertEquals(hex.differingPages().get(0).longValue(), hex.pageOffset());
		CaseViewUiTest.screenshot(display, fs.getSite().getShell(), "analysis-merged-hexdiff.png");
		CaseSession.get().close();
	}

	static String statusShown(FileSystemView fs, String path) {
		TreeItem i = find(fs, path);
		assertNotNull(i, path + " not in the tree");
		return i.getText(1);
	}

	/** Expands the tree along {@code path} and returns its item, or null. */
	static TreeItem find(FileSystemView fs, String path) {
		TreeItem cur = fs.viewer().getTree().getItem(0);
		String root = ((FileSystemView.Node) cur.getData()).path();
		if (path.equals(root)) return cur;
		String rel = root.equals("/") ? path.substring(1) : path.startsWith(root + "/") ? path.substring(root.length() + 1) : null;
		if (rel == null) return null;
		String[] parts = rel.split("/");
		for (String part : parts) {
			fs.viewer().setExpandedState(cur.getData(), true);
			TreeItem next = null;
			for (TreeItem c : cur.getItems()) if (part.equals(c.getText(0))) next = c;
			if (next == null) return null;
			cur = next;
		}
		return cur;
	}
}
