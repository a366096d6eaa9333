package cacheshadow.ui;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.jface.resource.JFaceResources;
import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.swt.SWT;
import org.eclipse.swt.custom.StyleRange;
import org.eclipse.swt.custom.StyledText;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.ui.ISelectionListener;
import org.eclipse.ui.part.ViewPart;

import cacheshadow.journal.DiskHistory;
import cacheshadow.journal.FileChanges;
import cacheshadow.journal.ResolvedInstant;
import cacheshadow.listing.FileRecord;
import cacheshadow.merge.FileTree;
import cacheshadow.merge.InstantComparison;
import cacheshadow.merge.InstantTree;
import cacheshadow.merge.DirtyPageDiff;
import cacheshadow.merge.FileHexDiff;
import cacheshadow.merge.MergedFileSystem;

/**
 * The dirty pages of the file selected in the File System view against the disk blocks they will overwrite: for
 * each page its disk block (or "not allocated on disk yet"), then every run of differing bytes as disk | cache hex
 * lines, the cache side in red.
 */
public class HexDiffView extends ViewPart {
	public static final String ID = "cacheshadow.ui.hexDiffView";
	private static final int MAX_LINES_PER_PAGE = 64;

	private StyledText text;
	private final ISelectionListener listener = (part, sel) -> {
		if (part instanceof FileSystemView && sel instanceof IStructuredSelection s && s.getFirstElement() instanceof FileSystemView.Node n) {
			if (n.model() instanceof FileTreeModel.AtInstant at) {
				InstantComparison c = at.comparison();
				showComparison(n.path(), c, "at " + c.at().instant().spec(), "at " + c.reference().instant().spec());
			} else show(n.path());
		}
	};

	@Override
	public void createPartControl(Composite parent) {
		text = new StyledText(parent, SWT.READ_ONLY | SWT.H_SCROLL | SWT.V_SCROLL);
		text.setFont(JFaceResources.getTextFont());
		text.setText("Select a file in the File System view to compare its dirty pages with the disk.");
		getSite().getPage().addPostSelectionListener(listener);
	}

	/** Shows the hex diff of {@code path} of the current analysis. */
	public void show(String path) {
		MergedFileSystem m = CaseSession.get().analysis();
		if (m == null || text.isDisposed()) return;
		FileRecord r = m.getattr(path);
		if (r == null || !r.type().isRegular()) {
			text.setText(path + ": not a regular file of the merged view");
			return;
		}
		StringBuilder sb = new StringBuilder();
		List<StyleRange> styles = new ArrayList<>();
		try {
			FileHexDiff d = m.hexDiff(path);
			sb.append(String.format("%s   inode %d   cached size %d   disk size %s   %d dirty page(s)%n", d.path(), d.inode(), d.cachedSize(),
					d.diskSize() < 0 ? "(not on disk)" : Long.toString(d.diskSize()), d.dirtyPages()));
			for (DirtyPageDiff p : d.pages()) {
				sb.append(String.format("%npage %d at offset 0x%x: %s, %d byte(s) differ%n", p.pageIndex(), p.fileOffset(),
						p.allocated() ? "disk block " + p.diskBlock() : "not allocated on disk yet", p.differingBytes()));
				sb.append(String.format("  %-10s %-48s   %-48s%n", "offset", "disk", "cache (dirty page)"));
				int lines = 0;
				for (DirtyPageDiff.ByteRun run : p.runs()) {
					for (int i = 0; i < run.length() && lines < MAX_LINES_PER_PAGE; i += 16, lines++) {
						int n = Math.min(16, run.length() - i);
						sb.append(String.format("  %010x ", run.fileOffset() + i));
						sb.append(String.format("%-48s   ", run.disk() == null ? "--" : hex(run.disk(), i, n)));
						int start = sb.length();
						sb.append(hex(run.cache(), i, n));
						styles.add(new StyleRange(start, sb.length() - start, text.getDisplay().getSystemColor(SWT.COLOR_RED), null));
						sb.append('\n');
					}
				}
				if (lines >= MAX_LINES_PER_PAGE) sb.append("  … more differing bytes on this page\n");
			}
			if (d.pages().isEmpty()) sb.append("\nNo dirty pages: the cached file and the disk agree on every page the cache holds.\n");
		} catch (IOException e) {
			sb.setLength(0);
			styles.clear();
			sb.append(path).append(": ").append(e.getMessage());
		}
		text.setText(sb.toString());
		text.setStyleRanges(styles.toArray(StyleRange[]::new));
	}

