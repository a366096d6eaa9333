package cacheshadow.ui.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Event;
import org.eclipse.swt.widgets.Table;
import org.eclipse.swt.widgets.TableItem;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.PlatformUI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.caches.CacheAnalysis;
import cacheshadow.caches.CachedEntry;
import cacheshadow.caches.MemoryWindow;
import cacheshadow.cases.Case;
import cacheshadow.cases.CustodyEntry;
import cacheshadow.listing.Finding;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.pagecache.BlockDeviceCache;
import cacheshadow.pagecache.CachedPage;
import cacheshadow.ui.CaseJobs;
import cacheshadow.ui.CaseSession;
import cacheshadow.ui.CustodyView;
import cacheshadow.ui.FileSystemView;
import cacheshadow.ui.FindingsView;
import cacheshadow.ui.SnapshotHexView;

/**
 * The Findings and Custody views on the real sample: the clean sample's findings (it has none) and a hostile copy of
 * its memory snapshot with three planted anomalies (a dentry whose d_parent points at itself, a dentry whose d_inode
 * points into unmapped memory, a doctored inode-table copy in the block-device cache) plus a truncated write journal.
 * The table must hold exactly the analysis' findings and the journal's warnings; sorting, the severity toggles,
 * opening a path (selected in the File System view) and an address (the snapshot's bytes, or "not mapped") are
 * driven; the Custody view must list the case's custody log and say "chain intact" after Verify. Screenshots of each
 * state are saved.
 */
class FindingsCustodyUiTest {
	private static final long NOWHERE = 0xffff_fe00_dead_0000L;

