package cacheshadow.ui;

import org.eclipse.jface.dialogs.InputDialog;
import org.eclipse.swt.SWT;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Shell;

import cacheshadow.cases.ScenarioScore;

/**
 * The Bookmark dialog: a note, and an Answer box that tags the bookmark as a trainee's finding of a training scenario.
 * The note it gives is the one {@code case bookmark [--answer]} saves ({@link ScenarioScore#bookmarkNote}), so
 * Score Answers and {@code scenario score} read both alike.
 */
final class BookmarkDialog extends InputDialog {
	/** The dialog's title, and the label of its box. */
	static final String TITLE = "Bookmark", ANSWER = "Answer: a finding of a training scenario";
	private Button answer;
	private boolean tagged;

	BookmarkDialog(Shell parent) {
		super(parent, TITLE, "Note for this bookmark (shown in the walkthrough)", "", null);
	}

	@Override
	protected Control createDialogArea(Composite parent) {
		Composite area = (Composite) super.createDialogArea(parent);
		answer = new Button(area, SWT.CHECK);
		answer.setText(ANSWER);
		answer.setToolTipText("Tags the bookmark as an answer (its note then starts \"" + ScenarioScore.TAG
				+ "\", as case bookmark --answer saves it); Bookmarks > Score Answers… scores the answers against the scenario's key");
		answer.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
		return area;
	}

	@Override
	protected void okPressed() {
		tagged = answer.getSelection();
		super.okPressed();
	}

	/** The note to save, as the command line saves it. */
	String note() {
		return ScenarioScore.bookmarkNote(getValue(), tagged);
	}
}
