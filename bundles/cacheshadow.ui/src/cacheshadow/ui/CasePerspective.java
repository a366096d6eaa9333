package cacheshadow.ui;

import org.eclipse.ui.IFolderLayout;
import org.eclipse.ui.IPageLayout;
import org.eclipse.ui.IPerspectiveFactory;

/**
 * The examiner's desk: the case's evidence top left, Properties and Progress below it; the guest's file system
 * (three views) on the right with the hex diff of the selected file under it.
 */
public class CasePerspective implements IPerspectiveFactory {
	public static final String ID = "cacheshadow.ui.casePerspective";

	@Override
	public void createInitialLayout(IPageLayout layout) {
		layout.setEditorAreaVisible(false);
		String editor = layout.getEditorArea();
		layout.addView(CaseView.ID, IPageLayout.LEFT, 0.38f, editor);
		IFolderLayout bottomLeft = layout.createFolder("bottomLeft", IPageLayout.BOTTOM, 0.45f, CaseView.ID);
		bottomLeft.addView(IPageLayout.ID_PROP_SHEET);
		bottomLeft.addView(IPageLayout.ID_PROGRESS_VIEW);
		layout.addView(FileSystemView.ID, IPageLayout.TOP, 0.62f, editor);
		layout.addView(HexDiffView.ID, IPageLayout.BOTTOM, 0.62f, FileSystemView.ID);
	}
}