	@Test
	void findingsAndCustodyOfACleanAndAHostileCase(@TempDir Path tmp) throws Exception {
		Display display = Display.getCurrent();
		Path set = Path.of(System.getProperty("cacheshadow.samples", "-"), "debian-6.1-kaslr");
		assertTrue(Files.isDirectory(set), "no sample set at " + set);
		IWorkbenchPage page = PlatformUI.getWorkbench().getActiveWorkbenchWindow().getActivePage();
		page.getWorkbenchWindow().getShell().setSize(1500, 1000);
		FileSystemView fs = (FileSystemView) page.showView(FileSystemView.ID);
		CustodyView custody = (CustodyView) page.showView(CustodyView.ID);
		FindingsView findings = (FindingsView) page.showView(FindingsView.ID);

		// ---- the clean sample
		CaseSession.get().create(tmp.resolve("clean"), "UI findings (clean)");
		run(display, CaseJobs.addEvidence(List.of(set.resolve("memory.elf"), set.resolve("disk.img"), set.resolve("kernel/vmlinux.btf"),
				set.resolve("kernel/System.map"))));
		run(display, CaseJobs.analyze());
		MergedFileSystem clean = CaseSession.get().analysis();
		assertNotNull(clean);
		CaseViewUiTest.waitFor(display, () -> findings.headerText().startsWith(clean.findings().size() + " finding(s)"), 10_000);
		assertSameFindings(clean.findings(), findings);
		System.out.println("findings UI: the clean sample has " + clean.findings().size() + " finding(s)");
		page.activate(findings);
		CaseViewUiTest.screenshot(display, page.getWorkbenchWindow().getShell(), "findings-clean.png");
		assertCustody(display, page, custody, "custody-clean.png");

		// ---- a hostile copy of the snapshot, planted with what the clean analysis says is where
		Plants plants = plant(clean, set, tmp.resolve("hostile"));
		CaseSession.get().close();
		CaseViewUiTest.waitFor(display, () -> findings.headerText().startsWith("No case open."), 10_000);
		assertEquals(0, findings.viewer().getTable().getItemCount());

		CaseSession.get().create(tmp.resolve("hostile-case"), "UI findings (hostile)");
		// the planted journal is cut short: the workbench asks before using its whole entries (as the CLI refuses it
		// without --partial); the examiner here says yes
		String[] asked = new String[1];
		Runnable answer = PartialEvidenceUiTest.answerYes(display, CaseJobs.JOURNAL_CUT_TITLE, asked, "findings-journal-cut-question.png");
		run(display, CaseJobs.addEvidence(List.of(plants.memory(), set.resolve("disk.img"), set.resolve("kernel/vmlinux.btf"),
				set.resolve("kernel/System.map"), plants.journal())));
		CaseViewUiTest.waitFor(display, () -> CaseSession.get().history() != null, 120_000);
		display.timerExec(-1, answer);
		assertNotNull(asked[0], "asked about the journal cut short");
		assertTrue(asked[0].contains("cut short"), asked[0]);
		run(display, CaseJobs.analyze());
		MergedFileSystem m = CaseSession.get().analysis();
		List<Finding> expected = new ArrayList<>(m.findings());
		List<String> warnings = CaseSession.get().history().warnings();
		assertFalse(warnings.isEmpty(), "the truncated journal is reported as damaged");
		for (String w : warnings) expected.add(new Finding(Finding.Severity.WARNING, "journal", "writes.log", w));
		CaseViewUiTest.waitFor(display, () -> findings.all().size() == expected.size(), 10_000);
		assertSameFindings(expected, findings);
		Finding parentMismatch = find(findings, "dentry-parent-mismatch", String.format("0x%x", plants.readmeDentry()));
		Finding nowhere = find(findings, "inode-unreadable", String.format("0x%x", NOWHERE));
		Finding disagreement = find(findings, "merge-level-disagreement", "/mnt/disk/etc/app.conf");
		Finding journal = find(findings, "journal", "writes.log");
		assertEquals(Finding.Severity.WARNING, journal.severity());
		System.out.println("findings UI: hostile case: " + expected.size() + " rows: " + expected);

		// the header counts each severity, and its toggles filter
		Map<Finding.Severity, Integer> counts = new TreeMap<>();
		for (Finding f : expected) counts.merge(f.severity(), 1, Integer::sum);
		int anomalies = counts.getOrDefault(Finding.Severity.ANOMALY, 0), warns = counts.getOrDefault(Finding.Severity.WARNING, 0);
		assertTrue(anomalies >= 3 && warns >= 1, counts.toString());
		String header = findings.headerText();
		assertTrue(header.startsWith(expected.size() + " finding(s), " + expected.size() + " shown:"), header);
		assertTrue(header.contains(anomalies + " anomalies"), header);
		assertTrue(header.contains(warns + (warns == 1 ? " warning" : " warnings")), header);
		maximized(page, findings, true);
		CaseViewUiTest.screenshot(display, page.getWorkbenchWindow().getShell(), "findings-hostile.png");

		// sorting by a column header click: kind ascending, then descending; message; back to severity
		Table table = findings.viewer().getTable();
		click(table.getColumn(1));
		assertSorted(findings.rows(), Comparator.comparing(Finding::kind), "kind ascending");
		assertEquals(table.getColumn(1), table.getSortColumn());
		assertEquals(SWT.UP, table.getSortDirection());
		click(table.getColumn(1));
		assertSorted(findings.rows(), Comparator.comparing(Finding::kind).reversed(), "kind descending");
		click(table.getColumn(3));
		assertSorted(findings.rows(), Comparator.comparing(Finding::message), "message ascending");
		CaseViewUiTest.screenshot(display, page.getWorkbenchWindow().getShell(), "findings-hostile-sorted-by-message.png");
		click(table.getColumn(0));
		assertSorted(findings.rows(), Comparator.comparing(Finding::severity).reversed(), "severity, most severe first");

		Button anomalyToggle = toggle(findings, "anomal");
		Button warningToggle = toggle(findings, "warning");
		click(anomalyToggle);
		assertEquals(expected.size() - anomalies, table.getItemCount());
		assertTrue(findings.rows().stream().noneMatch(f -> f.severity() == Finding.Severity.ANOMALY));
		assertTrue(findings.headerText().startsWith(expected.size() + " finding(s), " + (expected.size() - anomalies) + " shown:"), findings.headerText());
		CaseViewUiTest.screenshot(display, page.getWorkbenchWindow().getShell(), "findings-hostile-anomalies-hidden.png");
		click(warningToggle);
		assertEquals(expected.size() - anomalies - warns, table.getItemCount());
		click(anomalyToggle);
		assertEquals(expected.size() - warns, table.getItemCount());
		assertTrue(findings.rows().stream().noneMatch(f -> f.severity() == Finding.Severity.WARNING));
		click(warningToggle);
		assertEquals(expected.size(), table.getItemCount());
		maximized(page, findings, false);

		// opening a path: Enter on its row selects it in the File System view's merged tree
		openByEnter(display, findings, disagreement);
		CaseViewUiTest.waitFor(display, () -> selectedPath(fs) != null, 10_000);
		assertEquals("/mnt/disk/etc/app.conf", selectedPath(fs));
		settle(display, 300);
		assertTrue(itemVisible(fs), "the selected path is scrolled into view");
		assertEquals(cacheshadow.merge.View.MERGED, fs.shown());
		assertTrue(findings.statusText().startsWith("Selected /mnt/disk/etc/app.conf"), findings.statusText());
		page.activate(findings);
		CaseViewUiTest.screenshot(display, page.getWorkbenchWindow().getShell(), "findings-open-path.png");

		// opening an address: the snapshot's bytes there, with the planted self-pointer in them
		findings.viewer().setSelection(new StructuredSelection(parentMismatch), true);
		table.notifyListeners(SWT.DefaultSelection, new Event()); // what a double-click sends
		SnapshotHexView hex = (SnapshotHexView) page.findView(SnapshotHexView.ID);
		assertNotNull(hex, "opening an address shows the Snapshot Hex view");
		String at = String.format("0x%x", plants.readmeDentry());
		CaseViewUiTest.waitFor(display, () -> hex.window() != null && hex.text().startsWith(at + " "), 10_000);
		assertFalse(hex.text().contains("not mapped"), hex.text());
		assertTrue(hex.text().contains(le(plants.readmeDentry())), "the d_parent planted to point at the dentry itself:\n" + hex.text());
		assertEquals(SnapshotHexView.WINDOW, hex.window().length());
		assertEquals(plants.parentPhysical(), hex.window().physical((int) (plants.readmeDentry() + plants.parentOffset() - hex.window().start())));
		page.activate(findings);
		CaseViewUiTest.screenshot(display, page.getWorkbenchWindow().getShell(), "findings-open-address.png");

		// an address the snapshot does not map
		findings.viewer().setSelection(new StructuredSelection(nowhere), true);
		table.notifyListeners(SWT.DefaultSelection, new Event());
		String nowhereText = String.format("0x%x", NOWHERE);
		CaseViewUiTest.waitFor(display, () -> hex.window() != null && hex.text().startsWith(nowhereText), 10_000);
		assertTrue(hex.text().startsWith(nowhereText + ": not mapped"), hex.text());
		assertFalse(hex.window().anyReadable());
		page.activate(findings);
		CaseViewUiTest.screenshot(display, page.getWorkbenchWindow().getShell(), "findings-open-unmapped.png");

		// the journal's warning names a file, not something to open
		findings.open(journal);
		assertTrue(findings.statusText().contains("nothing to open"), findings.statusText());

		// custody of the hostile case: every entry, then "chain intact" after Verify
		assertCustody(display, page, custody, "custody-hostile.png");

		CaseSession.get().close();
		CaseViewUiTest.waitFor(display, () -> custody.entries().isEmpty() && findings.all().isEmpty(), 10_000);
	}

