package cacheshadow.ui;

import java.nio.file.Files;
import java.nio.file.Path;

import org.eclipse.jface.dialogs.IDialogConstants;
import org.eclipse.jface.dialogs.TitleAreaDialog;
import org.eclipse.swt.SWT;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.DirectoryDialog;
import org.eclipse.swt.widgets.FileDialog;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Spinner;
import org.eclipse.swt.widgets.Text;

/**
 * Case > Attach to a Running Guest…: a live folder (as {@code make-evidence.sh --live DIR} or
 * {@code releng/live-guest.sh} lay it out) or a RAM file and QMP socket of a guest started any other way; the guest's
 * disk image; how often to refresh. Only checks that the files are there: attaching tells the rest.
 */
public final class AttachDialog extends TitleAreaDialog {
	private Button byDir, byFiles;
	private Text dir, ram, qmp, disk;
	private Spinner every;
	private AttachedGuest.Request request;

	public AttachDialog(Shell parent) {
		super(parent);
	}

	@Override
	protected void configureShell(Shell shell) {
		super.configureShell(shell);
		shell.setText("Attach to a Running Guest");
	}

	@Override
	protected Control createDialogArea(Composite parent) {
		setTitle("Attach to a running QEMU guest");
		setMessage("Its RAM file (memory-backend-file, share=on) and QMP socket; its disk image to tell the changes against.");
		Composite area = (Composite) super.createDialogArea(parent);
		Composite c = new Composite(area, SWT.NONE);
		c.setLayout(new GridLayout(3, false));
		c.setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true));

		byDir = radio(c, "Live folder (ram, qmp.sock, disk.img, kernel/ as make-evidence.sh --live lays them out):");
		dir = field(c, "Folder", "liveDir", true);
		byFiles = radio(c, "A guest started any other way:");
		ram = field(c, "RAM file", "ram", false);
		qmp = field(c, "QMP socket", "qmp", false);
		new Label(c, SWT.SEPARATOR | SWT.HORIZONTAL).setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false, 3, 1));
		disk = field(c, "Disk image", "disk", false);
		disk.setMessage("the guest's disk (default in a live folder: disk.img)");
		new Label(c, SWT.NONE).setText("Refresh every");
		Composite r = new Composite(c, SWT.NONE);
		GridLayout rl = new GridLayout(2, false);
		rl.marginWidth = rl.marginHeight = 0;
		r.setLayout(rl);
		r.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false, 2, 1));
		every = new Spinner(r, SWT.BORDER);
		every.setValues(10, 0, 3600, 0, 1, 10);
		every.setData("cacheshadow.field", "every");
		new Label(r, SWT.NONE).setText("seconds (0: only when asked, Case > Refresh Guest)");
		byDir.setSelection(true);
		byDir.addListener(SWT.Selection, e -> validate());
		byFiles.addListener(SWT.Selection, e -> validate());
		every.addListener(SWT.Modify, e -> validate());
		return area;
	}

	private Button radio(Composite c, String text) {
		Button b = new Button(c, SWT.RADIO);
		b.setText(text);
		b.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false, 3, 1));
		return b;
	}

	/** A labelled path field with a Browse button; {@code key} names it for tests. */
	private Text field(Composite c, String label, String key, boolean folder) {
		new Label(c, SWT.NONE).setText(label);
		Text t = new Text(c, SWT.BORDER);
		GridData g = new GridData(SWT.FILL, SWT.CENTER, true, false);
		g.widthHint = 420;
		t.setLayoutData(g);
		t.setData("cacheshadow.field", key);
		t.addListener(SWT.Modify, e -> {
			// typing into one way's fields chooses that way
			boolean viaDir = t == dir, viaFiles = t == ram || t == qmp;
			if ((viaDir || viaFiles) && !t.getText().isBlank()) {
				byDir.setSelection(viaDir);
				byFiles.setSelection(viaFiles);
			}
			validate();
		});
		Button b = new Button(c, SWT.PUSH);
		b.setText("Browse…");
		b.addListener(SWT.Selection, e -> {
			String chosen = folder ? new DirectoryDialog(getShell()).open() : new FileDialog(getShell(), SWT.OPEN).open();
			if (chosen != null) t.setText(chosen);
		});
		return t;
	}

	private static Path path(Text t) {
		String s = t.getText().strip();
		return s.isEmpty() ? null : Path.of(s);
	}

	/** The request as the fields stand, with the first thing missing (or null). */
	private String validate() {
		boolean live = byDir.getSelection();
		Path d = live ? path(dir) : null;
		request = new AttachedGuest.Request(d, live ? null : path(ram), live ? null : path(qmp), path(disk), every.getSelection());
		String problem = request.problem();
		if (problem == null && d != null && !Files.isRegularFile(d.resolve("ram"))) problem = d + " has no guest RAM file (ram): is the guest running?";
		if (problem == null && !live && !Files.isRegularFile(request.ram())) problem = request.ram() + ": no such RAM file";
		if (problem == null && !live && !Files.exists(request.qmp())) problem = request.qmp() + ": no such QMP socket";
		if (problem == null && !Files.isRegularFile(request.diskImage())) problem = request.diskImage() + ": no such disk image";
		setErrorMessage(problem);
		Button ok = getButton(IDialogConstants.OK_ID);
		if (ok != null) ok.setEnabled(problem == null);
		return problem;
	}

	@Override
	protected void createButtonsForButtonBar(Composite parent) {
		createButton(parent, IDialogConstants.OK_ID, "Attach", true);
		createButton(parent, IDialogConstants.CANCEL_ID, IDialogConstants.CANCEL_LABEL, false);
		validate();
		setErrorMessage(null); // not before the examiner typed anything
	}

	@Override
	protected void okPressed() {
		if (validate() != null) return;
		super.okPressed();
	}

	/** The examiner's choice after OK. */
	public AttachedGuest.Request request() {
		return request;
	}
}
