package cacheshadow.ui;

import org.eclipse.ui.IFolderLayout;
import org.eclipse.ui.IPageLayout;
import org.eclipse.ui.IPerspectiveFactory;

/**
 * The examiner's desk: the case's evidence top left with Properties, Findings and Progress below it; on the right
 * the guest's file system (three views, or the disk at the timeline's cursor) over the hex diff and the changes
 * between the timeline's two cursors, and the timeline of the write journal along the bottom.
 */
public class CasePerspective implements IPerspectiveFactory {
	public static final String ID = "cacheshadow.ui.casePerspective";

	@Override
	public void createInitialLayout(IPageLayout layout) {
		layout.setEditorAreaVisible(false);
		String editor = layout.getEditorArea();
		layout.addView(CaseView.ID, IPageLayout.LEFT, 0.30f, editor);
		IFolderLayout bottomLeft = layout.createFolder("bottomLeft", IPageLayout.BOTTOM, 0.40f, CaseView.ID);
		bottomLeft.addView(IPageLayout.ID_PROP_SHEET);
		bottomLeft.addView(FindingsView.ID);
		bottomLeft.addView(CustodyView.ID);
		bottomLeft.addView(BookmarksView.ID);
		bottomLeft.addView(IPageLayout.ID_PROGRESS_VIEW);
		layout.addView(TimelineView.ID, IPageLayout.BOTTOM, 0.62f, editor);
		layout.addView(FileSystemView.ID, IPageLayout.TOP, 0.50f, editor);
		IFolderLayout middle = layout.createFolder("middle", IPageLayout.BOTTOM, 0.50f, FileSystemView.ID);
		middle.addView(HexDiffView.ID);
		middle.addPlaceholder(ChangesView.ID);
		middle.addPlaceholder(SnapshotHexView.ID);
	}
}
