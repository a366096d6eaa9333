package cacheshadow.merge;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import cacheshadow.caches.Mount;
import cacheshadow.listing.FileRecord;

/**
 * What a refresh of a running guest shows against its disk and against the refresh before: each path the caches
 * hold differently from the disk has a {@link State} (cache-only, tmpfs, differs, deleted), and {@link #since}
 * lists the changes between two refreshes' states, one {@link Change} per path.
 *
 * <p>Events: {@code cache-only} (in the caches, not on the disk: new, or renamed to here), {@code tmpfs} (a file of a
 * tmpfs mount, never on any disk), {@code differs} (cached and on the disk, different: detail lists the columns as
 * {@code analyze}'s status column does: data, size, mode, owner, nlink, inode, times, target, type), {@code deleted}
 * (on the disk, gone from the caches), {@code changed} (still in the same state as at the last refresh, but its
 * cached data or metadata changed; detail lists the columns, atime alone is no change), {@code clean} (reported
 * before, now as on the disk), {@code gone} (reported before as cache-only or tmpfs, now in neither the caches nor
 * the disk).
 */
public final class LiveChanges {
	/** A path's state against the disk, with its merged record (null for deleted paths). */
	public record State(String event, String detail, FileRecord record) {
	}

	/** One line of {@code watch}: event, path, detail ({@code -} when none). */
	public record Change(String event, String path, String detail) {
	}

	private LiveChanges() {
	}

	/**
	 * The states of the paths at or under {@code roots} (all when empty) that differ from the disk; {@code same}
	 * and {@code disk-only} (not cached) paths have none.
	 */
	public static Map<String, State> states(MergedFileSystem m, List<String> roots) throws IOException {
		List<String> tmpfs = new ArrayList<>();
		for (Mount mt : m.analysis().mounts()) if ("tmpfs".equals(mt.fsType())) tmpfs.add(mt.path());
		Map<String, FileRecord> merged = new HashMap<>();
		for (FileRecord r : m.tree(View.MERGED).listing(true)) merged.put(r.path(), r);
		Map<String, State> out = new TreeMap<>();
		for (PathStatus s : m.statuses()) {
			if (!under(s.path(), roots)) continue;
			FileRecord r = merged.get(s.path());
			String renamed = s.renamed() == null ? null : (s.kind() == PathStatus.Kind.DELETED ? "renamed-to=" : "renamed-from=") + s.renamed();
			switch (s.kind()) {
			case CACHE_ONLY -> out.put(s.path(), new State(!tmpfs.isEmpty() && under(s.path(), tmpfs) ? "tmpfs" : "cache-only", renamed, r));
			case DIFFERS -> out.put(s.path(), new State("differs", String.join(",", s.differences()) + (renamed == null ? "" : " " + renamed), r));
			case DELETED -> out.put(s.path(), new State("deleted", renamed, null));
			default -> {
			}
			}
		}
		return out;
	}

	/** The changes from {@code before} (empty at the first refresh) to {@code now}, in path order. */
	public static List<Change> since(Map<String, State> before, Map<String, State> now, MergedFileSystem m) throws IOException {
		TreeSet<String> paths = new TreeSet<>(before.keySet());
		paths.addAll(now.keySet());
		List<Change> out = new ArrayList<>();
		for (String p : paths) {
			State a = before.get(p), b = now.get(p);
			if (b == null) {
				boolean exists = m.getattr(p) != null;
				out.add(new Change(exists ? "clean" : "gone", p, null));
			} else if (a == null || !a.event().equals(b.event()) || !java.util.Objects.equals(a.detail(), b.detail())) {
				out.add(new Change(b.event(), p, b.detail()));
			} else if (a.record() != null && b.record() != null) {
				List<String> d = new ArrayList<>(MergedFileSystem.differences(a.record(), b.record()));
				FileRecord x = a.record(), y = b.record();
				if (x.mtime() == y.mtime() && x.ctime() == y.ctime() && x.mtimeNanos() == y.mtimeNanos()) d.remove("times");
				if (!d.isEmpty()) out.add(new Change("changed", p, String.join(",", d)));
			}
		}
		return out;
	}

	static boolean under(String path, List<String> roots) {
		if (roots.isEmpty()) return true;
		for (String r : roots) if (r.equals("/") || path.equals(r) || path.startsWith(r + "/")) return true;
		return false;
	}
}
