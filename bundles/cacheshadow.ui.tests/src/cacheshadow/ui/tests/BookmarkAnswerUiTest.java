package cacheshadow.ui.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.eclipse.core.commands.ParameterizedCommand;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Text;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.commands.ICommandService;
import org.eclipse.ui.handlers.IHandlerService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.cases.Bookmark;
import cacheshadow.cases.ScenarioKey;
import cacheshadow.cases.ScenarioScore;
import cacheshadow.merge.View;
import cacheshadow.ui.BookmarkHandlers;
import cacheshadow.ui.CaseSession;
import cacheshadow.ui.FileSystemView;

/**
 * Bookmark This… (Ctrl+D) in the running workbench, its dialog filled in as a trainee does: a finding of the sample's
 * answer key bookmarked with the Answer box ticked is saved with the note {@code case bookmark --answer --note TEXT}
 * saves ("answer: TEXT"), one without it keeps its plain note; Score Answers then counts the ticked one as found and
 * nothing as wrongly claimed. Screenshot of the dialog.
 */
class BookmarkAnswerUiTest {

	@Test
	void theAnswerBoxTagsTheBookmarkAsTheCommandLineDoes(@TempDir Path tmp) throws Exception {
		Display display = Display.getCurrent();
		IWorkbenchPage page = PlatformUI.getWorkbench().getActiveWorkbenchWindow().getActivePage();
		FileSystemView fs = (FileSystemView) page.showView(FileSystemView.ID);
		fs.show(View.MERGED);
		Path answer = SampleCase.answerFolder(tmp.resolve("answer"));
		List<String> findings = ScenarioKey.of(answer).findings().stream().map(ScenarioKey.Entry::path).toList();
		String found = findings.stream().filter(p -> p.startsWith("/mnt/disk/")).findFirst().orElseThrow();
		SampleCase.create(display, tmp.resolve("case"), "UI answer bookmark", List.of("memory.elf", "disk.img", "kernel/vmlinux.btf", "kernel/System.map"), true);
		try {
			CaseViewUiTest.waitFor(display, () -> fs.headerText().contains("merged view"), 30_000);

			// ticked: saved as the CLI's --answer saves it
			BookmarksPresentationUiTest.select(display, fs, found);
			String shown = bookmarkThrough(display, "  hidden by the attacker ", true, "bookmark-answer-dialog.png");
			assertTrue(shown.contains("Note for this bookmark"), shown);
			// not ticked: the plain note, stripped as the CLI strips it
			String other = findings.stream().filter(p -> p.startsWith("/mnt/disk/") && !p.equals(found)).findFirst().orElseThrow();
			BookmarksPresentationUiTest.select(display, fs, other);
			bookmarkThrough(display, " looked at ", false, null);

			List<Bookmark> saved = CaseSession.get().current().bookmarks();
			assertEquals(2, saved.size(), saved.toString());
			assertEquals(found, saved.get(0).path());
			// exactly what the command line saves for the same note: case bookmark --answer, on a case of its own
			assertEquals(cliNote(tmp, found, "  hidden by the attacker ", true), saved.get(0).note());
			assertTrue(saved.get(0).note().startsWith("answer: ") && saved.get(0).note().endsWith("hidden by the attacker"), saved.get(0).note());
			assertTrue(ScenarioScore.isAnswer(saved.get(0)));
			assertEquals(other, saved.get(1).path());
			assertEquals(cliNote(tmp, other, " looked at ", false), saved.get(1).note());
			assertEquals("looked at", saved.get(1).note());
			assertFalse(ScenarioScore.isAnswer(saved.get(1)));

			// Score Answers reads the ticked one as the trainee's one finding
			ICommandService commands = PlatformUI.getWorkbench().getService(ICommandService.class);
			ParameterizedCommand cmd = ParameterizedCommand.generateCommand(commands.getCommand("cacheshadow.ui.bookmark.score"),
					Map.of(BookmarkHandlers.Score.ANSWER, answer.toString()));
			PlatformUI.getWorkbench().getService(IHandlerService.class).executeCommand(cmd, null);
			ScenarioScore s = BookmarkHandlers.Score.last();
			assertEquals(List.of(found), s.found().stream().map(ScenarioKey.Entry::path).toList());
			assertEquals(findings.size() - 1, s.missed().size());
			assertEquals(List.of(), s.wrong());
			for (Shell sh : display.getShells()) if (sh.isVisible() && "Score Answers".equals(sh.getText())) sh.close();
		} finally {
			CaseSession.get().close();
		}
	}

	/** The note {@code ./cacheshadow case bookmark [--answer] --note NOTE} saves (run in-process, on a case of its own). */
	private static String cliNote(Path tmp, String path, String note, boolean answer) throws Exception {
		Path dir = Files.createTempDirectory(tmp, "cli-case");
		Files.delete(dir);
		java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
		java.io.PrintStream out = new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true), e = new java.io.PrintStream(err, true);
		assertEquals(0, new cacheshadow.cli.Cli(out, e).run(new String[] { "case", "new", dir.toString(), "--name", "CLI" }), err.toString());
		List<String> args = new java.util.ArrayList<>(List.of("case", "bookmark", dir.toString(), "--view", "merged", "--path", path, "--note", note));
		if (answer) args.add("--answer");
		assertEquals(0, new cacheshadow.cli.Cli(out, e).run(args.toArray(String[]::new)), err.toString());
		try (cacheshadow.cases.Case c = cacheshadow.cases.Case.open(dir)) {
			return c.bookmarks().get(0).note();
		}
	}

	/**
	 * Runs Bookmark This… and fills its dialog from a timer inside the dialog's own loop: the note typed, the Answer
	 * box ticked or not, OK pressed. The dialog's texts are returned.
	 */
	private static String bookmarkThrough(Display display, String note, boolean tick, String screenshot) throws Exception {
		String[] seen = new String[1];
		Runnable[] fill = new Runnable[1];
		fill[0] = () -> {
			Shell d = PartialEvidenceUiTest.question(display, "Bookmark");
			if (d == null) {
				display.timerExec(100, fill[0]);
				return;
			}
			seen[0] = PartialEvidenceUiTest.texts(d);
			text(d).setText(note);
			Button box = check(d);
			assertNotNull(box, "no Answer box");
			seen[0] += box.getText();
			box.setSelection(tick);
			if (screenshot != null) {
				try {
					CaseViewUiTest.screenshot(display, d, screenshot);
				} catch (Exception e) {
					seen[0] += " (no screenshot: " + e + ")";
				}
			}
			PartialEvidenceUiTest.press(d, "OK");
		};
		display.timerExec(100, fill[0]);
		try {
			PlatformUI.getWorkbench().getService(IHandlerService.class).executeCommand("cacheshadow.ui.bookmark.add", null);
			CaseViewUiTest.waitFor(display, () -> seen[0] != null && PartialEvidenceUiTest.question(display, "Bookmark") == null, 20_000);
		} finally {
			display.timerExec(-1, fill[0]);
		}
		assertTrue(seen[0].contains("Answer"), seen[0]);
		return seen[0];
	}

	private static Text text(Composite c) {
		for (Control x : c.getChildren()) {
			if (x instanceof Text t) return t;
			if (x instanceof Composite k && text(k) != null) return text(k);
		}
		return null;
	}

	private static Button check(Composite c) {
		for (Control x : c.getChildren()) {
			if (x instanceof Button b && (b.getStyle() & SWT.CHECK) != 0) return b;
			if (x instanceof Composite k && check(k) != null) return check(k);
		}
		return null;
	}
}
