package cacheshadow.ui.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.eclipse.core.commands.ParameterizedCommand;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.MenuItem;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.commands.ICommandService;
import org.eclipse.ui.handlers.IHandlerService;
import org.eclipse.ui.keys.IBindingService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.cases.Case;
import cacheshadow.cases.ScenarioKey;
import cacheshadow.cases.ScenarioScore;
import cacheshadow.ui.BookmarkHandlers;
import cacheshadow.ui.CaseSession;

/**
 * Bookmarks > Score Answers… in the running workbench: a trainee's case with answer bookmarks (every other finding of
 * the sample's answer key, a path as it is on the disk, and a note that is no answer) scored against the sample set's
 * answer folder (its manifest.tsv and round manifests: the sample is a scenario of the evidence tool's own workload):
 * the menu item and its key, the command run with the folder as its parameter, the result shown without blocking the
 * workbench and equal to {@code scenario score}'s (found, missed, wrong); a screenshot of the dialog.
 */
class ScenarioScoreUiTest {
	@Test
	void scoreAnswersShowsFoundMissedAndWrong(@TempDir Path tmp) throws Exception {
		Display display = Display.getCurrent();
		Shell shell = PlatformUI.getWorkbench().getActiveWorkbenchWindow().getShell();
		List<String> menu = new ArrayList<>();
		for (MenuItem i : shell.getMenuBar().getItems()) {
			if (!i.getText().replace("&", "").equals("Bookmarks")) continue;
			i.getMenu().notifyListeners(org.eclipse.swt.SWT.Show, new org.eclipse.swt.widgets.Event());
			for (MenuItem k : i.getMenu().getItems()) menu.add(k.getText().replace("&", "").split("\t")[0]);
		}
		assertTrue(menu.contains("Score Answers…"), menu.toString());
		var key = PlatformUI.getWorkbench().getService(IBindingService.class).getBestActiveBindingFormattedFor("cacheshadow.ui.bookmark.score");
		assertTrue(List.of("Ctrl+Shift+A", "Shift+Ctrl+A").contains(key), key);

		Path answer = SampleCase.answerFolder(tmp.resolve("answer"));
		List<String> findings = ScenarioKey.of(answer).findings().stream().map(ScenarioKey.Entry::path).toList();
		List<String> found = new ArrayList<>(), missed = new ArrayList<>();
		for (int i = 0; i < findings.size(); i++) (i % 2 == 0 ? found : missed).add(findings.get(i));
		CaseSession.get().create(tmp.resolve("case"), "Trainee");
		Case c = CaseSession.get().current();
		for (String p : found) c.addBookmark("merged", p, null, 0, 0, ScenarioScore.TAG + " found it");
		c.addBookmark("merged", "/mnt/disk/a/b/c", null, 0, 0, "answer: a guess");
		c.addBookmark("merged", "/mnt/disk/etc/app.conf", null, 0, 0, "looked at, no answer");
		CaseSession.get().changed();

		ICommandService commands = PlatformUI.getWorkbench().getService(ICommandService.class);
		ParameterizedCommand cmd = ParameterizedCommand.generateCommand(commands.getCommand("cacheshadow.ui.bookmark.score"),
				Map.of(BookmarkHandlers.Score.ANSWER, answer.toString()));
		PlatformUI.getWorkbench().getService(IHandlerService.class).executeCommand(cmd, null);
		ScenarioScore s = BookmarkHandlers.Score.last();
		assertNotNull(s);
		assertEquals(found, s.found().stream().map(ScenarioKey.Entry::path).toList());
		assertEquals(missed, s.missed().stream().map(ScenarioKey.Entry::path).toList());
		assertEquals(List.of("/mnt/disk/a/b/c"), s.wrong());
		// shown without blocking: the dialog is open over the workbench, with the summary line
		Shell dialog = null;
		for (Shell sh : display.getShells()) if (sh != shell && sh.isVisible() && "Score Answers".equals(sh.getText())) dialog = sh;
		assertNotNull(dialog, "the score dialog");
		display.readAndDispatch();
		CaseViewUiTest.screenshot(display, dialog, "score-answers.png");
		assertTrue(s.text().contains("score: " + found.size() + " of " + findings.size() + " findings found, " + missed.size() + " missed, 1 wrongly claimed"),
				s.text());
		dialog.close();
		CaseSession.get().close();
	}
}