	/** The view lists exactly these findings (as a multiset), in its table, cell by cell. */
	private static void assertSameFindings(List<Finding> expected, FindingsView view) {
		assertEquals(sorted(expected), sorted(view.all()));
		assertEquals(sorted(expected), sorted(view.rows()), "every finding is a row while no severity is hidden");
		Table t = view.viewer().getTable();
		assertEquals(expected.size(), t.getItemCount());
		for (int i = 0; i < t.getItemCount(); i++) {
			TableItem row = t.getItem(i);
			Finding f = (Finding) row.getData();
			assertEquals(f.severity().name().toLowerCase(), row.getText(0));
			assertEquals(f.kind(), row.getText(1));
			assertEquals(f.location(), row.getText(2));
			assertEquals(f.message().replace("\n", "\\n"), row.getText(3));
		}
	}

	private static List<String> sorted(List<Finding> l) {
		return l.stream().map(Finding::toString).sorted().toList();
	}

	private static void assertSorted(List<Finding> rows, Comparator<Finding> order, String what) {
		List<Finding> s = new ArrayList<>(rows);
		s.sort(order);
		assertEquals(s.stream().map(Finding::toString).toList(), rows.stream().map(Finding::toString).toList(), what);
	}

	private static Finding find(FindingsView v, String kind, String location) {
		return v.all().stream().filter(f -> f.kind().equals(kind) && f.location().equals(location)).findFirst()
				.orElseThrow(() -> new AssertionError("no " + kind + " at " + location + " in " + v.all()));
	}