	/**
	 * The file at cursor A against the file at cursor B (both read from the disk as the journal says it stood then):
	 * every differing byte range, hex side by side.
	 */
	public void showInstants(String path) {
		DiskHistory h = CaseSession.get().history();
		ResolvedInstant a = CaseSession.get().cursorA(), b = CaseSession.get().cursorB();
		if (h == null || a == null || b == null || text.isDisposed()) return;
		String prefix = FileSystemView.mountPrefix();
		try (InstantTree x = InstantTree.open(h, a, prefix, true); InstantTree y = InstantTree.open(h, b, prefix, true)) {
			showComparison(path, InstantComparison.of(x, y), "A = " + a.spec(), "B = " + b.spec());
		} catch (IOException | RuntimeException e) {
			text.setText(path + ": " + e.getMessage());
		}
	}

	/** Hex of every byte range where {@code c}'s two instants differ in {@code path}. */
	private void showComparison(String path, InstantComparison c, String left, String right) {
		StringBuilder sb = new StringBuilder();
		List<StyleRange> styles = new ArrayList<>();
		try {
			FileRecord x = c.at().getattr(path), y = c.reference().getattr(path);
			if ((x == null || !x.type().isRegular()) && (y == null || !y.type().isRegular())) {
				text.setText(path + ": not a regular file at either instant");
				return;
			}
			sb.append(String.format("%s   %s: %s   %s: %s%n", path, left, x == null ? "absent" : x.size() + " bytes", right,
					y == null ? "absent" : y.size() + " bytes"));
			List<FileChanges.ByteRange> ranges = c.changedRanges(path);
			if (ranges.isEmpty()) sb.append("\nSame content at both instants.\n");
			sb.append(String.format("%n  %-10s %-48s   %-48s%n", "offset", left, right));
			byte[] bx = new byte[16], by = new byte[16];
			int lines = 0;
			for (FileChanges.ByteRange r : ranges) {
				sb.append(String.format("range %d+%d%n", r.offset(), r.length()));
				for (long o = r.offset() - r.offset() % 16; o < r.offset() + r.length() && lines < MAX_LINES_PER_PAGE * 4; o += 16, lines++) {
					int nx = x == null ? 0 : readUpTo(c.at(), path, o, bx, x.size()), ny = y == null ? 0 : readUpTo(c.reference(), path, o, by, y.size());
					sb.append(String.format("  %010x %-48s   ", o, nx == 0 ? "--" : hex(bx, 0, nx)));
					int start = sb.length();
					sb.append(ny == 0 ? "--" : hex(by, 0, ny));
					styles.add(new StyleRange(start, sb.length() - start, text.getDisplay().getSystemColor(SWT.COLOR_RED), null));
					sb.append('\n');
				}
			}
			if (lines >= MAX_LINES_PER_PAGE * 4) sb.append("  … more differing bytes\n");
		} catch (IOException e) {
			sb.setLength(0);
			styles.clear();
			sb.append(path).append(": ").append(e.getMessage());
		}
		text.setText(sb.toString());
		text.setStyleRanges(styles.toArray(StyleRange[]::new));
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

	static String hex(byte[] b, int from, int n) {
		StringBuilder sb = new StringBuilder(n * 3);
		for (int i = 0; i < n; i++) sb.append(i == 0 ? "" : " ").append(String.format("%02x", b[from + i] & 0xff));
		return sb.toString();
	}

	public String text() {
		return text.getText();
	}

	@Override
	public void setFocus() {
		text.setFocus();
	}

	@Override
	public void dispose() {
		getSite().getPage().removePostSelectionListener(listener);
		super.dispose();
	}
}
