package cacheshadow.ui.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.eclipse.core.commands.ParameterizedCommand;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.commands.ICommandService;
import org.eclipse.ui.handlers.IHandlerService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.cases.CaseInputs;
import cacheshadow.cases.CustodyEntry;
import cacheshadow.cases.EvidenceItem;
import cacheshadow.merge.View;
import cacheshadow.ui.CaseHandlers;
import cacheshadow.ui.CaseJobs;
import cacheshadow.ui.CaseSession;
import cacheshadow.ui.CaseView;
import cacheshadow.ui.FileSystemView;

/**
 * A case with two memory snapshots (the two sample sets, each with its disk and kernel files in its own folder, as a
 * Snapshot Now folder holds the guest's RAM and disk): Analyze shows the first; Case > Analyze Snapshot… switches the
 * views to the other — by the command's parameter, and by the snapshot selected in the Case view — with the disk and
 * kernel of its folder: the File System view then holds the files only that snapshot's guest had, its header names
 * the snapshot and its kernel, the Case view marks it shown, Analyze keeps the choice, the report names the snapshot
 * shown (and its commands read it), the custody log names each.
 * Screenshots of both.
 */
class SnapshotChoiceUiTest {
	private static final String ONLY_61 = "/mnt/disk/docs/renamed_file_1.txt", ONLY_612 = "/mnt/disk/docs/renamed_file_5.txt";

	@Test
	void theExaminerPicksWhichSnapshotTheViewsShow(@TempDir Path tmp) throws Exception {
		Display display = Display.getCurrent();
		Shell shell = PlatformUI.getWorkbench().getActiveWorkbenchWindow().getShell();
		IWorkbenchPage page = PlatformUI.getWorkbench().getActiveWorkbenchWindow().getActivePage();
		IHandlerService handlers = PlatformUI.getWorkbench().getService(IHandlerService.class);
		ICommandService commands = PlatformUI.getWorkbench().getService(ICommandService.class);
		List<String> caseMenu = CaseViewUiTest.menuItems(shell, "Case");
		assertTrue(caseMenu.contains("Analyze Snapshot…"), caseMenu.toString());

		FileSystemView fs = (FileSystemView) page.showView(FileSystemView.ID);
		fs.show(View.MERGED);
		List<String> files = List.of("memory.elf", "disk.img", "kernel/vmlinux.btf", "kernel/System.map");
		SampleCase.create(display, tmp.resolve("case"), "Two snapshots", files, false);
		Path other = SampleCase.set().resolveSibling("debian-6.12-kaslr");
		assertTrue(Files.isDirectory(other), "no sample set at " + other);
		Job add = CaseJobs.addEvidence(files.stream().map(other::resolve).toList());
		add.schedule();
		CaseViewUiTest.waitFor(display, () -> add.getResult() != null, 120_000);
		assertTrue(add.getResult().isOK(), add.getResult().getMessage());
		List<EvidenceItem> memories = CaseInputs.memories(CaseSession.get().current().evidence());
		assertEquals(2, memories.size());
		EvidenceItem first = memories.get(0), second = memories.get(1);
		assertTrue(second.path().startsWith(other.toString()), second.path());

		// Analyze: the first snapshot, as before
		run(display, handlers, ParameterizedCommand.generateCommand(commands.getCommand("cacheshadow.ui.case.analyze"), Map.of()));
		shows(display, fs, first, "6.1.");

		// by the command's parameter: the second, over its own disk with its own kernel
		run(display, handlers, ParameterizedCommand.generateCommand(commands.getCommand("cacheshadow.ui.case.analyzeSnapshot"),
				Map.of(CaseHandlers.AnalyzeSnapshot.EVIDENCE, Long.toString(second.id()))));
		shows(display, fs, second, "6.12.");
		CaseView cv = (CaseView) page.showView(CaseView.ID);
		CaseViewUiTest.waitFor(display, () -> "shown".equals(viewsColumn(cv, second)) && "".equals(viewsColumn(cv, first)), 10_000);
		page.activate(fs);
		CaseViewUiTest.screenshot(display, shell, "snapshot-choice-second.png");

		// Analyze again keeps the examiner's choice
		run(display, handlers, ParameterizedCommand.generateCommand(commands.getCommand("cacheshadow.ui.case.analyze"), Map.of()));
		shows(display, fs, second, "6.12.");

		// the report names the snapshot the views show, and its commands read that one
		String report = report(display, tmp.resolve("second.html"));
		assertTrue(report.contains(analyzed(second)) && report.contains("--memory " + second.path()), "the chosen snapshot");
		assertTrue(!report.contains("--memory " + first.path()) && !report.contains(analyzed(first)) && report.contains("<th>Release</th><td>6.12."),
				"not the case's first snapshot");

		// by the snapshot selected in the Case view: back to the first
		page.activate(cv);
		cv.viewer().setSelection(new StructuredSelection(cv.viewer().getTable().getItem(index(cv, first)).getData()), true);
		CaseViewUiTest.waitFor(display, () -> page.getActivePart() == cv, 10_000);
		run(display, handlers, ParameterizedCommand.generateCommand(commands.getCommand("cacheshadow.ui.case.analyzeSnapshot"), Map.of()));
		shows(display, fs, first, "6.1.");
		CaseViewUiTest.waitFor(display, () -> "shown".equals(viewsColumn(cv, first)) && "".equals(viewsColumn(cv, second)), 10_000);
		CaseViewUiTest.screenshot(display, shell, "snapshot-choice-first.png");
		String back = report(display, tmp.resolve("first.html"));
		assertTrue(back.contains(analyzed(first)) && back.contains("--memory " + first.path()) && !back.contains("--memory " + second.path()), "the first snapshot again");

		List<String> runs = CaseSession.get().current().custodyLog().stream().filter(e -> e.action().equals("analysis-run")).map(CustodyEntry::detail).toList();
		assertEquals(4, runs.size(), runs.toString());
		assertTrue(runs.get(1).startsWith("merged memory.elf (evidence #" + second.id() + ") over disk.img (evidence #"), runs.get(1));
		assertTrue(runs.get(3).startsWith("merged memory.elf (evidence #" + first.id() + ") over disk.img (evidence #"), runs.get(3));
		CaseSession.get().close();
		assertEquals(-1, CaseSession.get().memoryChoice(), "a closed case's choice goes with it");
	}

