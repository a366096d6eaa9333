package cacheshadow.ui.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.jface.viewers.AbstractTreeViewer;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.Color;
import org.eclipse.swt.graphics.Point;
import org.eclipse.swt.graphics.RGB;
import org.eclipse.swt.graphics.Rectangle;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Spinner;
import org.eclipse.swt.widgets.Text;
import org.eclipse.swt.widgets.TreeItem;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.handlers.IHandlerService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.cases.Case;
import cacheshadow.cases.CustodyEntry;
import cacheshadow.cases.EvidenceItem;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.ManifestFormat;
import cacheshadow.merge.LiveChanges;
import cacheshadow.merge.LiveWatch;
import cacheshadow.testing.GuestShell;
import cacheshadow.ui.AttachDialog;
import cacheshadow.ui.AttachedGuest;
import cacheshadow.ui.CaseJobs;
import cacheshadow.ui.CaseSession;
import cacheshadow.ui.CaseView;
import cacheshadow.ui.CustodyView;
import cacheshadow.ui.FileSystemView;
import cacheshadow.ui.LiveStatusLine;

/**
 * The workbench attached to the real running guest that releng/test.sh boots ({@code -Dcacheshadow.live=DIR}),
 * driven as an examiner drives it: Case > Attach to a Running Guest… (the dialog filled in and its Attach button
 * clicked), the File System view shows the guest's merged view (every path and size of the guest's own listing under
 * /mnt/disk and /mnt/tmp) with the first refresh's differences from the disk on yellow, the status line gives the
 * refresh and pause times; Refresh Guest refreshes again (with the guest shell of releng/live-guest.sh: after the guest
 * wrote a new file on its tmpfs, which with its directory are then the changes, yellow; without it: no changes,
 * nothing yellow); Snapshot Now adds
 * the guest's RAM and disk to the case, hashed as sha256sum hashes them, with custody entries; Detach, and an attach
 * refreshing every 2 s by itself; closing the case detaches and logs it; the snapshot then analyzes like any snapshot.
 * Screenshots of each step.
 */
@EnabledIfSystemProperty(named = "cacheshadow.live", matches = ".+")
class LiveGuestUiTest {
	private static final RGB YELLOW = new RGB(255, 236, 140);

