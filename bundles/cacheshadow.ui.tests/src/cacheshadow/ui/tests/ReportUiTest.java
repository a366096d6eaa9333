package cacheshadow.ui.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.eclipse.core.commands.ParameterizedCommand;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.commands.ICommandService;
import org.eclipse.ui.handlers.IHandlerService;
import org.eclipse.ui.keys.IBindingService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.cases.EvidenceItem;
import cacheshadow.ui.CaseHandlers;
import cacheshadow.ui.CaseJobs;
import cacheshadow.ui.CaseSession;
import cacheshadow.ui.ReportOpener;

/**
 * Case > Report… in the running workbench on the sample case: the menu item and its key, the command run through
 * the handler service (as the menu item runs it; the file given as the command's parameter instead of typed into the
 * dialog) as a Job, the HTML and then the PDF report written with the case's evidence hashes, the status line saying
 * where; screenshots of the window when done and of the PDF's first page (pdftoppm).
 */
class ReportUiTest {

	@Test
	void theReportCommandWritesAndOpensTheReport(@TempDir Path tmp) throws Exception {
		Display display = Display.getCurrent();
		Shell shell = PlatformUI.getWorkbench().getActiveWorkbenchWindow().getShell();
		IHandlerService handlers = PlatformUI.getWorkbench().getService(IHandlerService.class);
		ICommandService commands = PlatformUI.getWorkbench().getService(ICommandService.class);
		IBindingService bindings = PlatformUI.getWorkbench().getService(IBindingService.class);
		List<String> caseMenu = CaseViewUiTest.menuItems(shell, "Case");
		assertTrue(caseMenu.contains("Report…"), caseMenu.toString());
		var key = bindings.getBestActiveBindingFormattedFor("cacheshadow.ui.case.report");
		assertTrue(List.of("Ctrl+Shift+R", "Shift+Ctrl+R").contains(key), key);

		SampleCase.create(display, tmp.resolve("case"), "Report from the workbench", SampleCase.ALL, true);
		for (String name : List.of("report.html", "report.pdf")) {
			Path out = tmp.resolve("out").resolve(name);
			ParameterizedCommand c = ParameterizedCommand.generateCommand(commands.getCommand("cacheshadow.ui.case.report"), Map.of(CaseHandlers.Report.FILE, out.toString()));
			long t0 = System.nanoTime();
			handlers.executeCommand(c, null);
			Job.getJobManager().join(CaseJobs.FAMILY, null);
			CaseViewUiTest.waitFor(display, () -> ReportOpener.lastMessage() != null && ReportOpener.lastMessage().contains(out.toString()), 120_000);
			System.out.printf("report UI: %s written and opened in %.1f s (analysis done before)%n", name, (System.nanoTime() - t0) / 1e9);
			assertTrue(Files.size(out) > 10_000, out.toString());
			assertTrue(Files.isRegularFile(tmp.resolve("out/report.paths.csv")));
			CaseViewUiTest.screenshot(display, shell, "report-" + name.replace('.', '-') + ".png");
		}
		String html = Files.readString(tmp.resolve("out/report.html"), StandardCharsets.UTF_8);
		for (EvidenceItem e : CaseSession.get().current().evidence()) assertTrue(html.contains(e.sha256()), e.path());
		assertTrue(html.contains("Report from the workbench"));
		// the PDF's first page as the examiner would see it
		Path shots = Path.of(System.getProperty("cacheshadow.screenshots", "target/screenshots"));
		Files.createDirectories(shots);
		Process p = new ProcessBuilder("pdftoppm", "-r", "70", "-png", "-f", "1", "-l", "1", "-singlefile", tmp.resolve("out/report.pdf").toString(),
				shots.resolve("report-pdf-page1").toString()).redirectErrorStream(true).start();
		String log = new String(p.getInputStream().readAllBytes());
		assertEquals(0, p.waitFor(), log);
		assertNotNull(ReportOpener.lastMessage());
		CaseSession.get().close();
	}
}
