package cacheshadow.ui.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.TreeItem;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.PlatformUI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.cases.CustodyEntry;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.PathGaps;
import cacheshadow.merge.View;
import cacheshadow.ui.CaseJobs;
import cacheshadow.ui.CaseSession;
import cacheshadow.ui.FileSystemView;

/**
 * A case whose memory snapshot is cut short (the sample's memory.elf at 90%): the workbench asks before analyzing it
 * and, told yes, analyzes what it holds; started with --partial it does so without asking. The File System view
 * shows what of each row rests on missing bytes in its Missing column (as the manifest's 'missing' column) and its
 * header says how much is missing and how many paths are flagged; the custody entry says it too. Screenshot saved.
 */
class PartialEvidenceUiTest {

	@Test
	void evidenceCutShortIsOfferedAndAnalyzedPartiallyWithFlaggedRows(@TempDir Path tmp) throws Exception {
		Display display = Display.getCurrent();
		IWorkbenchPage page = PlatformUI.getWorkbench().getActiveWorkbenchWindow().getActivePage();
		FileSystemView fs = (FileSystemView) page.showView(FileSystemView.ID);
		fs.show(View.MERGED);
		Path set = SampleCase.set();
		Path cut = tmp.resolve("memory.elf");
		Files.copy(set.resolve("memory.elf"), cut);
		try (RandomAccessFile f = new RandomAccessFile(cut.toFile(), "rw")) {
			f.setLength(f.length() / 10 * 9 / 4096 * 4096);
		}
		// not started with --partial: refused, and the examiner is asked; yes analyzes what the snapshot holds
		String[] asked = new String[1];
		Job whole = analyzeAsked(display, tmp.resolve("case"), "UI partial evidence",
				List.of(cut, set.resolve("disk.img"), set.resolve("kernel/vmlinux.btf"), set.resolve("kernel/System.map")), asked, "partial-evidence-question.png");
		assertEquals(IStatus.WARNING, whole.getResult().getSeverity(), whole.getResult().getMessage());
		assertTrue(whole.getResult().getMessage().contains("truncated"), whole.getResult().getMessage());
		assertTrue(asked[0].contains("memory.elf") && asked[0].contains("Analyze what it still holds?"), asked[0]);
		CaseViewUiTest.waitFor(display, () -> CaseSession.get().analysis() != null && Job.getJobManager().find(CaseJobs.FAMILY).length == 0, 300_000);
		checkFlagged(display, fs, "partial-evidence-merged.png");
		List<String> runs = CaseSession.get().current().custodyLog().stream().filter(e -> e.action().equals("analysis-run")).map(CustodyEntry::detail).toList();
		assertEquals(1, runs.size(), runs.toString());
		assertTrue(runs.get(0).contains("partial evidence: memory.elf (ELF core): ") && runs.get(0).contains("paths of the merged view flagged"), runs.get(0));

		// started with --partial: analyzed as far as it goes without asking
		CaseSession.get().setAnalysis(null);
		CaseSession.get().setPartialMode(true);
		try {
			Job partial = CaseJobs.analyze();
			partial.schedule();
			CaseViewUiTest.waitFor(display, () -> partial.getResult() != null, 300_000);
			assertTrue(partial.getResult().isOK(), partial.getResult().getMessage());
			assertNull(question(display), "asked although started with --partial");
			checkFlagged(display, fs, "partial-evidence-partial-mode.png");
		} finally {
			CaseSession.get().setPartialMode(false);
			CaseSession.get().close();
		}
	}

