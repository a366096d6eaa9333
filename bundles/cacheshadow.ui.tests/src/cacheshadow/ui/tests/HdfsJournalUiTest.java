package cacheshadow.ui.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.jface.action.ActionContributionItem;
import org.eclipse.jface.action.IAction;
import org.eclipse.jface.action.IContributionItem;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Text;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.PlatformUI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.cases.EvidenceItem;
import cacheshadow.journal.JournalFormat;
import cacheshadow.journal.WebHdfs;
import cacheshadow.journal.WriteLog;
import cacheshadow.testing.MiniHdfsDir;
import cacheshadow.ui.CaseJobs;
import cacheshadow.ui.CaseSession;
import cacheshadow.ui.CaseView;
import cacheshadow.ui.TimelineView;

/**
 * The 6.1 sample's journal put in a real HDFS (releng/hdfs.sh) and added to a case through the Case view's
 * "Add from HDFS…" dialog by its webhdfs:// URL: the Evidence table shows it pinned by HDFS's checksum, and the Timeline
 * view opens it in place with all its entries. Screenshots of the dialog and of the timeline saved.
 */
class HdfsJournalUiTest {
	@Test
	void aJournalInHdfsAddedByUrlOpensInTheTimeline(@TempDir Path tmp) throws Exception {
		MiniHdfsDir hdfs = MiniHdfsDir.await();
		Display display = Display.getCurrent();
		IWorkbenchPage page = PlatformUI.getWorkbench().getActiveWorkbenchWindow().getActivePage();
		page.getWorkbenchWindow().getShell().setSize(1500, 1000);
		Path set = SampleCase.set();
		Path log = set.resolve("writes.log");
		String url = hdfs.freshUrl("writes.log");
		byte[] bytes = Files.readAllBytes(log);
		WebHdfs.of(url).create(bytes, 0, bytes.length);
		long entries;
		try (WriteLog local = JournalFormat.open(log)) {
			entries = local.entryCount();
		}

		CaseView cases = (CaseView) page.showView(CaseView.ID);
		TimelineView timeline = (TimelineView) page.showView(TimelineView.ID);
		CaseSession.get().create(tmp.resolve("case"), "UI journal in HDFS");
		try {
			Job base = CaseJobs.addEvidence(List.of(set.resolve("disk.base.img")));
			base.schedule();
			CaseViewUiTest.waitFor(display, () -> base.getResult() != null && Job.getJobManager().find(CaseJobs.FAMILY).length == 0, 120_000);
			assertTrue(base.getResult().isOK(), base.getResult().getMessage());

			page.activate(cases);
			IAction add = addFromHdfs(cases);
			String[] asked = new String[1];
			Runnable[] answer = new Runnable[1];
			answer[0] = () -> {
				Shell q = PartialEvidenceUiTest.question(display, CaseView.ADD_FROM_HDFS_TITLE);
				if (q == null) {
					display.timerExec(100, answer[0]);
					return;
				}
				asked[0] = PartialEvidenceUiTest.texts(q);
				text(q).setText(url);
				try {
					CaseViewUiTest.screenshot(display, q, "hdfs-journal-dialog.png");
				} catch (Exception e) {
					asked[0] += " (no screenshot: " + e + ")";
				}
				PartialEvidenceUiTest.press(q, "OK");
			};
			display.timerExec(100, answer[0]);
			try {
				add.run(); // modal: returns once the dialog is answered
			} finally {
				display.timerExec(-1, answer[0]);
			}
			assertNotNull(asked[0], "the dialog did not open");
			assertTrue(asked[0].contains("WebHDFS URL of a write journal"), asked[0]);
			CaseViewUiTest.waitFor(display, () -> CaseSession.get().history() != null && Job.getJobManager().find(CaseJobs.FAMILY).length == 0, 180_000);

			EvidenceItem j = CaseSession.get().current().evidence().get(1);
			assertEquals(url, j.path());
			assertTrue(j.inHdfs());
			assertEquals(WebHdfs.of(url).checksum().bytes(), j.sha256());
			assertEquals(entries, CaseSession.get().history().journal().entryCount());
			assertEquals(url, CaseSession.get().history().journal().name());

			// the custody log names where the journal was read: its URL, not a file name that could be anyone's
			CaseViewUiTest.waitFor(display, () -> {
				try {
					return CaseSession.get().current().custodyLog().stream()
							.anyMatch(e -> e.action().equals("journal-opened") && e.detail().startsWith(url + " ("));
				} catch (cacheshadow.cases.CaseException e) {
					throw new AssertionError(e);
				}
			}, 60_000);

			page.activate(timeline);
			String want = String.format("writes.log over disk.base.img (raw disk) — %,d entries (", entries);
			try {
				CaseViewUiTest.waitFor(display, () -> timeline.chart() != null && timeline.headerText().contains(want), 60_000);
			} catch (AssertionError e) {
				CaseViewUiTest.screenshot(display, page.getWorkbenchWindow().getShell(), "hdfs-journal-timeline-timeout.png");
				fail("the Timeline view's header is '" + timeline.headerText() + "' (chart " + timeline.chart() + "), not '" + want + "'");
			}
			assertFalse(timeline.headerText().contains("PARTIAL JOURNAL"), timeline.headerText());
			assertTrue(timeline.slider().getMaximum() >= entries - 1, timeline.slider().getMaximum() + " of " + entries);
			String row = cases.viewer().getTable().getItem(1).getText(4);
			assertEquals("hdfs-checksum " + j.sha256(), row);
			CaseViewUiTest.screenshot(display, page.getWorkbenchWindow().getShell(), "hdfs-journal-timeline.png");
		} finally {
			CaseSession.get().close();
		}
	}

	private static IAction addFromHdfs(CaseView view) {
		for (IContributionItem i : view.getViewSite().getActionBars().getToolBarManager().getItems()) {
			if (i instanceof ActionContributionItem a && a.getAction().getText().equals("Add from HDFS…")) return a.getAction();
		}
		throw new AssertionError("no Add from HDFS… in the Case view's toolbar");
	}

	private static Text text(Composite c) {
		for (Control x : c.getChildren()) {
			if (x instanceof Text t) return t;
			if (x instanceof Composite k) {
				Text t = text(k);
				if (t != null) return t;
			}
		}
		throw new AssertionError("no text field in the dialog");
	}
}
