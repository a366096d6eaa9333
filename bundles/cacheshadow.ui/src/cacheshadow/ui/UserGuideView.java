package cacheshadow.ui;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.eclipse.jface.resource.JFaceResources;
import org.eclipse.swt.SWT;
import org.eclipse.swt.custom.StyledText;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.ui.part.ViewPart;

/** Help > User Guide: the short guide shipped in the bundle ({@code guide/user-guide.txt}), read-only. */
public class UserGuideView extends ViewPart {
	public static final String ID = "cacheshadow.ui.userGuideView";
	static final String GUIDE = "/guide/user-guide.txt";

	private StyledText text;

	@Override
	public void createPartControl(Composite parent) {
		text = new StyledText(parent, SWT.READ_ONLY | SWT.V_SCROLL | SWT.H_SCROLL | SWT.WRAP);
		text.setFont(JFaceResources.getTextFont());
		text.setText(guide());
	}

	/** The guide's text, or why it cannot be shown. */
	static String guide() {
		try (InputStream in = UserGuideView.class.getResourceAsStream(GUIDE)) {
			if (in == null) return "The user guide is missing from this installation (" + GUIDE + ").";
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		} catch (IOException e) {
			return "The user guide cannot be read: " + e.getMessage();
		}
	}

	public String text() {
		return text.getText();
	}

	@Override
	public void setFocus() {
		text.setFocus();
	}
}