	/**
	 * The sample's disk image cut at 8 MiB (its jbd2 journal and part of the files kept): asked, then analyzed as far
	 * as it goes, the header naming the disk image's shortfall and the Missing column flagging what rests on it.
	 */
	@Test
	void diskImageCutShortIsOfferedAndAnalyzedPartially(@TempDir Path tmp) throws Exception {
		Display display = Display.getCurrent();
		IWorkbenchPage page = PlatformUI.getWorkbench().getActiveWorkbenchWindow().getActivePage();
		FileSystemView fs = (FileSystemView) page.showView(FileSystemView.ID);
		Path set = SampleCase.set();
		cacheshadow.testing.CutEvidence cut = cacheshadow.testing.CutEvidence.copy(set.resolve("disk.img"), tmp);
		cut.cutTo(8 << 20);
		String[] asked = new String[1];
		Job whole = analyzeAsked(display, tmp.resolve("case"), "UI disk cut short",
				List.of(set.resolve("memory.elf"), cut.file(), set.resolve("kernel/vmlinux.btf"), set.resolve("kernel/System.map")), asked, "partial-disk-question.png");
		try {
			assertEquals(IStatus.WARNING, whole.getResult().getSeverity(), whole.getResult().getMessage());
			assertTrue(asked[0].contains(cut.file().getFileName().toString()) && asked[0].contains("Analyze what it still holds?"), asked[0]);
			CaseViewUiTest.waitFor(display, () -> CaseSession.get().analysis() != null && Job.getJobManager().find(CaseJobs.FAMILY).length == 0, 300_000);
			String disk = cut.file().getFileName().toString();
			assertTrue(CaseSession.get().analysis().shortfalls().stream().anyMatch(s -> s.layer().contains(disk) && s.missingBytes() == cut.missingNow()),
					CaseSession.get().analysis().shortfalls().toString());
			// the guest's files are mostly in its page cache: the merged view reads them there, the disk-only view from the cut disk
			checkFlagged(display, fs, View.DISK_ONLY, "partial-disk-disk-only.png");
			assertTrue(header(fs).contains(disk), header(fs));
			// bytes missing from the disk are unknown, not different from the cache's: no 'data' in the status of a row
			// flagged 'data' (found by this test: they said differs:data)
			MergedFileSystem m = CaseSession.get().analysis();
			PathGaps g = m.tree(View.DISK_ONLY).gaps();
			int checked = 0;
			for (String p : g.paths()) {
				cacheshadow.merge.PathStatus st = g.parts(p).contains(PathGaps.Part.DATA) ? m.status(p) : null;
				if (st == null) continue;
				assertFalse(st.differences().contains("data"), p + " " + st);
				TreeItem item = AnalysisViewsUiTest.find(fs, p);
				assertNotNull(item, p);
				assertFalse(item.getText(1).contains("data"), p + " shown as " + item.getText(1));
				checked++;
			}
			assertTrue(checked > 0);
		} finally {
			CaseSession.get().close();
		}
	}

	/**
	 * A case of {@code files} analyzed, not started with --partial: the analysis is refused and the question asked is
	 * answered yes (its text into {@code asked[0]}, a screenshot of it saved). The refused analysis' job is returned.
	 */
	private static Job analyzeAsked(Display display, Path dir, String name, List<Path> files, String[] asked, String screenshot) throws Exception {
		CaseSession.get().create(dir, name);
		Job add = CaseJobs.addEvidence(files);
		add.schedule();
		CaseViewUiTest.waitFor(display, () -> add.getResult() != null, 120_000);
		assertTrue(add.getResult().isOK(), add.getResult().getMessage());
		CaseSession.get().setPartialMode(false);
		Runnable answer = answerYes(display, CaseJobs.CUT_SHORT_TITLE, asked, screenshot);
		Job whole = CaseJobs.analyze();
		whole.schedule();
		try {
			CaseViewUiTest.waitFor(display, () -> asked[0] != null && whole.getResult() != null, 120_000);
		} finally {
			display.timerExec(-1, answer);
		}
		return whole;
	}

	/** The header's summary and the Missing column agree with the analysis' own gaps, flagged and unflagged rows alike. */
	static void checkFlagged(Display display, FileSystemView fs, String screenshot) throws Exception {
		checkFlagged(display, fs, View.MERGED, screenshot);
	}

