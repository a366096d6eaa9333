package cacheshadow.ui;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import org.eclipse.swt.widgets.Display;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.PartInitException;

import cacheshadow.cases.Bookmark;
import cacheshadow.cases.Case;
import cacheshadow.cases.EvidenceItem;
import cacheshadow.journal.DiskHistory;
import cacheshadow.journal.ResolvedInstant;
import cacheshadow.merge.ByteProvenance;
import cacheshadow.merge.FileTree;
import cacheshadow.merge.InstantTree;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.View;

/**
 * What a bookmark holds and how the workbench gets back to it: capturing the current tree, selected path, cursor A
 * and the hex page shown; restoring them (tree, instant, selection, hex page) step by step as each view catches up;
 * and what a walkthrough step shows of the bytes (an excerpt and where they come from, computed by the core).
 */
public final class Walkthrough {
	/** The view label of the disk-at-instant tree (the three others are {@link View#label()}). */
	public static final String DISK_AT_INSTANT = "disk-at-instant";
	static final int EXCERPT = 256;

	private Walkthrough() {
	}

	/** What the workbench shows now, as a bookmark to save (no id yet); null when no path is selected. */
	static Bookmark capture(IWorkbenchPage page, String note) {
		FileSystemView fs = (FileSystemView) page.findView(FileSystemView.ID);
		if (fs == null || !(fs.viewer().getStructuredSelection().getFirstElement() instanceof FileSystemView.Node n)) return null;
		String view = fs.shown() == null ? DISK_AT_INSTANT : fs.shown().label();
		ResolvedInstant a = CaseSession.get().cursorA();
		String instant = a == null ? null : a.spec().toString();
		long offset = 0, length = 0;
		HexDiffView hex = (HexDiffView) page.findView(HexDiffView.ID);
		if (hex != null && hex.headerText().startsWith(n.path() + " ")) {
			offset = hex.pageOffset();
			length = HexDiffView.PAGE;
		}
		return new Bookmark(0, view, n.path(), instant, offset, length, note, java.time.Instant.now());
	}

	/**
	 * Brings the workbench back to {@code b}: cursor A to its instant, the File System view to its tree with the path
	 * selected (the Hex Diff follows the selection; {@code activate}: the tree becomes the active part, else the window
	 * keeps the focus it has), then the hex page of its byte range. Asynchronous: each step
	 * waits (on the UI thread's timer, never blocking it) until the view before it has caught up.
	 */
	static void restore(IWorkbenchPage page, Bookmark b, boolean activate) throws PartInitException {
		DiskHistory h = CaseSession.get().history();
		if (b.instant() != null && h != null) {
			try {
				CaseSession.get().setCursors(h.resolve(b.instant()), CaseSession.get().cursorB());
			} catch (IllegalArgumentException e) {
				// an instant this case's journal does not have: the tree says so
			}
		}
		FileSystemView fs = (FileSystemView) page.showView(FileSystemView.ID, null, IWorkbenchPage.VIEW_VISIBLE);
		HexDiffView hex = (HexDiffView) page.showView(HexDiffView.ID, null, IWorkbenchPage.VIEW_VISIBLE);
		View v = View.fromLabel(b.view());
		fs.show(v);
		Display d = fs.viewer().getControl().getDisplay();
		String instantHeader = b.instant() == null ? null : "A — " + b.instant() + " ";
		when(d, () -> v != null ? fs.headerText().startsWith(v.label() + " view") : instantHeader == null || fs.headerText().contains(instantHeader), () -> {
			if (!fs.select(b.path())) return;
			// activating the tree would pull the keyboard away from a presentation: tell the hex view directly
			if (activate) page.activate(fs);
			else if (fs.viewer().getStructuredSelection().getFirstElement() instanceof FileSystemView.Node n) hex.showNode(n);
			if (b.length() > 0) when(d, () -> hex.headerText().startsWith(b.path() + " ") && !hex.busy(), () -> hex.goToOffset(b.offset()));
		});
	}

	/** Runs {@code then} on the UI thread once {@code ready} holds (checked every 50 ms, for up to 10 s). */
	static void when(Display d, BooleanSupplier ready, Runnable then) {
		long until = System.currentTimeMillis() + 10_000;
		Runnable[] check = new Runnable[1];
		check[0] = () -> {
			if (d.isDisposed()) return;
			if (ready.getAsBoolean()) then.run();
			else if (System.currentTimeMillis() < until) d.timerExec(50, check[0]);
		};
		d.asyncExec(check[0]);
	}

	/** What one walkthrough step shows of the bookmark's bytes: an excerpt and their provenance. */
	record Step(Bookmark bookmark, String instantDescription, byte[] excerpt, long excerptOffset, List<ByteProvenance> provenance,
			List<InstantTree.LastWriter> writers, List<String> evidence, String problem) {
	}

	/** Reads what a step shows (off the UI thread): the bookmark's tree, its bytes and where they come from. */
	static Step load(Bookmark b) {
		List<String> evidence = new ArrayList<>();
		Case c = CaseSession.get().current();
		try {
			if (c != null) for (EvidenceItem e : c.evidence()) evidence.add(e.fileName() + "  SHA-256 " + e.sha256());
		} catch (IOException e) {
			evidence.add("evidence list: " + e.getMessage());
		}
		View v = View.fromLabel(b.view());
		String when = null;
		InstantTree opened = null;
		try {
			FileTree tree;
			if (v != null) {
				MergedFileSystem m = CaseSession.get().analysis();
				if (m == null) return new Step(b, null, new byte[0], 0, List.of(), List.of(), evidence, "the case is not analyzed");
				tree = m.tree(v);
			} else {
				DiskHistory h = CaseSession.get().history();
				if (h == null || b.instant() == null) return new Step(b, null, new byte[0], 0, List.of(), List.of(), evidence, "the case has no write journal");
				ResolvedInstant at = h.resolve(b.instant());
				when = at.toString();
				opened = InstantTree.open(h, at, FileSystemView.mountPrefix(), true);
				tree = opened;
			}
			var attr = tree.getattr(b.path());
			if (attr == null) return new Step(b, when, new byte[0], 0, List.of(), List.of(), evidence, "no such path in the " + b.view() + " tree");
			if (!attr.type().isRegular()) return new Step(b, when, new byte[0], 0, List.of(), List.of(), evidence, null);
			long from = b.length() > 0 ? b.offset() : 0, len = b.length() > 0 ? b.length() : attr.size();
			byte[] buf = new byte[(int) Math.max(0, Math.min(EXCERPT, Math.min(len, attr.size() - from)))];
			int got = 0;
			while (got < buf.length) {
				int r = tree.read(b.path(), from + got, buf, got, buf.length - got);
				if (r <= 0) break;
				got += r;
			}
			List<ByteProvenance> prov = ByteProvenance.within(tree.provenance(b.path()), from, len, 0);
			List<InstantTree.LastWriter> writers = new ArrayList<>();
			if (opened != null) {
				for (InstantTree.LastWriter w : opened.lastWriters(b.path())) {
					if (w.fileOffset() < from + len && w.fileOffset() + w.length() > from) writers.add(w);
				}
			}
			return new Step(b, when, java.util.Arrays.copyOf(buf, got), from, prov, writers, evidence, null);
		} catch (IOException | RuntimeException e) {
			return new Step(b, when, new byte[0], 0, List.of(), List.of(), evidence, e.getMessage());
		} finally {
			if (opened != null) {
				try {
					opened.close();
				} catch (IOException e) {
					// only read evidence
				}
			}
		}
	}
}
