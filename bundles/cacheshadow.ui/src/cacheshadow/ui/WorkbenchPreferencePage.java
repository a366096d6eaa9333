package cacheshadow.ui;

import org.eclipse.jface.preference.DirectoryFieldEditor;
import org.eclipse.jface.preference.FieldEditorPreferencePage;
import org.eclipse.jface.preference.IntegerFieldEditor;
import org.eclipse.ui.IWorkbench;
import org.eclipse.ui.IWorkbenchPreferencePage;

/** Window > Preferences > CacheShadow. */
public class WorkbenchPreferencePage extends FieldEditorPreferencePage implements IWorkbenchPreferencePage {
	public WorkbenchPreferencePage() {
		super(GRID);
		setPreferenceStore(WorkbenchPreferences.store());
		setDescription("Settings of the CacheShadow Workbench. Evidence is never modified by any of them.");
	}

	@Override
	protected void createFieldEditors() {
		addField(new DirectoryFieldEditor(WorkbenchPreferences.KERNEL_DIR, "Default kernel-files folder (vmlinux.btf, System.map):",
				getFieldEditorParent()));
		IntegerFieldEditor bars = new IntegerFieldEditor(WorkbenchPreferences.TIMELINE_BARS, "Timeline bars across the visible range:",
				getFieldEditorParent());
		bars.setValidRange(WorkbenchPreferences.MIN_BARS, WorkbenchPreferences.MAX_BARS);
		addField(bars);
		IntegerFieldEditor font = new IntegerFieldEditor(WorkbenchPreferences.PRESENTATION_FONT, "Presentation font size (points):",
				getFieldEditorParent());
		font.setValidRange(WorkbenchPreferences.MIN_FONT, WorkbenchPreferences.MAX_FONT);
		addField(font);
	}

	@Override
	public void init(IWorkbench workbench) {
	}
}
