package cacheshadow.ui;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.jface.resource.JFaceResources;
import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.swt.SWT;
import org.eclipse.swt.custom.StyleRange;
import org.eclipse.swt.custom.StyledText;
import org.eclipse.swt.dnd.Clipboard;
import org.eclipse.swt.dnd.TextTransfer;
import org.eclipse.swt.dnd.Transfer;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Text;
import org.eclipse.ui.ISelectionListener;
import org.eclipse.ui.part.ViewPart;

import cacheshadow.journal.DiskHistory;
import cacheshadow.journal.FileChanges;
import cacheshadow.journal.ResolvedInstant;
import cacheshadow.listing.FileRecord;
import cacheshadow.merge.DirtyPageDiff;
import cacheshadow.merge.FileHexDiff;
import cacheshadow.merge.FileTree;
import cacheshadow.merge.InstantComparison;
import cacheshadow.merge.InstantTree;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.View;

/**
 * A file two ways, side by side, one 4 KiB page at a time: the disk against the guest's dirty page (the merged view:
 * {@link FileHexDiff} says which pages are dirty and which disk block each will overwrite, or that none is allocated
 * yet), or the file at one instant against another (timeline cursors: {@link InstantComparison#changedRanges}).
 * Offsets, hex and ASCII of both sides; differing bytes highlighted; previous/next differing page, go to any offset,
 * copy the page as a hex dump or the newer side as text. Pages are read in a Job, never on the UI thread.
 */
public class HexDiffView extends ViewPart {
	public static final String ID = "cacheshadow.ui.hexDiffView";
	static final int PAGE = 4096;

	/** What is compared: the two sides' readers and labels, and the pages worth stepping through. */
	private record Subject(String path, String olderLabel, String newerLabel, FileTree older, FileTree newer, long olderSize, long newerSize,
			List<Long> pages, List<String> notes, String summary, AutoCloseable owned) {
	}

	private Label header;
	private StyledText text;
	private Text goTo;
	private Button previous, next;
	private Subject subject;
	private int pageIndex;
	private long pageOffset;
	private byte[] olderBytes, newerBytes;
	private int olderLen, newerLen;
	private final AtomicLong generation = new AtomicLong();
	private volatile boolean busy;
	private final ISelectionListener listener = (part, sel) -> {
		if (part instanceof FileSystemView && sel instanceof IStructuredSelection s && s.getFirstElement() instanceof FileSystemView.Node n) showNode(n);
	};

