package cacheshadow.merge;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import cacheshadow.journal.FileChanges;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.GuestPath;
import cacheshadow.listing.ManifestFormat;

/**
 * How the paths of the disk at instant t compare with a reference instant (normally the end of the journal), as the
 * timeline slider shows them: a {@link LaterStatus} per path. Lazy per directory: a status reads the path's
 * directory in both trees (once: the trees keep what they read), never the whole tree; contents are compared only
 * by {@link #changedRanges}. Thread-safe as the trees are.
 *
 * <p>Statuses, from the two trees' metadata alone (no hashing):
 * <ul>
 * <li>{@code created later}: absent at t, present at the reference;</li>
 * <li>{@code deleted later}: present at t, absent at the reference;</li>
 * <li>{@code changed later}: in both, and some manifest column of {@link FileChanges#differingColumns} differs
 * (type, mode, uid, gid, size, nlink, inode, atime, mtime, ctime, mtime_full, symlink_target). <b>atime alone
 * counts</b>: a file only read later is "changed later:atime", because an examiner wants to know it was read. A
 * content change that left size and times alone is not seen here ({@link #changedRanges} compares contents);</li>
 * <li>{@code unchanged later}: in both, every such column equal.</li>
 * </ul>
 * Renames: a path deleted later whose inode (same number and {@code i_generation}, so not a reused number) the same
 * directory names under a name absent at t is {@code deleted later:renamed-to=NEW}, and that new path is
 * {@code created later:renamed-from=OLD}. Renames into another directory are not traced (that would need the whole
 * tree): they show as deleted later and created later.
 */
public final class InstantComparison {
	private final InstantTree at;
	private final InstantTree reference;

	private InstantComparison(InstantTree at, InstantTree reference) {
		this.at = at;
		this.reference = reference;
	}

	/** Compares {@code at} with {@code reference}; both must use the same mount prefix. */
	public static InstantComparison of(InstantTree at, InstantTree reference) {
		if (!at.mountPrefix().equals(reference.mountPrefix())) {
			throw new IllegalArgumentException("trees with different mount prefixes: " + at.mountPrefix() + " and " + reference.mountPrefix());
		}
		return new InstantComparison(at, reference);
	}

	public InstantTree at() {
		return at;
	}

	public InstantTree reference() {
		return reference;
	}

	/**
	 * Names in {@code dir} at t plus names that exist only in the reference (created later), sorted as the manifest
	 * sorts; null if {@code dir} is a directory in neither.
	 */
	public List<String> children(String dir) throws IOException {
		List<String> a = at.readdir(dir), b = reference.readdir(dir);
		if (a == null && b == null) return null;
		if (b == null) return a;
		if (a == null) return b;
		Set<String> all = new LinkedHashSet<>(a);
		all.addAll(b);
		if (all.size() == a.size()) return a;
		List<String> out = new ArrayList<>(all);
		ManifestFormat.sortByPath(out, s -> s);
		return out;
	}

	/** The path's status (see the class comment), or null when neither instant has the path. */
	public LaterStatus status(String path) throws IOException {
		FileRecord x = at.getattr(path), y = reference.getattr(path);
		if (x == null && y == null) return null;
		String p = at.canonical(path);
		if (x == null) return new LaterStatus(p, LaterStatus.Kind.CREATED_LATER, renamed(p, y, reference, at, "renamed-from="));
		if (y == null) return new LaterStatus(p, LaterStatus.Kind.DELETED_LATER, renamed(p, x, at, reference, "renamed-to="));
		List<String> cols = FileChanges.differingColumns(x, y);
		cols.remove("sha256");
		return new LaterStatus(p, cols.isEmpty() ? LaterStatus.Kind.UNCHANGED : LaterStatus.Kind.CHANGED_LATER, cols);
	}

	/**
	 * {@code key + other path} when {@code other}'s copy of the parent directory names the same inode (number and
	 * generation) under a name {@code here} does not have; else empty.
	 */
	private static List<String> renamed(String path, FileRecord r, InstantTree here, InstantTree other, String key) throws IOException {
		int slash = path.lastIndexOf('/');
		if (slash < 0 || path.equals(here.mountPrefix())) return List.of();
		String dir = slash == 0 ? "/" : path.substring(0, slash);
		Map<String, Long> there = other.entryInodes(dir), mine = here.entryInodes(dir);
		if (there == null) return List.of();
		long gen = here.generation(path);
		List<String> found = new ArrayList<>();
		for (Map.Entry<String, Long> e : there.entrySet()) {
			if (e.getValue() != r.inode() || mine != null && mine.containsKey(e.getKey())) continue;
			String q = GuestPath.child(dir, e.getKey());
			if (other.generation(q) == gen) found.add(q);
		}
		if (found.size() != 1) return List.of(); // none, or a hard link made too: not a plain rename
		return List.of(key + found.get(0));
	}

	/**
	 * Byte ranges of a regular file that differ between t and the reference (bytes past the shorter one count as
	 * differing; a file on one side only: all its bytes). Reads both contents whole. Empty when the path is a regular
	 * file at neither instant.
	 */
	public List<FileChanges.ByteRange> changedRanges(String path) throws IOException {
		FileRecord x = at.getattr(path), y = reference.getattr(path);
		boolean rx = x != null && x.type().isRegular(), ry = y != null && y.type().isRegular();
		if (!rx && !ry) return List.of();
		if (!rx) return y.size() == 0 ? List.of() : List.of(new FileChanges.ByteRange(0, y.size()));
		if (!ry) return x.size() == 0 ? List.of() : List.of(new FileChanges.ByteRange(0, x.size()));
		String p = at.canonical(path);
		return FileChanges.byteRanges(p, x.size(), y.size(), at.content(), reference.content());
	}
}
