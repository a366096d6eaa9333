package cacheshadow.merge;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import cacheshadow.listing.GuestPath;

/**
 * Which paths a filtered file tree shows: the paths whose status is among the chosen ones and whose name (or path)
 * contains a text, plus every ancestor of such a path up to the tree's root, so the tree stays a tree. Computed from
 * the status list, never by walking the UI's items: a tree of 100,000 paths filters in one pass over the list.
 *
 * <p>Text: case-insensitive; without a {@code /} it is looked for in the last component (the name), with one in
 * the whole path.
 */
public final class TreeFilter {
	/**
	 * @param visible  the paths to show (matches and their ancestors)
	 * @param matching the paths that match (a subset of {@code visible}; the rest are only their ancestors)
	 */
	public record Result(Set<String> visible, Set<String> matching) {
		public boolean shows(String path) {
			return visible.contains(path);
		}

		/** Whether the path itself matches (not only lies above a match). */
		public boolean matches(String path) {
			return matching.contains(path);
		}

		/** The number of matching paths (ancestors not counted). */
		public int matches() {
			return matching.size();
		}
	}

	private TreeFilter() {
	}

	/**
	 * The paths of {@code tree} whose status kind is in {@code kinds} (null: any, paths without a status included)
	 * and whose name matches {@code text} (null or blank: any).
	 */
	public static Result of(ViewTree tree, List<PathStatus> statuses, Set<PathStatus.Kind> kinds, String text) {
		String t = normalizeText(text);
		List<String> matching = new ArrayList<>();
		if (kinds == null) {
			for (String p : tree.paths()) if (matchesText(p, t)) matching.add(p);
		} else {
			for (PathStatus s : statuses) {
				if (kinds.contains(s.kind()) && matchesText(s.path(), t) && tree.exists(s.path())) matching.add(s.path());
			}
		}
		return new Result(withAncestors(matching, tree.root()), new HashSet<>(matching));
	}

	/** As {@link #of(ViewTree, List, Set, String)} for statuses at an instant ({@link #statuses(InstantComparison)}). */
	public static Result ofInstant(List<LaterStatus> statuses, String root, Set<LaterStatus.Kind> kinds, String text) {
		String t = normalizeText(text);
		List<String> matching = new ArrayList<>();
		for (LaterStatus s : statuses) {
			if ((kinds == null || kinds.contains(s.kind())) && matchesText(s.path(), t)) matching.add(s.path());
		}
		return new Result(withAncestors(matching, root), new HashSet<>(matching));
	}

	/** Every path at the instant or at the reference with its status: reads every directory of both trees. */
	public static List<LaterStatus> statuses(InstantComparison c) throws IOException {
		List<LaterStatus> out = new ArrayList<>();
		Deque<String> queue = new ArrayDeque<>(List.of(c.at().mountPrefix()));
		Set<String> seen = new HashSet<>();
		while (!queue.isEmpty()) {
			String p = queue.poll();
			if (!seen.add(p)) continue;
			LaterStatus s = c.status(p);
			if (s == null) continue;
			out.add(s);
			List<String> names = c.children(p);
			if (names != null) for (String n : names) queue.add(GuestPath.child(p, n));
		}
		return out;
	}

	/** The paths and each of their ancestors up to {@code root} (paths outside the root are kept, without ancestors). */
	public static Set<String> withAncestors(Collection<String> paths, String root) {
		Set<String> out = new HashSet<>(paths.size() * 2);
		for (String p : paths) {
			String q = p;
			while (out.add(q) && !q.equals(root) && (root.equals("/") || q.startsWith(root + "/"))) q = GuestPath.parent(q);
		}
		return out;
	}

	/** Lower-cased text, or null for none. */
	static String normalizeText(String text) {
		return text == null || text.isBlank() ? null : text.strip().toLowerCase(Locale.ROOT);
	}

	/** Whether the path's name (or, for a text with a {@code /}, the path) contains the lower-cased text; null matches. */
	static boolean matchesText(String path, String lowerText) {
		if (lowerText == null) return true;
		String hay = lowerText.indexOf('/') >= 0 ? path : path.substring(path.lastIndexOf('/') + 1);
		return hay.toLowerCase(Locale.ROOT).contains(lowerText);
	}

	/** Whether a path matches a text as the filter matches it (for callers that show why). */
	public static boolean matches(String path, String text) {
		return matchesText(path, normalizeText(text));
	}
}
