package cacheshadow.ui;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jface.resource.JFaceResources;
import org.eclipse.swt.SWT;
import org.eclipse.swt.custom.StyleRange;
import org.eclipse.swt.custom.StyledText;
import org.eclipse.swt.graphics.Color;
import org.eclipse.swt.graphics.RGB;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Label;
import org.eclipse.ui.part.ViewPart;

import cacheshadow.caches.MemoryWindow;
import cacheshadow.merge.MergedFileSystem;

/**
 * Read-only bytes of the memory snapshot around one address (a kernel virtual address through the snapshot's page
 * tables, or a physical one), as hex and printable ASCII only: the guest wrote these bytes, nothing in them is
 * interpreted. Bytes the snapshot does not hold are shown as {@code ??}, never as zeros.
 */
public class SnapshotHexView extends ViewPart {
	public static final String ID = "cacheshadow.ui.snapshotHexView";
	/** Bytes shown around the address. */
	public static final int WINDOW = 512;

	private Label header;
	private StyledText text;
	private Color hot, hole;
	private volatile MemoryWindow window;
	private MemoryWindow.Address address;
	private MergedFileSystem readFrom;
	private final AtomicLong generation = new AtomicLong();
	private final Runnable refresher = () -> {
		UiThread.later(text, this::caseChanged);
	};

	@Override
	public void createPartControl(Composite parent) {
		hot = new Color(parent.getDisplay(), new RGB(255, 220, 120));
		hole = new Color(parent.getDisplay(), new RGB(150, 150, 150));
		parent.setLayout(new GridLayout(1, false));
		header = new Label(parent, SWT.WRAP);
		header.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
		header.setText("Open a finding with a memory address in the Findings view.");
		text = new StyledText(parent, SWT.READ_ONLY | SWT.H_SCROLL | SWT.V_SCROLL | SWT.BORDER);
		text.setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true));
		text.setFont(JFaceResources.getTextFont());
		CaseSession.get().addListener(refresher);
	}

	/** Reads {@value #WINDOW} bytes around {@code at} from the current analysis' snapshot (off the UI thread) and shows them. */
	public void show(MemoryWindow.Address at) {
		MergedFileSystem m = CaseSession.get().analysis();
		address = at;
		readFrom = m;
		long gen = generation.incrementAndGet();
		if (m == null) {
			window = null;
			header.setText("No analysis: nothing to read " + at + " from.");
			text.setText("");
			return;
		}
		header.setText("Reading " + at + " …");
		CaseJobs.background("Reading the memory snapshot at " + at, () -> {
			MemoryWindow w = MemoryWindow.read(m.analysis(), at, WINDOW);
			if (!text.isDisposed()) text.getDisplay().asyncExec(() -> {
				if (!text.isDisposed() && generation.get() == gen) render(w);
			});
		});
	}

	private void caseChanged() {
		if (text.isDisposed()) return;
		MergedFileSystem m = CaseSession.get().analysis();
		if (m == readFrom) return;
		if (m != null && address != null) show(address);
		else {
			generation.incrementAndGet();
			readFrom = null;
			window = null;
			header.setText(CaseSession.get().current() == null ? "No case open." : "No analysis.");
			text.setText("");
		}
	}

	private void render(MemoryWindow w) {
		window = w;
		MemoryWindow.Address at = w.address();
		boolean virtual = at.space() == MemoryWindow.Space.VIRTUAL;
		String space = virtual ? "kernel virtual address" : "guest-physical address";
		long end = w.start() + w.length() - 1;
		StringBuilder sb = new StringBuilder();
		List<StyleRange> styles = new ArrayList<>();
		if (!w.anyReadable()) {
			sb.append(at).append(": not mapped\n\n").append(virtual ? "The snapshot's page tables map no byte of " : "The snapshot holds no byte of ")
					.append(String.format("0x%x–0x%x", w.start(), end)).append("\n(").append(space).append("): nothing to show.\n");
			header.setText("Snapshot bytes at " + at + ": not mapped (" + space + ")");
		} else {
			long off = at.value() - w.start();
			if (w.addressReadable()) {
				sb.append(at).append(" (").append(space);
				if (virtual) sb.append(String.format(", physical 0x%x", w.physical((int) off)));
				sb.append(String.format(") — %d bytes from 0x%x, hex and printable ASCII only", w.length(), w.start()));
			} else {
				sb.append(at).append(": not mapped (").append(space).append("); the mapped bytes around it are shown");
			}
			sb.append("\n\n");
			int width = virtual ? 16 : Math.max(8, Long.toHexString(end).length());
			for (int row = 0; row < w.length(); row += 16) {
				sb.append(String.format("%0" + width + "x  ", w.start() + row));
				StringBuilder ascii = new StringBuilder();
				for (int i = 0; i < 16; i++) {
					int b = w.at(row + i);
					int pos = sb.length();
					sb.append(b < 0 ? "??" : String.format("%02x", b)).append(i == 7 ? "  " : " ");
					ascii.append(b < 0 ? ' ' : b >= 0x20 && b < 0x7f ? (char) b : '.');
					if (b < 0) styles.add(new StyleRange(pos, 2, hole, null));
					else if (row + i == off) styles.add(new StyleRange(pos, 2, null, hot, SWT.BOLD));
				}
				int asciiStart = sb.length() + 1;
				sb.append('|').append(ascii).append("|\n");
				if (off >= row && off < row + 16 && w.addressReadable()) styles.add(new StyleRange(asciiStart + (int) (off - row), 1, null, hot, SWT.BOLD));
			}
			String first = sb.substring(0, sb.indexOf("\n"));
			header.setText("Snapshot bytes at " + first.replace(", hex and printable ASCII only", ""));
		}
		text.setText(sb.toString());
		styles.sort(java.util.Comparator.comparingInt(r -> r.start));
		text.setStyleRanges(styles.toArray(StyleRange[]::new));
		int line = Math.max(0, (int) ((at.value() - w.start()) / 16) + 2 - 6);
		text.setTopIndex(line);
		header.getParent().layout();
	}

	/** The address shown last, or null. */
	public MemoryWindow.Address address() {
		return address;
	}

	/** The bytes shown, or null while reading or when nothing is shown. */
	public MemoryWindow window() {
		return window;
	}

	public String text() {
		return text.getText();
	}

	public String headerText() {
		return header.getText();
	}

	@Override
	public void setFocus() {
		text.setFocus();
	}

	@Override
	public void dispose() {
		CaseSession.get().removeListener(refresher);
		if (hot != null) {
			hot.dispose();
			hole.dispose();
		}
		super.dispose();
	}
}