	@Override
	public void createPartControl(Composite parent) {
		parent.setLayout(new GridLayout(1, false));
		header = new Label(parent, SWT.WRAP);
		header.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
		Composite bar = new Composite(parent, SWT.NONE);
		bar.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
		bar.setLayout(new GridLayout(6, false));
		previous = button(bar, "◀ page", "Previous differing page", () -> step(-1));
		next = button(bar, "page ▶", "Next differing page", () -> step(1));
		new Label(bar, SWT.NONE).setText("Offset:");
		goTo = new Text(bar, SWT.BORDER | SWT.SINGLE);
		GridData g = new GridData(SWT.LEFT, SWT.CENTER, false, false);
		g.widthHint = 120;
		goTo.setLayoutData(g);
		goTo.setMessage("0x1000 or 4096");
		goTo.addListener(SWT.DefaultSelection, e -> {
			try {
				goToOffset(parseOffset(goTo.getText()));
			} catch (NumberFormatException ex) {
				header.setText("Not an offset: " + goTo.getText() + " (decimal, or hex with 0x)");
			}
		});
		button(bar, "Copy hex", "Copy this page as a hex dump of both sides", () -> copy(hexDump()));
		button(bar, "Copy text", "Copy the newer side of this page as text (non-printable bytes as '.')", () -> copy(newerText()));
		text = new StyledText(parent, SWT.READ_ONLY | SWT.H_SCROLL | SWT.V_SCROLL);
		text.setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true));
		text.setFont(JFaceResources.getTextFont());
		text.setText("Select a file in the File System view to compare its dirty pages with the disk, or open a row of Changes A→B.");
		getSite().getPage().addPostSelectionListener(listener);
		updateButtons();
	}

	private Button button(Composite bar, String label, String tip, Runnable r) {
		Button b = new Button(bar, SWT.PUSH);
		b.setText(label);
		b.setToolTipText(tip);
		b.addListener(SWT.Selection, e -> r.run());
		return b;
	}

	static long parseOffset(String s) {
		String t = s.strip().replace("_", "");
		return t.startsWith("0x") || t.startsWith("0X") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseLong(t);
	}

	/** A path of the File System view, in the way its tree compares it (cache vs disk, or instant vs end). */
	public void showNode(FileSystemView.Node n) {
		if (n.model() instanceof FileTreeModel.AtInstant at) showComparison(n.path(), at.comparison(), null);
		else show(n.path());
	}

	/** The dirty pages of {@code path} of the current analysis against the disk blocks they will overwrite. */
	public void show(String path) {
		MergedFileSystem m = CaseSession.get().analysis();
		if (m == null || text.isDisposed()) return;
		load(() -> {
			FileRecord r = m.getattr(path);
			if (r == null || !r.type().isRegular()) throw new IOException("not a regular file of the merged view");
			FileHexDiff d = m.hexDiff(path);
			List<Long> pages = new ArrayList<>();
			List<String> notes = new ArrayList<>();
			for (DirtyPageDiff p : d.pages()) {
				pages.add(p.fileOffset());
				notes.add(String.format("dirty page %d: %s, %d byte(s) differ", p.pageIndex(),
						p.allocated() ? "will overwrite disk block " + p.diskBlock() : "not allocated on disk yet", p.differingBytes()));
			}
			FileTree disk = m.tree(View.DISK_ONLY);
			FileRecord onDisk = disk.getattr(path);
			String summary = String.format("%s — inode %d — cached size %,d, disk size %s — %d dirty page(s)", path, d.inode(), d.cachedSize(),
					d.diskSize() < 0 ? "(not on disk)" : String.format("%,d", d.diskSize()), d.dirtyPages());
			if (d.pages().isEmpty()) summary += " — the cache and the disk agree on every page the cache holds";
			return new Subject(path, "disk", "cache (dirty page)", onDisk == null ? null : disk, m, onDisk == null ? -1 : d.diskSize(), d.cachedSize(),
					pages, notes, summary, null);
		});
	}

	/** The file at cursor A against the file at cursor B (the disk as the journal says it stood then). */
	public void showInstants(String path) {
		DiskHistory h = CaseSession.get().history();
		ResolvedInstant a = CaseSession.get().cursorA(), b = CaseSession.get().cursorB();
		if (h == null || a == null || b == null || text.isDisposed()) return;
		String prefix = FileSystemView.mountPrefix();
		load(() -> {
			InstantTree x = InstantTree.open(h, a, prefix, true);
			try {
				InstantTree y = InstantTree.open(h, b, prefix, true);
				AutoCloseable both = () -> {
					x.close();
					y.close();
				};
				return comparison(path, InstantComparison.of(x, y), both);
			} catch (IOException | RuntimeException e) {
				x.close();
				throw e;
			}
		});
	}

	private void showComparison(String path, InstantComparison c, AutoCloseable owned) {
		load(() -> comparison(path, c, owned));
	}

	private static Subject comparison(String path, InstantComparison c, AutoCloseable owned) throws IOException {
		FileRecord x = c.at().getattr(path), y = c.reference().getattr(path);
		if ((x == null || !x.type().isRegular()) && (y == null || !y.type().isRegular())) throw new IOException("not a regular file at either instant");
		List<Long> pages = new ArrayList<>();
		List<String> notes = new ArrayList<>();
		for (FileChanges.ByteRange r : c.changedRanges(path)) {
			for (long p = r.offset() / PAGE * PAGE; p < r.offset() + r.length(); p += PAGE) {
				if (pages.isEmpty() || pages.get(pages.size() - 1) != p) {
					pages.add(p);
					notes.add("changed bytes " + r);
				}
			}
		}
		String left = "at " + c.at().instant().spec(), right = "at " + c.reference().instant().spec();
		String summary = String.format("%s — %s: %s — %s: %s — %d page(s) differ", path, left, x == null ? "absent" : String.format("%,d bytes", x.size()),
				right, y == null ? "absent" : String.format("%,d bytes", y.size()), pages.size());
		return new Subject(path, left, right, x == null ? null : c.at(), y == null ? null : c.reference(), x == null ? -1 : x.size(),
				y == null ? -1 : y.size(), pages, notes, summary, owned);
	}

	private interface SubjectSource {
		Subject get() throws IOException;
	}

	/** Reads the subject and its first differing page off the UI thread; a newer request wins. */
	private void load(SubjectSource source) {
		long gen = generation.incrementAndGet();
		busy = true;
		header.setText("Reading…");
		CaseJobs.background("Hex diff", () -> {
			Subject s = null;
			String error = null;
			try {
				s = source.get();
				Sides sides = readPage(s, s.pages().isEmpty() ? 0 : s.pages().get(0));
				Subject fs = s;
				ui(gen, () -> apply(fs, 0, fs.pages().isEmpty() ? 0 : fs.pages().get(0), sides));
			} catch (IOException | RuntimeException e) {
				error = e.getMessage();
			}
			if (error != null) {
				String msg = error;
				ui(gen, () -> {
					subject = null;
					text.setText(msg);
					text.setStyleRanges(new StyleRange[0]);
					header.setText("");
					updateButtons();
				});
			}
		});
	}

	private void ui(long gen, Runnable r) {
		if (text.isDisposed()) return;
		text.getDisplay().asyncExec(() -> {
			if (text.isDisposed() || gen != generation.get()) return;
			busy = false;
			r.run();
		});
	}

	/** Both sides of one page: a side is null when the file is absent there; lengths stop at each side's end of file. */
	private record Sides(byte[] older, int olderLen, byte[] newer, int newerLen) {
	}

	private static Sides readPage(Subject s, long offset) throws IOException {
		byte[] a = s.older() == null ? null : new byte[PAGE], b = s.newer() == null ? null : new byte[PAGE];
		int la = a == null ? 0 : readUpTo(s.older(), s.path(), offset, a, s.olderSize()), lb = b == null ? 0 : readUpTo(s.newer(), s.path(), offset, b, s.newerSize());
		return new Sides(a, la, b, lb);
	}

	private static int readUpTo(FileTree t, String path, long offset, byte[] buf, long size) throws IOException {
		if (offset >= size) return 0;
		int n = (int) Math.min(buf.length, size - offset), got = 0;
		while (got < n) {
			int r = t.read(path, offset + got, buf, got, n - got);
			if (r <= 0) break;
			got += r;
		}
		return got;
	}

	private void apply(Subject s, int index, long offset, Sides sides) {
		Subject old = subject;
		if (old != null && old != s && old.owned() != null) {
			try {
				old.owned().close();
			} catch (Exception e) {
				// only read evidence
			}
		}
		subject = s;
		pageIndex = index;
		pageOffset = offset;
		olderBytes = sides.older();
		newerBytes = sides.newer();
		olderLen = sides.olderLen();
		newerLen = sides.newerLen();
		render();
		updateButtons();
	}

	/** One line per 16 bytes: offset, older hex, older ASCII, newer hex, newer ASCII; differing bytes highlighted. */
	private void render() {
		Subject s = subject;
		int k = s.pages().indexOf(pageOffset);
		String note = k >= 0 ? s.notes().get(k) : "not a differing page";
		header.setText(s.summary() + "\npage at 0x" + Long.toHexString(pageOffset) + (k >= 0 ? " (" + (k + 1) + " of " + s.pages().size() + ")" : "")
				+ ": " + note);
		StringBuilder sb = new StringBuilder();
		List<StyleRange> styles = new ArrayList<>();
		sb.append(String.format("%-10s  %-47s  %-16s  │ %-47s  %-16s%n", "offset", s.olderLabel() + (olderBytes == null ? " (absent)" : ""), "",
				s.newerLabel() + (newerBytes == null ? " (absent)" : ""), ""));
		int lines = (Math.max(olderLen, newerLen) + 15) / 16;
		for (int l = 0; l < lines; l++) {
			int o = l * 16;
			sb.append(String.format("%010x  ", pageOffset + o));
			side(sb, styles, olderBytes, olderLen, newerBytes, newerLen, o, false);
			sb.append("│ ");
			side(sb, styles, newerBytes, newerLen, olderBytes, olderLen, o, true);
			sb.append('\n');
		}
		if (lines == 0) sb.append("(no bytes at this offset on either side)\n");
		text.setText(sb.toString());
		text.setStyleRanges(styles.toArray(StyleRange[]::new));
		header.getParent().layout();
	}

	/** Hex then ASCII of 16 bytes of one side; bytes that differ from the other side highlighted. */
	private void side(StringBuilder sb, List<StyleRange> styles, byte[] mine, int myLen, byte[] other, int otherLen, int o, boolean newer) {
		StringBuilder ascii = new StringBuilder(16);
		List<int[]> hot = new ArrayList<>();
		for (int i = 0; i < 16; i++) {
			int at = o + i;
			if (mine == null || at >= myLen) {
				sb.append(i == 0 ? "--" : " --");
				ascii.append(' ');
				continue;
			}
			boolean differs = other == null || at >= otherLen || other[at] != mine[at];
			if (i > 0) sb.append(' ');
			if (differs) hot.add(new int[] { sb.length(), i });
			sb.append(String.format("%02x", mine[at] & 0xff));
			int c = mine[at] & 0xff;
			ascii.append(c >= 0x20 && c < 0x7f ? (char) c : '.'); // guest bytes: printable ASCII only, never interpreted
		}
		sb.append("  ");
		int asciiStart = sb.length();
		sb.append(ascii).append("  ");
		// StyledText wants ranges in order: the hex pairs, then the same bytes in the ASCII column
		org.eclipse.swt.graphics.Color fg = text.getDisplay().getSystemColor(newer ? SWT.COLOR_RED : SWT.COLOR_DARK_BLUE),
				bg = text.getDisplay().getSystemColor(SWT.COLOR_YELLOW);
		for (int[] h : hot) styles.add(new StyleRange(h[0], 2, fg, bg));
		for (int[] h : hot) styles.add(new StyleRange(asciiStart + h[1], 1, fg, bg));
	}

	private void updateButtons() {
		boolean has = subject != null && !subject.pages().isEmpty();
		int k = subject == null ? -1 : subject.pages().indexOf(pageOffset);
		previous.setEnabled(has && (k > 0 || k < 0 && subject.pages().get(0) < pageOffset));
		next.setEnabled(has && (k >= 0 ? k < subject.pages().size() - 1 : subject.pages().get(subject.pages().size() - 1) > pageOffset));
		goTo.setEnabled(subject != null);
	}

	/** To the previous (-1) or next (+1) differing page. */
	public void step(int direction) {
		Subject s = subject;
		if (s == null || s.pages().isEmpty()) return;
		int k = s.pages().indexOf(pageOffset);
		int to;
		if (k >= 0) to = k + direction;
		else { // from an arbitrary offset: the nearest differing page that way
			to = direction > 0 ? 0 : s.pages().size() - 1;
			while (to >= 0 && to < s.pages().size() && (direction > 0 ? s.pages().get(to) <= pageOffset : s.pages().get(to) >= pageOffset)) to += direction;
		}
		if (to < 0 || to >= s.pages().size()) return;
		loadPage(s, to, s.pages().get(to));
	}

	/** Shows the page holding {@code offset} (any page, differing or not). */
	public void goToOffset(long offset) {
		Subject s = subject;
		if (s == null) return;
		if (offset < 0 || offset >= Math.max(s.olderSize(), s.newerSize())) {
			header.setText(String.format("Offset %,d is past the end of %s (%,d bytes)", offset, s.path(), Math.max(s.olderSize(), s.newerSize())));
			return;
		}
		long page = offset / PAGE * PAGE;
		loadPage(s, s.pages().indexOf(page), page);
	}

	private void loadPage(Subject s, int index, long offset) {
		long gen = generation.incrementAndGet();
		busy = true;
		CaseJobs.background("Hex diff page", () -> {
			try {
				Sides sides = readPage(s, offset);
				ui(gen, () -> apply(s, index, offset, sides));
			} catch (IOException | RuntimeException e) {
				ui(gen, () -> header.setText(s.path() + " at 0x" + Long.toHexString(offset) + ": " + e.getMessage()));
			}
		});
	}

	/** The page shown, as a hex dump of both sides (what "Copy hex" copies). */
	public String hexDump() {
		return subject == null ? "" : subject.path() + " page at 0x" + Long.toHexString(pageOffset) + "\n" + text.getText();
	}

	/** The newer side of the page as text, non-printable bytes as '.' (what "Copy text" copies). */
	public String newerText() {
		if (newerBytes == null) return "";
		StringBuilder sb = new StringBuilder(newerLen);
		for (int i = 0; i < newerLen; i++) {
			int c = newerBytes[i] & 0xff;
			sb.append(c == '\n' || c == '\t' || c >= 0x20 && c < 0x7f ? (char) c : '.');
		}
		return sb.toString();
	}

	private void copy(String s) {
		if (s.isEmpty()) return;
		Clipboard cb = new Clipboard(text.getDisplay());
		try {
			cb.setContents(new Object[] { s }, new Transfer[] { TextTransfer.getInstance() });
		} finally {
			cb.dispose();
		}
	}

	public String text() {
		return text.getText();
	}

	public String headerText() {
		return header.getText();
	}

	/** True while a page is being read. */
	public boolean busy() {
		return busy;
	}

	/** File offset of the page shown. */
	public long pageOffset() {
		return pageOffset;
	}

	/** Differing pages of the file shown (dirty pages, or pages changed between the instants). */
	public List<Long> differingPages() {
		return subject == null ? List.of() : subject.pages();
	}

	@Override
	public void setFocus() {
		text.setFocus();
	}

	@Override
	public void dispose() {
		getSite().getPage().removePostSelectionListener(listener);
		generation.incrementAndGet();
		if (subject != null && subject.owned() != null) {
			try {
				subject.owned().close();
			} catch (Exception e) {
				// only read evidence
			}
		}
		super.dispose();
	}
}