	@Test
	void attachRefreshSnapshotDetach(@TempDir Path tmp) throws Exception {
		Path dir = cacheshadow.testing.LiveGuestDir.await();
		Display display = Display.getCurrent();
		IWorkbenchPage page = PlatformUI.getWorkbench().getActiveWorkbenchWindow().getActivePage();
		Shell window = page.getWorkbenchWindow().getShell();
		IHandlerService handlers = PlatformUI.getWorkbench().getService(IHandlerService.class);
		FileSystemView fs = (FileSystemView) page.showView(FileSystemView.ID);
		CaseView caseView = (CaseView) page.showView(CaseView.ID);
		Path caseDir = tmp.resolve("case");
		CaseSession.get().create(caseDir, "Live guest UI test");

		// Case > Attach to a Running Guest…: the dialog, filled in and its Attach button clicked (refresh on demand)
		String[] dialogProblem = { null };
		display.timerExec(300, new Runnable() {
			int tries;

			@Override
			public void run() {
				Shell s = dialogShell(display);
				if (s == null || !s.isVisible() || button(s, "Attach", new ArrayList<>()) == null) { // open, whole and shown
					if (++tries < 100) display.timerExec(100, this);
					else dialogProblem[0] = "the attach dialog did not open";
					return;
				}
				try {
					((Spinner) field(s, "every")).setSelection(0);
					((Text) field(s, "liveDir")).setText(dir.toString());
					CaseViewUiTest.screenshot(display, s, "live-attach-dialog.png");
					Button attach = button(s, "Attach");
					assertTrue(attach.isEnabled(), "Attach is enabled for " + dir);
					realClick(display, attach);
				} catch (Throwable t) {
					dialogProblem[0] = t.toString();
					s.close();
				}
			}
		});
		handlers.executeCommand("cacheshadow.ui.case.attach", null);
		assertNull(dialogProblem[0]);
		CaseViewUiTest.waitFor(display, () -> AttachedGuest.current() != null && AttachedGuest.current().lastStep() != null
				|| AttachedGuest.current() != null && AttachedGuest.current().problem() != null, 180_000);
		AttachedGuest g = AttachedGuest.current();
		assertNull(g.problem());
		LiveWatch.Step first = g.lastStep();
		assertEquals(1, first.number());
		CaseViewUiTest.waitFor(display, () -> fs.headerText().startsWith("Running guest, refresh 1 at "), 10_000);
		String status = LiveStatusLine.text();
		assertTrue(status.matches("Guest " + java.util.regex.Pattern.quote(dir.toString()) + " — refresh 1 at \\d\\d:\\d\\d:\\d\\dZ: paused \\d+ ms, refresh \\d+ ms, "
				+ first.changes().size() + " changes since the disk — on demand"), status);

		// the tree is the guest's own listing under /mnt/disk and /mnt/tmp: every path, its type and size
		Map<String, String[]> rows = new TreeMap<>();
		rows.putAll(rowsUnder(display, fs, "/mnt/disk"));
		rows.putAll(rowsUnder(display, fs, "/mnt/tmp"));
		List<FileRecord> manifest = ManifestFormat.read(dir.resolve("manifest.tsv"));
		Set<String> expected = new TreeSet<>();
		for (FileRecord r : manifest) expected.add(r.path());
		assertEquals(expected, rows.keySet(), "the File System view shows the running guest's files");
		for (FileRecord r : manifest) {
			assertEquals(r.type().label(), rows.get(r.path())[2], r.path());
			if (r.type().isRegular()) assertEquals(Long.toString(r.size()), rows.get(r.path())[5], r.path());
		}
		// the first refresh's changes (against the disk) are highlighted, the rest is not
		Set<String> changed = new TreeSet<>();
		for (LiveChanges.Change c : first.changes()) changed.add(c.path());
		assertEquals(changed, fs.highlighted());
		String created = Files.readAllLines(dir.resolve("expect.tsv")).stream().filter(l -> l.startsWith("absent\t")).findFirst().orElseThrow().split("\t")[1];
		assertTrue(changed.contains(created), created + " in " + changed);
		assertEquals(YELLOW, background(fs, created), created + " is highlighted");
		String same = manifest.stream().map(FileRecord::path).filter(p -> p.startsWith("/mnt/disk/") && !changed.contains(p)).findFirst().orElseThrow();
		assertNotEquals(YELLOW, background(fs, same), same + " is not highlighted");
		FindingsCustodyUiTest.maximized(page, fs, true); // the tree and the status line, large
		fs.select(created);
		CaseViewUiTest.screenshot(display, window, "live-refresh-1.png");

		// Refresh Guest (Ctrl+F5): the guest writes a new file first when it has the guest shell
		String written = "/mnt/tmp/live-ui-" + System.nanoTime() + ".txt";
		boolean guestChanges = GuestShell.present(dir);
		if (guestChanges) GuestShell.ok(dir, "echo written while attached > " + written);
		else System.out.println("LiveGuestUiTest: no guest shell in " + dir + " (guest.sock): the second refresh expects no change");
		try {
			handlers.executeCommand("cacheshadow.ui.case.refreshGuest", null);
			CaseViewUiTest.waitFor(display, () -> g.lastStep().number() == 2, 60_000);
		} finally {
			if (guestChanges) GuestShell.ok(dir, "rm -f " + written); // the guest as the later checks (and tests) expect it
		}
		LiveWatch.Step second = g.lastStep();
		CaseViewUiTest.waitFor(display, () -> fs.headerText().startsWith("Running guest, refresh 2 at ") && LiveStatusLine.text().contains("refresh 2 at"), 10_000);
		status = LiveStatusLine.text();
		System.out.println("LiveGuestUiTest: " + status);
		if (guestChanges) {
			// the new file, and its directory (a new entry: size and times)
			assertEquals(List.of(new LiveChanges.Change("changed", "/mnt/tmp", "size,times"), new LiveChanges.Change("tmpfs", written, null)), second.changes());
			assertEquals(Set.of("/mnt/tmp", written), fs.highlighted());
			assertTrue(fs.select(written), written);
			assertEquals(YELLOW, background(fs, written));
			assertNotEquals(YELLOW, background(fs, created), "refresh 1's change is no longer highlighted");
			assertTrue(status.endsWith(", 2 changes since refresh 1 — on demand"), status);
		} else {
			assertEquals(List.of(), second.changes(), "the idle guest changed nothing");
			assertEquals(Set.of(), fs.highlighted());
			assertNotEquals(YELLOW, background(fs, created));
			assertTrue(status.endsWith(", 0 changes since refresh 1 — on demand"), status);
		}
		assertTrue(status.matches("Guest .* — refresh 2 at \\d\\d:\\d\\d:\\d\\dZ: paused \\d+ ms, refresh \\d+ ms, .*"), status);
		CaseViewUiTest.screenshot(display, window, "live-refresh-2.png");
		FindingsCustodyUiTest.maximized(page, fs, false);

		// Snapshot Now (Ctrl+Shift+S): RAM and disk into the case, hashed, in the custody log
		Case c = CaseSession.get().current();
		int before = c.evidence().size();
		handlers.executeCommand("cacheshadow.ui.case.snapshotNow", null);
		CaseViewUiTest.waitFor(display, () -> {
			try {
				return c.evidence().size() == before + 2 && c.evidence().stream().allMatch(e -> e.sha256() != null);
			} catch (Exception e) {
				return false;
			}
		}, 120_000);
		Job.getJobManager().join(CaseJobs.FAMILY, null);
		List<EvidenceItem> ev = c.evidence();
		EvidenceItem memory = ev.get(before), disk = ev.get(before + 1);
		assertEquals("memory.elf", memory.fileName());
		assertEquals("disk.img", disk.fileName());
		assertTrue(Path.of(memory.path()).startsWith(caseDir.toRealPath().resolve("live")) || Path.of(memory.path()).startsWith(caseDir.resolve("live")),
				memory.path());
		assertEquals(CaseViewUiTest.sha256sum(Path.of(memory.path())), memory.sha256());
		assertEquals(CaseViewUiTest.sha256sum(Path.of(disk.path())), disk.sha256());
		assertEquals(CaseViewUiTest.sha256sum(dir.resolve("disk.img")), disk.sha256(), "the guest's disk as it stood");
		List<String> actions = c.custodyLog().stream().map(CustodyEntry::action).toList();
		int at = actions.indexOf("live-snapshot");
		assertTrue(at > 0, actions.toString());
		assertEquals(List.of("live-snapshot", "evidence-added", "evidence-hashed", "evidence-added", "evidence-hashed"), actions.subList(at, at + 5));
		assertTrue(actions.contains("live-attached"), actions.toString());
		CaseViewUiTest.waitFor(display, () -> caseView.viewer().getTable().getItemCount() == before + 2, 10_000);
		assertEquals(memory.sha256(), caseView.viewer().getTable().getItem(before).getText(4));
		assertEquals(disk.sha256(), caseView.viewer().getTable().getItem(before + 1).getText(4));
		assertTrue(g.lastStep().number() >= 2 && AttachedGuest.current() == g, "still attached after the snapshot");
		page.showView(CustodyView.ID);
		CaseViewUiTest.screenshot(display, window, "live-snapshot.png");

		// Detach; attached again, refreshing every 2 s by itself
		handlers.executeCommand("cacheshadow.ui.case.detach", null);
		assertNull(AttachedGuest.current());
		assertTrue(g.detached());
		CaseViewUiTest.waitFor(display, () -> LiveStatusLine.text().endsWith("detached after 2 refresh(es)"), 10_000);
		assertEquals("live-detached", last(c).action());
		Job again = AttachedGuest.attach(new AttachedGuest.Request(dir, null, null, null, 2));
		CaseViewUiTest.waitFor(display, () -> again.getResult() != null, 120_000);
		assertTrue(again.getResult().isOK(), again.getResult().getMessage());
		AttachedGuest h = AttachedGuest.current();
		CaseViewUiTest.waitFor(display, () -> h.lastStep() != null && h.lastStep().number() >= 3, 60_000);
		LiveWatch.Step third = h.lastStep();
		assertEquals(List.of(), third.changes(), "nothing changed between the interval's refreshes");
		CaseViewUiTest.waitFor(display, () -> LiveStatusLine.text().contains("refresh " + third.number() + " at")
				&& LiveStatusLine.text().endsWith("every 2 s"), 10_000);
		CaseViewUiTest.screenshot(display, window, "live-interval.png");

		// closing the case detaches first, and says so in its log; the snapshot then analyzes like any snapshot
		CaseSession.get().close();
		assertTrue(h.detached());
		assertNull(AttachedGuest.current());
		try (Case reopened = Case.open(caseDir)) {
			assertEquals("live-detached", last(reopened).action());
			assertTrue(reopened.custodyChain().intact());
		}
		CaseSession.get().open(caseDir);
		Job analyze = CaseJobs.analyze();
		analyze.schedule();
		CaseViewUiTest.waitFor(display, () -> analyze.getResult() != null, 300_000);
		assertTrue(analyze.getResult().isOK(), analyze.getResult().getMessage());
		CaseViewUiTest.waitFor(display, () -> fs.headerText().startsWith("merged view"), 10_000);
		Map<String, String[]> snap = rowsUnder(display, fs, "/mnt/disk");
		Set<String> underDisk = new TreeSet<>();
		for (String p : expected) if (p.equals("/mnt/disk") || p.startsWith("/mnt/disk/")) underDisk.add(p);
		assertEquals(underDisk, snap.keySet(), "the snapshot's merged view is the guest's listing");
		assertEquals(Set.of(), fs.highlighted(), "a snapshot's analysis highlights nothing");
		CaseViewUiTest.screenshot(display, window, "live-snapshot-analyzed.png");
		CaseSession.get().close();
	}

