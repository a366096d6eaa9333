package cacheshadow.ui;

import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Label;
import org.eclipse.ui.part.ViewPart;

public class CaseView extends ViewPart {
	public static final String ID = "cacheshadow.ui.caseView";
	private Label label;

	@Override
	public void createPartControl(Composite parent) {
		label = new Label(parent, SWT.NONE);
		label.setText("No case open");
	}

	@Override
	public void setFocus() {
		label.setFocus();
	}
}
