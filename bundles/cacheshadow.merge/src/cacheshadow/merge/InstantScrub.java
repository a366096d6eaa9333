package cacheshadow.merge;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import cacheshadow.journal.DiskHistory;
import cacheshadow.journal.ResolvedInstant;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.GuestPath;

/**
 * What the timeline slider does when the cursor is released, in one call: the tree at the instant
 * ({@link InstantTree#open}), compared with the reference tree ({@link InstantComparison#of}), and the rows a fresh
 * tree shows: the mount prefix itself and each name in it ({@link InstantComparison#children}), each with its
 * metadata and {@link LaterStatus}. The reference tree (normally the end of the journal) is opened once and kept by
 * the caller across scrubs; everything of the instant's tree is read anew. {@code bench timeline} measures exactly
 * this.
 */
public final class InstantScrub implements AutoCloseable {
	/**
	 * One row: {@code depth} 0 for the mount prefix, 1 for its names; {@code attr} the path's metadata at t, or at the
	 * reference for a path created later; {@code directory} whether it can be expanded (a directory at t or, created
	 * later, at the reference).
	 */
	public record Row(String path, String name, int depth, FileRecord attr, LaterStatus status, boolean directory) {
	}

	private final InstantTree tree;
	private final InstantComparison comparison;
	private final List<Row> rows;

	private InstantScrub(InstantTree tree, InstantComparison comparison, List<Row> rows) {
		this.tree = tree;
		this.comparison = comparison;
		this.rows = rows;
	}

	/**
	 * Opens the tree at {@code at} (same history, mount prefix and jbd2 choice as {@code reference}) and reads the
	 * first rows. The caller closes the scrub (which closes the tree at {@code at}, never the reference).
	 */
	public static InstantScrub open(InstantTree reference, ResolvedInstant at) throws IOException {
		InstantTree t = InstantTree.open(reference.history(), at, reference.mountPrefix(), reference.replayed());
		try {
			InstantComparison c = InstantComparison.of(t, reference);
			return new InstantScrub(t, c, firstRows(c));
		} catch (IOException | RuntimeException e) {
			t.close();
			throw e;
		}
	}

	/** The end of the journal as the reference tree ({@code end}), for {@link #open(InstantTree, ResolvedInstant)}. */
	public static InstantTree reference(DiskHistory history, String mountPrefix, boolean replayJournal) throws IOException {
		return InstantTree.open(history, history.resolve("end"), mountPrefix, replayJournal);
	}

	/** The mount prefix and its names, with status: the rows a fresh tree shows. */
	public static List<Row> firstRows(InstantComparison c) throws IOException {
		String root = c.at().mountPrefix();
		List<Row> out = new ArrayList<>();
		LaterStatus rs = c.status(root);
		if (rs == null) return out;
		out.add(row(c, root, root, 0, rs));
		List<Row> names = rowsOf(c, root);
		if (names != null) out.addAll(names);
		return Collections.unmodifiableList(out);
	}

	/**
	 * The rows of one directory's names (what expanding it shows): each name of {@link InstantComparison#children}
	 * with its metadata and status, {@code depth} one more than the directory's below the mount prefix. Null when
	 * {@code dir} is a directory at neither instant.
	 */
	public static List<Row> rowsOf(InstantComparison c, String dir) throws IOException {
		List<String> names = c.children(dir);
		if (names == null) return null;
		String d = c.at().canonical(dir);
		String root = c.at().mountPrefix();
		int depth = d.equals(root) ? 1 : (int) d.substring(root.length()).chars().filter(ch -> ch == '/').count() + 1;
		List<Row> out = new ArrayList<>(names.size());
		for (String n : names) {
			String p = GuestPath.child(d, n);
			LaterStatus s = c.status(p);
			if (s != null) out.add(row(c, p, n, depth, s));
		}
		return Collections.unmodifiableList(out);
	}

	private static Row row(InstantComparison c, String path, String name, int depth, LaterStatus s) throws IOException {
		FileRecord a = c.at().getattr(path);
		if (a == null) a = c.reference().getattr(path);
		return new Row(path, name, depth, a, s, a != null && a.type() == cacheshadow.listing.FileType.DIRECTORY);
	}

	public InstantTree tree() {
		return tree;
	}

	public InstantComparison comparison() {
		return comparison;
	}

	public List<Row> rows() {
		return rows;
	}

	@Override
	public void close() throws IOException {
		tree.close();
	}
}
