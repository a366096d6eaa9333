package cacheshadow.ui.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.TreeItem;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.PlatformUI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.cases.CustodyEntry;
import cacheshadow.ui.CaseJobs;
import cacheshadow.ui.CaseSession;
import cacheshadow.ui.FileSystemView;
import cacheshadow.ui.TimelineView;

/**
 * The sample's write journal cut inside its last data entry's header (as PartialJournalCliTest cuts it): the workbench
 * asks before using it, as the CLI's journal commands refuse it without --partial; told yes (or started with
 * --partial, without asking) it uses the whole entries: the Timeline view says where it is cut and marks the cut, and
 * at an instant the cut may reach ('end') the status line, the disk-at-instant header and every row's Missing column
 * ('journal', as replay --partial's manifest) are flagged; at an entry before the cut nothing is. Screenshots saved.
 */
class PartialJournalUiTest {

	@Test
	void aJournalCutShortIsOfferedAndUsedUpToItsLastWholeEntryWithFlags(@TempDir Path tmp) throws Exception {
		Display display = Display.getCurrent();
		IWorkbenchPage page = PlatformUI.getWorkbench().getActiveWorkbenchWindow().getActivePage();
		page.getWorkbenchWindow().getShell().setSize(1500, 1000);
		FileSystemView fs = (FileSystemView) page.showView(FileSystemView.ID);
		TimelineView timeline = (TimelineView) page.showView(TimelineView.ID);
		Path set = SampleCase.set();
		long[] headers = Files.readAllLines(set.resolve("writes.index.tsv")).stream().skip(1).mapToLong(l -> Long.parseLong(l.split("\t")[1])).toArray();
		int last = headers.length - 2; // the last entry holding data (the final one is a flush)
		Path log = tmp.resolve("writes.log");
		Files.copy(set.resolve("writes.log"), log);
		long cutAt = headers[last] + 100;
		try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "rw")) {
			f.setLength(cutAt);
		}

		// not started with --partial: the journal is not opened until the examiner says yes
		CaseSession.get().setPartialMode(false);
		String[] asked = new String[1];
		Runnable answer = PartialEvidenceUiTest.answerYes(display, CaseJobs.JOURNAL_CUT_TITLE, asked, "partial-journal-question.png");
		try {
			CaseSession.get().create(tmp.resolve("case"), "UI journal cut short");
			Job add = CaseJobs.addEvidence(List.of(set.resolve("disk.base.img"), log));
			add.schedule();
			CaseViewUiTest.waitFor(display, () -> add.getResult() != null, 120_000);
			assertTrue(add.getResult().isOK(), add.getResult().getMessage());
			CaseViewUiTest.waitFor(display, () -> asked[0] != null && CaseSession.get().history() != null && Job.getJobManager().find(CaseJobs.FAMILY).length == 0, 180_000);
		} finally {
			display.timerExec(-1, answer);
		}
		assertTrue(asked[0].contains("cut short at entry " + last + ", byte " + headers[last]) && asked[0].contains("Use its whole entries?"), asked[0]);
		assertNotNull(CaseSession.get().journalCut());
		checkFlags(display, page, fs, timeline, last, cutAt - headers[last], cutAt, "partial-journal");
		List<String> opened = CaseSession.get().current().custodyLog().stream().filter(e -> e.action().equals("journal-opened")).map(CustodyEntry::detail).toList();
		assertEquals(1, opened.size(), opened.toString());
		assertTrue(opened.get(0).contains("partial journal: ") && opened.get(0).contains("(entry " + last + ")"), opened.get(0));
		CaseSession.get().close();

		// started with --partial: used without asking
		CaseSession.get().setPartialMode(true);
		try {
			CaseSession.get().create(tmp.resolve("case2"), "UI journal cut short, --partial");
			CaseJobs.addEvidence(List.of(set.resolve("disk.base.img"), log)).schedule();
			CaseViewUiTest.waitFor(display, () -> CaseSession.get().history() != null && Job.getJobManager().find(CaseJobs.FAMILY).length == 0, 180_000);
			assertNull(PartialEvidenceUiTest.question(display, CaseJobs.JOURNAL_CUT_TITLE), "asked although started with --partial");
			checkFlags(display, page, fs, timeline, last, cutAt - headers[last], cutAt, "partial-journal-partial-mode");
		} finally {
			CaseSession.get().setPartialMode(false);
			CaseSession.get().close();
		}
	}

	/** The Timeline view's header, the cursor's flag at 'end' and none at an entry before the cut, the disk at each instant. */
	private static void checkFlags(Display display, IWorkbenchPage page, FileSystemView fs, TimelineView timeline, int last, long missing, long size, String shot)
			throws Exception {
		CaseViewUiTest.waitFor(display, () -> timeline.chart() != null && timeline.headerText().contains("PARTIAL JOURNAL"), 30_000);
		String header = timeline.headerText();
		assertTrue(header.contains("PARTIAL JOURNAL: ") && header.contains(": " + missing + " of " + size + " declared bytes missing")
				&& header.contains("its end is its last whole entry (entry " + last + ")"), header);
		assertEquals(last, timeline.slider().getMaximum());
		// cursor A starts at 'end': the cut may reach it
		assertEquals("end", CaseSession.get().cursorA().spec().toString());
		assertTrue(timeline.statusText().contains("FLAGGED: ") && timeline.statusText().contains("after its " + last + " whole entries"), timeline.statusText());
		fs.show(null);
		CaseViewUiTest.waitFor(display, () -> fs.headerText().contains("disk at instant A — end"), 60_000);
		assertTrue(fs.headerText().contains("FLAGGED: ") && fs.headerText().contains("(Missing column: journal)"), fs.headerText());
		int col = java.util.Arrays.asList(PartialEvidenceUiTest.fsColumns(fs)).indexOf("Missing");
		TreeItem[] rows = fs.viewer().getTree().getItems();
		assertTrue(rows.length > 0);
		for (TreeItem r : rows) assertEquals("journal", r.getText(col), r.getText(0));
		CaseViewUiTest.screenshot(display, page.getWorkbenchWindow().getShell(), shot + "-end.png");

		// an entry before the cut: exact, nothing flagged
		timeline.setCursorA(last - 10);
		CaseViewUiTest.waitFor(display, () -> fs.headerText().contains("A — entry:" + (last - 10) + " "), 60_000);
		assertFalse(timeline.statusText().contains("FLAGGED"), timeline.statusText());
		assertFalse(fs.headerText().contains("FLAGGED"), fs.headerText());
		for (TreeItem r : fs.viewer().getTree().getItems()) assertEquals("", r.getText(col), r.getText(0));
		CaseViewUiTest.screenshot(display, page.getWorkbenchWindow().getShell(), shot + "-before-cut.png");
	}
}