	/** The report's row that names the snapshot analyzed. */
	private static String analyzed(EvidenceItem memory) {
		return "<tr><th>Memory snapshot analyzed</th><td>#" + memory.id() + " memory.elf (" + memory.path() + ")</td></tr>";
	}

	/** The examiner's report of the open case (Case > Report…'s job), as HTML. */
	private static String report(Display display, Path out) throws Exception {
		Job j = CaseJobs.report(out, w -> {
		});
		j.schedule();
		CaseViewUiTest.waitFor(display, () -> j.getResult() != null, 300_000);
		assertTrue(j.getResult().isOK(), j.getResult().getMessage());
		return Files.readString(out);
	}

	private static void run(Display display, IHandlerService handlers, ParameterizedCommand c) throws Exception {
		handlers.executeCommand(c, null);
		Job.getJobManager().join(CaseJobs.FAMILY, null);
		CaseViewUiTest.waitFor(display, () -> CaseSession.get().analysis() != null, 300_000);
	}

	/** The File System view shows {@code memory}'s analysis: its guest's own file, not the other's; header and kernel. */
	private static void shows(Display display, FileSystemView fs, EvidenceItem memory, String kernel) throws Exception {
		assertEquals(memory.id(), CaseSession.get().analyzedMemory());
		CaseViewUiTest.waitFor(display, () -> fs.headerText().contains("#" + memory.id() + "  memory.elf") && fs.viewer().getTree().getItemCount() == 1, 30_000);
		assertTrue(fs.headerText().contains("in " + Path.of(memory.path()).getParent() + "  (") && fs.headerText().contains("kernel " + kernel), fs.headerText());
		boolean first = kernel.equals("6.1.");
		assertNotNull(AnalysisViewsUiTest.find(fs, first ? ONLY_61 : ONLY_612), fs.headerText());
		assertNull(AnalysisViewsUiTest.find(fs, first ? ONLY_612 : ONLY_61), fs.headerText());
	}

	private static int index(CaseView cv, EvidenceItem e) {
		for (int i = 0; i < cv.viewer().getTable().getItemCount(); i++) if (((EvidenceItem) cv.viewer().getTable().getItem(i).getData()).id() == e.id()) return i;
		throw new AssertionError("evidence #" + e.id() + " not in the Case view");
	}

	/** The Case view's "Views" column for {@code e}. */
	private static String viewsColumn(CaseView cv, EvidenceItem e) {
		int col = -1;
		for (int c = 0; c < cv.viewer().getTable().getColumnCount(); c++) if (cv.viewer().getTable().getColumn(c).getText().equals("Views")) col = c;
		assertTrue(col >= 0, "no Views column");
		return cv.viewer().getTable().getItem(index(cv, e)).getText(col);
	}
}