	/** The Custody view shows the case's log entry by entry; Verify chain says it is intact, with the count. */
	private static void assertCustody(Display display, IWorkbenchPage page, CustodyView view, String screenshot) throws Exception {
		Case c = CaseSession.get().current();
		CaseViewUiTest.waitFor(display, () -> view.entries().size() == logSize(c), 10_000);
		assertCustodyRows(c, view);
		Job verify = view.verify();
		CaseViewUiTest.waitFor(display, () -> verify.getResult() != null, 300_000);
		assertTrue(verify.getResult().isOK(), verify.getResult().getMessage());
		CaseViewUiTest.waitFor(display, () -> view.verdictText().contains("chain intact"), 10_000);
		assertTrue(view.verdictText().contains("chain intact (" + c.custodyLog().size() + " entries)"), view.verdictText());
		assertEquals("verified", c.custodyLog().get(c.custodyLog().size() - 1).action());
		CaseViewUiTest.waitFor(display, () -> view.entries().size() == logSize(c), 10_000);
		assertCustodyRows(c, view);
		// an entry whose content no longer matches its hash is red; the real ones are not
		CustodyEntry e = c.custodyLog().get(0);
		assertNull(view.rowColor(e));
		CustodyEntry altered = new CustodyEntry(e.seq(), e.at(), e.actor(), e.action(), e.detail() + " (edited)", e.prevHash(), e.hash());
		assertNotNull(view.rowColor(altered));
		maximized(page, view, true);
		CaseViewUiTest.screenshot(display, page.getWorkbenchWindow().getShell(), screenshot);
		maximized(page, view, false);
		assertEquals(200, view.rowColor(altered).getRed());
		assertEquals(0, view.rowColor(altered).getGreen());
	}

	private static void assertCustodyRows(Case c, CustodyView view) throws Exception {
		List<CustodyEntry> log = c.custodyLog();
		assertEquals(log, view.entries());
		Table t = view.viewer().getTable();
		assertEquals(log.size(), t.getItemCount());
		for (int i = 0; i < log.size(); i++) {
			assertEquals(Long.toString(log.get(i).seq()), t.getItem(i).getText(0), "newest last");
			assertEquals(log.get(i).action(), t.getItem(i).getText(3));
			assertNull(view.rowColor(log.get(i)), "entry " + log.get(i).seq() + " is intact");
		}
		assertEquals("case-created", t.getItem(0).getText(3));
	}

	private static int logSize(Case c) {
		try {
			return c.custodyLog().size();
		} catch (IOException e) {
			throw new AssertionError(e);
		}
	}

	private static void run(Display display, Job job) throws Exception {
		job.schedule();
		CaseViewUiTest.waitFor(display, () -> job.getResult() != null, 300_000);
		assertTrue(job.getResult().isOK(), job.getResult().getMessage());
	}

	private static void click(Control c) {
		if (c instanceof Button b) b.setSelection(!b.getSelection());
		c.notifyListeners(SWT.Selection, new Event());
	}

	private static void click(org.eclipse.swt.widgets.TableColumn c) {
		c.notifyListeners(SWT.Selection, new Event());
	}

	private static Button toggle(FindingsView v, String text) {
		for (Control c : v.viewer().getTable().getParent().getChildren()) {
			if (c instanceof org.eclipse.swt.widgets.Composite bar) {
				for (Control b : bar.getChildren()) if (b instanceof Button button && button.getText().contains(text)) return button;
			}
		}
		throw new AssertionError("no toggle " + text);
	}

	static void maximized(IWorkbenchPage page, org.eclipse.ui.IViewPart v, boolean max) throws InterruptedException {
		page.activate(v);
		page.setPartState(page.getReference(v), max ? IWorkbenchPage.STATE_MAXIMIZED : IWorkbenchPage.STATE_RESTORED);
		settle(Display.getCurrent(), 500); // the layout follows asynchronously
	}

	/** Runs the event loop for {@code millis}. */
	private static void settle(Display display, long millis) throws InterruptedException {
		long until = System.currentTimeMillis() + millis;
		while (System.currentTimeMillis() < until) if (!display.readAndDispatch()) Thread.sleep(10);
	}

