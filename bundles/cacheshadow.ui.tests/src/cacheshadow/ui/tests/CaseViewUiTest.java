package cacheshadow.ui.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.eclipse.core.runtime.Platform;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.GC;
import org.eclipse.swt.graphics.Image;
import org.eclipse.swt.graphics.ImageData;
import org.eclipse.swt.graphics.ImageLoader;
import org.eclipse.swt.graphics.Point;
import org.eclipse.swt.graphics.Rectangle;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Event;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Table;
import org.eclipse.swt.widgets.TableItem;
import org.eclipse.ui.IPageLayout;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.views.properties.IPropertySource;
import org.eclipse.ui.views.properties.PropertySheet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.cases.EvidenceItem;
import cacheshadow.ui.CaseJobs;
import cacheshadow.ui.CaseSession;
import cacheshadow.ui.CaseView;

/**
 * In the started workbench under Xvfb: a case is created, real sample evidence added through the view's Job, the
 * table shows the formats and the same SHA-256 as sha256sum, a click selects a row for the Properties view, and
 * a screenshot of the window is saved for a human to look at.
 */
class CaseViewUiTest {

	@Test
	void createCaseAddSampleEvidenceAndShowHashes(@TempDir Path tmp) throws Exception {
		Display display = Display.getCurrent();
		assertNotNull(display, "not on the UI thread");
		Path set = Path.of(System.getProperty("cacheshadow.samples", "-"), "debian-6.1-kaslr");
		assertTrue(Files.isDirectory(set), "no sample set at " + set);
		IWorkbenchPage page = PlatformUI.getWorkbench().getActiveWorkbenchWindow().getActivePage();
		CaseView view = (CaseView) page.showView(CaseView.ID);

		CaseSession.get().create(tmp.resolve("case"), "UI test case");
		List<Path> files = List.of(set.resolve("memory.elf"), set.resolve("disk.img"), set.resolve("writes.log"),
				set.resolve("kernel/vmlinux.btf"), set.resolve("kernel/System.map"));
		Job job = CaseJobs.addEvidence(files);
		job.schedule();
		waitFor(display, () -> job.getResult() != null, 120_000);
		assertTrue(job.getResult().isOK(), job.getResult().getMessage());
		waitFor(display, () -> view.viewer().getTable().getItemCount() == files.size(), 10_000);

		Table table = view.viewer().getTable();
		for (int i = 0; i < files.size(); i++) {
			TableItem row = table.getItem(i);
			assertEquals(files.get(i).getFileName().toString(), row.getText(1));
			assertEquals(sha256sum(files.get(i)), row.getText(4), "hash shown for " + files.get(i));
			assertEquals("HASHED", row.getText(5));
		}
		assertEquals("memory snapshot (ELF core)", table.getItem(0).getText(2));

		// a real click (X events through Xvfb) on the disk row selects it for the Properties view
		page.showView(IPageLayout.ID_PROP_SHEET);
		page.activate(view);
		view.getSite().getShell().forceActive();
		Rectangle b = table.getItem(1).getBounds(1);
		Point p = table.toDisplay(b.x + b.width / 2, b.y + b.height / 2);
		post(display, SWT.MouseMove, p.x, p.y, 0);
		post(display, SWT.MouseDown, p.x, p.y, 1);
		post(display, SWT.MouseUp, p.x, p.y, 1);
		waitFor(display, () -> !view.viewer().getSelection().isEmpty(), 5_000);
		Object sel = ((StructuredSelection) view.viewer().getSelection()).getFirstElement();
		assertEquals("disk.img", ((EvidenceItem) sel).fileName());
		assertInstanceOf(PropertySheet.class, page.findView(IPageLayout.ID_PROP_SHEET));
		IPropertySource props = Platform.getAdapterManager().getAdapter(sel, IPropertySource.class);
		assertNotNull(props, "evidence adapts to the Properties view");
		assertEquals(files.get(1).toString(), props.getPropertyValue("path"));

		Job verify = CaseJobs.verify();
		verify.schedule();
		waitFor(display, () -> verify.getResult() != null, 120_000);
		assertTrue(verify.getResult().isOK(), verify.getResult().getMessage());
		waitFor(display, () -> "VERIFIED".equals(table.getItem(0).getText(5)), 10_000);
		assertEquals("disk.img", ((EvidenceItem) view.viewer().getStructuredSelection().getFirstElement()).fileName(),
				"the selection survives the refresh after verification");
		screenshot(display, view.getSite().getShell(), "case-view.png");
		CaseSession.get().close();
	}

	static String sha256sum(Path f) throws Exception {
		Process p = new ProcessBuilder("sha256sum", f.toString()).start();
		String out = new String(p.getInputStream().readAllBytes());
		assertEquals(0, p.waitFor());
		return out.split("\\s+")[0];
	}

	/** The items of the window's menu {@code name} as shown (without mnemonics and keys); made by showing it. */
	static java.util.List<String> menuItems(org.eclipse.swt.widgets.Shell shell, String name) {
		java.util.List<String> items = new java.util.ArrayList<>();
		for (org.eclipse.swt.widgets.MenuItem i : shell.getMenuBar().getItems()) {
			if (!i.getText().replace("&", "").equals(name)) continue;
			i.getMenu().notifyListeners(SWT.Show, new Event()); // the menu's items are made when it is shown
			for (org.eclipse.swt.widgets.MenuItem k : i.getMenu().getItems()) items.add(k.getText().replace("&", "").split("\t")[0]);
		}
		return items;
	}

	static void waitFor(Display d, java.util.function.BooleanSupplier cond, long millis) throws InterruptedException {
		long end = System.currentTimeMillis() + millis;
		while (!cond.getAsBoolean()) {
			assertTrue(System.currentTimeMillis() < end, "timed out waiting");
			if (!d.readAndDispatch()) Thread.sleep(20);
		}
		while (d.readAndDispatch()) {
		}
	}

	static void post(Display d, int type, int x, int y, int button) {
		Event e = new Event();
		e.type = type;
		e.x = x;
		e.y = y;
		e.button = button;
		assertTrue(d.post(e), "Display.post failed");
		while (d.readAndDispatch()) {
		}
	}

	/** Saves the shell as PNG under -Dcacheshadow.screenshots (the module's target/screenshots). */
	static Path screenshot(Display d, Shell shell, String name) throws Exception {
		// let the X server repaint what the last model changes invalidated before copying the screen
		shell.redraw(0, 0, shell.getBounds().width, shell.getBounds().height, true);
		shell.update();
		long until = System.currentTimeMillis() + 500;
		while (System.currentTimeMillis() < until) {
			if (!d.readAndDispatch()) Thread.sleep(20);
		}
		Rectangle r = shell.getBounds();
		Image img = new Image(d, r.width, r.height);
		GC gc = new GC(d);
		gc.copyArea(img, r.x, r.y);
		gc.dispose();
		ImageData data = img.getImageData();
		img.dispose();
		Path dir = Path.of(System.getProperty("cacheshadow.screenshots", "target/screenshots"));
		Files.createDirectories(dir);
		Path out = dir.resolve(name);
		ImageLoader l = new ImageLoader();
		l.data = new ImageData[] { data };
		l.save(out.toString(), SWT.IMAGE_PNG);
		assertTrue(Files.size(out) > 10_000, "screenshot " + out + " is suspiciously small");
		return out;
	}
}