	private static CustodyEntry last(Case c) throws Exception {
		List<CustodyEntry> l = c.custodyLog();
		return l.get(l.size() - 1);
	}

	/** The attach dialog's shell, when open. */
	private static Shell dialogShell(Display d) {
		for (Shell s : d.getShells()) if (!s.isDisposed() && s.getData() instanceof AttachDialog) return s;
		return null;
	}

	private static Control field(Composite c, String key) {
		for (Control k : c.getChildren()) {
			if (key.equals(k.getData("cacheshadow.field"))) return k;
			if (k instanceof Composite sub) {
				Control f = field(sub, key);
				if (f != null) return f;
			}
		}
		return null;
	}

	private static Button button(Composite c, String text) {
		List<String> seen = new ArrayList<>();
		Button b = button(c, text, seen);
		if (b == null) throw new AssertionError("no button " + text + " among " + seen);
		return b;
	}

	private static Button button(Composite c, String text, List<String> seen) {
		for (Control k : c.getChildren()) {
			if (k instanceof Button b) {
				seen.add(b.getText());
				if (text.equals(b.getText().replace("&", ""))) return b;
			}
			if (k instanceof Composite sub) {
				Button f = button(sub, text, seen);
				if (f != null) return f;
			}
		}
		return null;
	}

	/** A real click (X events through Xvfb) in the middle of a button. */
	private static void realClick(Display d, Button b) throws Exception {
		b.getShell().forceActive();
		Rectangle r = b.getBounds();
		Point p = b.getParent().toDisplay(r.x + r.width / 2, r.y + r.height / 2);
		CaseViewUiTest.post(d, SWT.MouseMove, p.x, p.y, 0);
		FileSystemPropertiesUiTest.pump(d, 150);
		CaseViewUiTest.post(d, SWT.MouseDown, p.x, p.y, 1);
		FileSystemPropertiesUiTest.pump(d, 100);
		CaseViewUiTest.post(d, SWT.MouseUp, p.x, p.y, 1);
	}