	/** Clicks the row (selecting it and GTK's cursor) and presses Enter on the table: real events through Xvfb. */
	private static void openByEnter(Display display, FindingsView v, Finding f) throws Exception {
		v.getSite().getPage().activate(v);
		v.getSite().getShell().forceActive();
		Table t = v.viewer().getTable();
		int index = v.rows().indexOf(f);
		assertTrue(index >= 0, f + " is a row");
		t.showItem(t.getItem(index));
		org.eclipse.swt.graphics.Rectangle b = t.getItem(index).getBounds(1);
		org.eclipse.swt.graphics.Point p = t.toDisplay(b.x + b.width / 2, b.y + b.height / 2);
		CaseViewUiTest.post(display, SWT.MouseMove, p.x, p.y, 0);
		CaseViewUiTest.post(display, SWT.MouseDown, p.x, p.y, 1);
		CaseViewUiTest.post(display, SWT.MouseUp, p.x, p.y, 1);
		CaseViewUiTest.waitFor(display, () -> f.equals(v.viewer().getStructuredSelection().getFirstElement()) && t.isFocusControl(), 5_000);
		for (int type : new int[] { SWT.KeyDown, SWT.KeyUp }) {
			Event e = new Event();
			e.type = type;
			e.character = SWT.CR;
			e.keyCode = SWT.CR;
			assertTrue(display.post(e));
		}
		CaseViewUiTest.waitFor(display, () -> true, 100);
	}

	/** Whether the File System view's selected row lies inside the tree's visible area. */
	private static boolean itemVisible(FileSystemView fs) {
		org.eclipse.swt.widgets.Tree t = fs.viewer().getTree();
		org.eclipse.swt.widgets.TreeItem[] sel = t.getSelection();
		if (sel.length != 1) return false;
		org.eclipse.swt.graphics.Rectangle r = sel[0].getBounds(), area = t.getClientArea();
		return r.y >= 0 && r.y + r.height <= area.height + 1;
	}

	private static String selectedPath(FileSystemView fs) {
		Object o = ((IStructuredSelection) fs.viewer().getSelection()).getFirstElement();
		return o instanceof FileSystemView.Node n ? n.path() : null;
	}

	/** Eight bytes as the hex view prints them (little-endian, space separated). */
	private static String le(long v) {
		StringBuilder sb = new StringBuilder();
		for (int i = 0; i < 8; i++) sb.append(i == 0 ? "" : " ").append(String.format("%02x", (v >>> (8 * i)) & 0xff));
		return sb.toString();
	}

	// ---- the hostile snapshot

	/** What was planted: the copies, and where the d_parent of readme.txt's dentry lies. */
	record Plants(Path memory, Path journal, long readmeDentry, long parentOffset, long parentPhysical) {
	}

	/**
	 * A copy of memory.elf with three plants, found through the clean analysis: readme.txt's d_parent points at its own
	 * dentry; p2_file_1.txt's d_inode points into unmapped memory; app.conf's inode-table copy in the block-device
	 * cache gets mode 0100644 (the cached inode says 0700). And the first half of writes.log, cut inside an entry.
	 */
	static Plants plant(MergedFileSystem clean, Path set, Path dir) throws Exception {
		Files.createDirectories(dir);
		CacheAnalysis a = clean.analysis();
		CachedEntry readme = entry(a, "/mnt/disk/docs/readme.txt"), docs = entry(a, "/mnt/disk/docs");
		CachedEntry p2 = entry(a, "/mnt/disk/new/p2_file_1.txt"), conf = entry(a, "/mnt/disk/etc/app.conf");
		Map<Long, byte[]> patches = new TreeMap<>(); // guest-physical address -> bytes

		// d_parent: the dentry's first word that holds its parent's address
		long parentOff = wordHolding(a, readme.dentry(), docs.dentry());
		long parentPa = physical(a, readme.dentry() + parentOff);
		patches.put(parentPa, le64(readme.dentry()));
		// d_inode: the dentry's first word that holds its inode's address
		long inodeOff = wordHolding(a, p2.dentry(), p2.inode().address());
		patches.put(physical(a, p2.dentry() + inodeOff), le64(NOWHERE));

		// the inode-table copy of app.conf in the block-device cache (ext4 geometry from the disk's super block)
		MergedFileSystem.DiskMatch d = clean.disks().get(0);
		BlockDeviceCache cache = d.overlay().cache();
		long at = inodeOffset(set.resolve("disk.img"), conf.inode().ino());
		long dev = at - cache.startBytes();
		CachedPage pg = cache.pages().page(dev / 4096);
		assertNotNull(pg, "app.conf's inode-table block is in the block-device cache");
		assertTrue(pg.isWhole());
		patches.put(pg.physical() + dev % 4096, new byte[] { (byte) 0xa4, (byte) 0x81 });

		Path memory = dir.resolve("memory.elf");
		Files.copy(set.resolve("memory.elf"), memory);
		List<long[]> loads = elfLoads(memory);
		try (FileChannel ch = FileChannel.open(memory, StandardOpenOption.WRITE)) {
			for (Map.Entry<Long, byte[]> p : patches.entrySet()) ch.write(ByteBuffer.wrap(p.getValue()), fileOffset(loads, p.getKey()));
		}
		Path journal = dir.resolve("writes.log");
		byte[] log = Files.readAllBytes(set.resolve("writes.log"));
		Files.write(journal, java.util.Arrays.copyOf(log, log.length / 2 + 700));
		return new Plants(memory, journal, readme.dentry(), parentOff, parentPa);
	}

