package cacheshadow.ui;

import org.eclipse.ui.IFolderLayout;
import org.eclipse.ui.IPageLayout;
import org.eclipse.ui.IPerspectiveFactory;

/** Case view on the left, Properties and Progress below: the examiner's evidence desk. */
public class CasePerspective implements IPerspectiveFactory {
	public static final String ID = "cacheshadow.ui.casePerspective";

	@Override
	public void createInitialLayout(IPageLayout layout) {
		layout.setEditorAreaVisible(false);
		String editor = layout.getEditorArea();
		layout.addView(CaseView.ID, IPageLayout.TOP, 0.6f, editor);
		IFolderLayout bottom = layout.createFolder("bottom", IPageLayout.BOTTOM, 0.6f, CaseView.ID);
		bottom.addView(IPageLayout.ID_PROP_SHEET);
		bottom.addView(IPageLayout.ID_PROGRESS_VIEW);
	}
}
