package cacheshadow.ui;

import java.util.List;

import org.eclipse.swt.SWT;
import org.eclipse.swt.custom.StyledText;
import org.eclipse.swt.graphics.Color;
import org.eclipse.swt.graphics.Font;
import org.eclipse.swt.graphics.FontData;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.PartInitException;

import cacheshadow.cases.Bookmark;
import cacheshadow.merge.ByteProvenance;
import cacheshadow.merge.InstantTree;

/**
 * The courtroom walkthrough: a full-screen window in large type stepping through the case's bookmarks with the arrow
 * keys (→ / PgDn / Space next, ← / PgUp previous, Home first, Esc leaves). Each step restores the workbench behind it
 * (tree, selection, instant, hex page) and shows the bookmark's note, path, instant, the bytes of its range and where
 * they come from, and the SHA-256 of every evidence file of the case.
 */
public final class PresentationMode {
	private final IWorkbenchPage page;
	private final List<Bookmark> bookmarks;
	private final Shell shell;
	private final Label title, where;
	private final StyledText body;
	private final Font big, mono, small;
	private int index = -1;
	private volatile Walkthrough.Step shown;

	private PresentationMode(IWorkbenchPage page, List<Bookmark> bookmarks) {
		this.page = page;
		this.bookmarks = bookmarks;
		Display d = page.getWorkbenchWindow().getShell().getDisplay();
		int size = WorkbenchPreferences.presentationFontSize();
		// a plain top-level window made full screen: an ON_TOP (override-redirect) window would never get the keyboard
		shell = new Shell(d, SWT.NO_TRIM);
		shell.setText("CacheShadow presentation");
		Color bg = d.getSystemColor(SWT.COLOR_WHITE);
		shell.setBackground(bg);
		FontData base = d.getSystemFont().getFontData()[0];
		big = new Font(d, base.getName(), size + 8, SWT.BOLD);
		small = new Font(d, base.getName(), Math.max(8, size * 2 / 3), SWT.NORMAL);
		mono = new Font(d, "Monospace", size, SWT.NORMAL);
		GridLayout layout = new GridLayout(1, false);
		layout.marginWidth = 48;
		layout.marginHeight = 32;
		layout.verticalSpacing = 12;
		shell.setLayout(layout);
		title = new Label(shell, SWT.WRAP);
		title.setFont(big);
		title.setBackground(bg);
		title.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
		where = new Label(shell, SWT.WRAP);
		where.setFont(small);
		where.setBackground(bg);
		where.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
		body = new StyledText(shell, SWT.READ_ONLY | SWT.WRAP | SWT.V_SCROLL);
		body.setFont(mono);
		body.setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true));
		shell.addListener(SWT.Dispose, e -> {
			big.dispose();
			small.dispose();
			mono.dispose();
		});
		org.eclipse.swt.widgets.Listener keys = e -> {
			switch (e.keyCode) {
			case SWT.ARROW_RIGHT, SWT.PAGE_DOWN, ' ' -> step(index + 1);
			case SWT.ARROW_LEFT, SWT.PAGE_UP -> step(index - 1);
			case SWT.HOME -> step(0);
			case SWT.ESC -> shell.close();
			default -> {
				return;
			}
			}
			e.doit = false;
		};
		shell.addListener(SWT.KeyDown, keys);
		body.addListener(SWT.KeyDown, keys);
	}

	/** Opens the walkthrough on the case's bookmarks (none: says so and returns null). */
	public static PresentationMode open(IWorkbenchPage page, List<Bookmark> bookmarks) {
		PresentationMode p = new PresentationMode(page, bookmarks);
		p.shell.setBounds(p.shell.getDisplay().getPrimaryMonitor().getBounds());
		p.shell.open();
		p.shell.setFullScreen(true);
		p.shell.forceActive();
		p.body.forceFocus();
		if (bookmarks.isEmpty()) {
			p.title.setText("No bookmarks in this case");
			p.where.setText("Select a path in the File System view and press Ctrl+D to bookmark it. Esc leaves.");
			p.shell.layout();
		} else p.step(0);
		return p;
	}

	/** Goes to bookmark {@code k} (clamped): restores the workbench behind and loads what the step shows. */
	public void step(int k) {
		if (bookmarks.isEmpty() || shell.isDisposed()) return;
		int to = Math.max(0, Math.min(bookmarks.size() - 1, k));
		if (to == index && shown != null) return;
		index = to;
		shown = null;
		Bookmark b = bookmarks.get(to);
		title.setText((to + 1) + " / " + bookmarks.size() + "   " + (b.note().isEmpty() ? b.path() : b.note()));
		where.setText("Reading…");
		body.setText("");
		shell.layout();
		try {
			Walkthrough.restore(page, b, false);
		} catch (PartInitException e) {
			where.setText(e.getMessage());
		}
		CaseJobs.background("Presentation step " + (to + 1), () -> {
			Walkthrough.Step s = Walkthrough.load(b);
			Display d = shell.getDisplay();
			if (!d.isDisposed()) d.asyncExec(() -> {
				if (!shell.isDisposed() && index == to) show(s);
			});
		});
	}

	private void show(Walkthrough.Step s) {
		Bookmark b = s.bookmark();
		where.setText(b.path() + "\n" + b.view() + " tree" + (s.instantDescription() != null ? " — " + s.instantDescription()
				: b.instant() != null ? " — timeline at " + b.instant() : "") + (b.length() > 0 ? " — bytes " + b.offset() + "+" + b.length() : ""));
		StringBuilder sb = new StringBuilder();
		if (s.problem() != null) sb.append(s.problem()).append("\n\n");
		if (s.excerpt().length > 0) {
			sb.append("Bytes ").append(s.excerptOffset()).append("+").append(s.excerpt().length).append(":\n");
			for (int i = 0; i < s.excerpt().length; i += 16) {
				int n = Math.min(16, s.excerpt().length - i);
				sb.append(String.format("%08x  ", s.excerptOffset() + i));
				StringBuilder ascii = new StringBuilder();
				for (int j = 0; j < 16; j++) {
					if (j < n) {
						int c = s.excerpt()[i + j] & 0xff;
						sb.append(String.format("%02x ", c));
						ascii.append(c >= 0x20 && c < 0x7f ? (char) c : '.');
					} else sb.append("   ");
				}
				sb.append(' ').append(ascii).append('\n');
			}
			sb.append('\n');
		}
		if (!s.provenance().isEmpty()) {
			sb.append("Where these bytes come from:\n");
			for (ByteProvenance p : s.provenance()) {
				sb.append("  bytes ").append(p.offset()).append('+').append(p.length()).append(": ").append(p.source().label());
				if (p.diskBlock() >= 0) sb.append(" (file-system block ").append(p.diskBlock()).append(')');
				sb.append('\n');
			}
			for (InstantTree.LastWriter w : s.writers()) {
				sb.append("  bytes ").append(w.fileOffset()).append('+').append(w.length()).append(": ")
						.append(w.entry() < 0 ? "the base image (no journal entry wrote them yet)" : "last written by journal entry " + w.entry())
						.append(w.entry() >= 0 && w.epochNanos() != cacheshadow.journal.WriteLog.NO_TIME
								? ", " + java.time.Instant.ofEpochSecond(0, w.epochNanos()) + " (" + w.quality().word() + ")" : "")
						.append('\n');
			}
			sb.append('\n');
		}
		sb.append("Evidence (SHA-256 when added to the case):\n");
		for (String e : s.evidence()) sb.append("  ").append(e).append('\n');
		body.setText(sb.toString());
		shown = s;
		shell.layout();
	}

	/** The step on screen once loaded, else null (for tests). */
	public Walkthrough.Step shown() {
		return shown;
	}

	public int index() {
		return index;
	}

	public Shell shell() {
		return shell;
	}

	public String text() {
		return title.getText() + "\n" + where.getText() + "\n" + body.getText();
	}
}