	private static CachedEntry entry(CacheAnalysis a, String path) {
		return a.entries().stream().filter(e -> e.path().equals(path) && e.state() == CachedEntry.State.POSITIVE).findFirst()
				.orElseThrow(() -> new AssertionError(path + " not cached"));
	}

	/** Offset in the 192-byte dentry at {@code va} of its first 8-byte word equal to {@code value}. */
	private static long wordHolding(CacheAnalysis a, long va, long value) {
		MemoryWindow w = MemoryWindow.read(a, new MemoryWindow.Address(MemoryWindow.Space.VIRTUAL, va + 256), 512);
		long base = va - w.start();
		for (int o = 0; o < 192; o += 8) {
			long v = 0;
			for (int i = 7; i >= 0; i--) {
				int b = w.at((int) base + o + i);
				assertTrue(b >= 0, "dentry byte readable");
				v = v << 8 | b;
			}
			if (v == value) return o;
		}
		throw new AssertionError(String.format("no word 0x%x in the dentry at 0x%x", value, va));
	}

	private static long physical(CacheAnalysis a, long va) {
		MemoryWindow w = MemoryWindow.read(a, new MemoryWindow.Address(MemoryWindow.Space.VIRTUAL, va), 64);
		long pa = w.physical((int) (va - w.start()));
		assertTrue(pa >= 0, String.format("0x%x is mapped", va));
		return pa;
	}

	/** Byte offset on the disk of inode {@code ino}'s slot in its group's inode table (ext4 super block and group descriptors). */
	static long inodeOffset(Path disk, long ino) throws IOException {
		try (FileChannel ch = FileChannel.open(disk)) {
			ByteBuffer sb = read(ch, 1024, 1024);
			int blockSize = 1024 << sb.getInt(0x18);
			long firstData = sb.getInt(0x14) & 0xffffffffL;
			long perGroup = sb.getInt(0x28) & 0xffffffffL;
			int inodeSize = sb.getShort(0x58) & 0xffff;
			boolean is64 = (sb.getInt(0x60) & 0x80) != 0;
			int descSize = is64 ? sb.getShort(0xfe) & 0xffff : 32;
			long group = (ino - 1) / perGroup;
			ByteBuffer gd = read(ch, (firstData + 1) * blockSize + group * descSize, descSize);
			long table = gd.getInt(0x08) & 0xffffffffL;
			if (is64 && descSize >= 64) table |= (gd.getInt(0x28) & 0xffffffffL) << 32;
			return table * blockSize + (ino - 1) % perGroup * inodeSize;
		}
	}

	private static ByteBuffer read(FileChannel ch, long at, int len) throws IOException {
		ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
		while (b.hasRemaining()) assertTrue(ch.read(b, at + b.position()) > 0);
		return b.flip();
	}

	/** PT_LOAD segments of an ELF64 core: {paddr, file offset, size}. */
	static List<long[]> elfLoads(Path elf) throws IOException {
		try (FileChannel ch = FileChannel.open(elf)) {
			ByteBuffer h = read(ch, 0, 64);
			long phoff = h.getLong(0x20);
			int phentsize = h.getShort(0x36) & 0xffff, phnum = h.getShort(0x38) & 0xffff;
			List<long[]> out = new ArrayList<>();
			for (int i = 0; i < phnum; i++) {
				ByteBuffer p = read(ch, phoff + (long) i * phentsize, 56);
				if (p.getInt(0) == 1) out.add(new long[] { p.getLong(24), p.getLong(8), p.getLong(32) });
			}
			return out;
		}
	}

	static long fileOffset(List<long[]> loads, long pa) {
		for (long[] l : loads) if (pa >= l[0] && pa < l[0] + l[2]) return l[1] + (pa - l[0]);
		throw new AssertionError(String.format("physical 0x%x is in no PT_LOAD", pa));
	}

	private static byte[] le64(long v) {
		return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
	}
}