	static void checkFlagged(Display display, FileSystemView fs, View view, String screenshot) throws Exception {
		fs.show(view);
		CaseViewUiTest.waitFor(display, () -> fs.viewer().getTree().getItemCount() == 1 && header(fs).contains(view.label() + " view — "), 30_000);
		MergedFileSystem m = CaseSession.get().analysis();
		PathGaps gaps = m.tree(view).gaps();
		assertFalse(gaps.paths().isEmpty(), "evidence cut this deep flags paths of the " + view + " view (a snapshot at 90%: README 37 of 71)");
		String header = header(fs);
		assertTrue(header.contains("PARTIAL EVIDENCE: ") && header.contains("% missing; " + gaps.paths().size() + " paths rest on missing bytes (Missing column)"), header);
		int missing = java.util.Arrays.asList(fsColumns(fs)).indexOf("Missing");
		assertTrue(missing > 0);
		String flagged = gaps.paths().stream().filter(p -> p.startsWith("/mnt/disk/") && gaps.parts(p).contains(PathGaps.Part.DATA)).findFirst().orElseThrow();
		TreeItem item = AnalysisViewsUiTest.find(fs, flagged);
		assertNotNull(item, flagged);
		assertEquals(gaps.column(flagged), item.getText(missing), flagged);
		assertTrue(item.getText(missing).contains("data"), item.getText(missing));
		fs.viewer().getTree().setSelection(item);
		fs.viewer().getTree().showItem(item);
		TreeItem root = fs.viewer().getTree().getItem(0);
		String rootPath = ((FileSystemView.Node) root.getData()).path();
		assertEquals(gaps.parts(rootPath).isEmpty() ? "" : gaps.column(rootPath), root.getText(missing));
		// the view maximized and scrolled to the Missing column, the flagged row selected, for the screenshot
		IWorkbenchPage page = fs.getSite().getPage();
		page.toggleZoom(page.getReference(fs));
		try {
			var tree = fs.viewer().getTree();
			// narrower time and provenance columns, so the Missing column is on screen beside them
			tree.getColumn(missing - 2).setWidth(170);
			tree.getColumn(missing - 1).setWidth(110);
			tree.getColumn(missing).setWidth(110);
			tree.showColumn(tree.getColumn(missing));
			fs.viewer().getTree().showItem(item);
			CaseViewUiTest.screenshot(display, fs.getSite().getShell(), screenshot);
		} finally {
			page.toggleZoom(page.getReference(fs));
		}
	}

	static String[] fsColumns(FileSystemView fs) {
		var t = fs.viewer().getTree();
		String[] out = new String[t.getColumnCount()];
		for (int i = 0; i < out.length; i++) out[i] = t.getColumn(i).getText();
		return out;
	}

	/** The view's header line (the first label above the tree). */
	static String header(FileSystemView fs) {
		Composite top = fs.viewer().getTree().getParent();
		while (top != null) {
			for (Control c : top.getChildren()) if (c instanceof Label l && l.getText().contains(" view — ")) return l.getText();
			top = top.getParent();
		}
		return "";
	}

	private static Shell question(Display d) {
		return question(d, CaseJobs.CUT_SHORT_TITLE);
	}

	/** The open question titled {@code title}, or null. */
	static Shell question(Display d, String title) {
		for (Shell s : d.getShells()) if (!s.isDisposed() && s.isVisible() && title.equals(s.getText())) return s;
		return null;
	}

	/**
	 * Answers the question titled {@code title} with Yes once it is open (it is modal, with its own event loop: a timer
	 * runs inside it); its text goes into {@code asked[0]}, a screenshot of it into {@code screenshot}.
	 */
	static Runnable answerYes(Display display, String title, String[] asked, String screenshot) {
		Runnable[] answer = new Runnable[1];
		answer[0] = () -> {
			Shell q = question(display, title);
			if (q == null) {
				display.timerExec(100, answer[0]);
				return;
			}
			asked[0] = texts(q);
			try {
				CaseViewUiTest.screenshot(display, q, screenshot);
			} catch (Exception e) {
				asked[0] += " (no screenshot: " + e + ")";
			}
			press(q, "Yes");
		};
		display.timerExec(100, answer[0]);
		return answer[0];
	}

	static String texts(Composite c) {
		StringBuilder sb = new StringBuilder();
		for (Control x : c.getChildren()) {
			if (x instanceof Label l) sb.append(l.getText()).append('\n');
			if (x instanceof Composite k) sb.append(texts(k));
		}
		return sb.toString();
	}

	static void press(Composite c, String label) {
		Button b = button(c, label);
		assertNotNull(b, "no button " + label);
		b.notifyListeners(SWT.Selection, new org.eclipse.swt.widgets.Event());
	}

	private static Button button(Composite c, String label) {
		for (Control x : c.getChildren()) {
			if (x instanceof Button b && b.getText().replace("&", "").equals(label)) return b;
			if (x instanceof Composite k) {
				Button b = button(k, label);
				if (b != null) return b;
			}
		}
		return null;
	}
}