	/** Every row at and below {@code path} (opened whole): path → cells. */
	private static Map<String, String[]> rowsUnder(Display d, FileSystemView fs, String path) throws Exception {
		assertTrue(fs.select(path), path + " in the tree");
		TreeItem item = fs.viewer().getTree().getSelection()[0];
		fs.viewer().expandToLevel(item.getData(), AbstractTreeViewer.ALL_LEVELS);
		Map<String, String[]> out = new TreeMap<>();
		collect(item, out);
		return out;
	}

	private static void collect(TreeItem item, Map<String, String[]> out) {
		String[] cells = new String[item.getParent().getColumnCount()];
		for (int c = 0; c < cells.length; c++) cells[c] = item.getText(c);
		out.put(((FileSystemView.Node) item.getData()).path(), cells);
		for (TreeItem c : item.getItems()) collect(c, out);
	}

	/** The background of a path's row as drawn (selected first, so its row exists). */
	private static RGB background(FileSystemView fs, String path) {
		assertTrue(fs.select(path), path);
		fs.viewer().setSelection(org.eclipse.jface.viewers.StructuredSelection.EMPTY); // the selection colour would hide it
		for (TreeItem i : all(fs.viewer().getTree().getItems(), new ArrayList<>())) {
			if (i.getData() instanceof FileSystemView.Node n && n.path().equals(path)) {
				Color c = i.getBackground(0);
				return c == null ? null : c.getRGB();
			}
		}
		throw new AssertionError("no row for " + path);
	}

	private static List<TreeItem> all(TreeItem[] items, List<TreeItem> out) {
		for (TreeItem i : items) {
			out.add(i);
			all(i.getItems(), out);
		}
		return out;
	}
}
