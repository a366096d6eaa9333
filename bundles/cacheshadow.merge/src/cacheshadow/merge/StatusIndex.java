package cacheshadow.merge;

import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The merge's statuses ({@link MergedFileSystem#statuses()}) as one view's tree shows them: each path's status by
 * path, and how many paths of the view have each status (what the File System view's filter toggles count). One pass
 * over the status list; {@code bench tree} measures it with the first rows of the tree.
 */
public final class StatusIndex {
	private final ViewTree view;
	private final List<PathStatus> statuses;
	private final Map<String, PathStatus> byPath;
	private final Map<PathStatus.Kind, Integer> counts;

	private StatusIndex(ViewTree view, List<PathStatus> statuses) {
		this.view = view;
		this.statuses = statuses;
		this.byPath = new HashMap<>(statuses.size() * 2);
		Map<PathStatus.Kind, Integer> c = new EnumMap<>(PathStatus.Kind.class);
		for (PathStatus.Kind k : PathStatus.Kind.values()) c.put(k, 0);
		for (PathStatus s : statuses) {
			byPath.put(s.path(), s);
			if (view.exists(s.path())) c.merge(s.kind(), 1, Integer::sum);
		}
		this.counts = Collections.unmodifiableMap(c);
	}

	/** Indexes {@code statuses} (the merge's, for every path of the merged and the disk-only view) for {@code view}. */
	public static StatusIndex of(ViewTree view, List<PathStatus> statuses) {
		return new StatusIndex(view, statuses);
	}

	public ViewTree view() {
		return view;
	}

	/** The path's status, or null when the merge has none for it. */
	public PathStatus status(String path) {
		return byPath.get(path);
	}

	/** Paths of this view per status (every kind present, 0 where none). */
	public Map<PathStatus.Kind, Integer> counts() {
		return counts;
	}

	/** The paths of this view a status and name filter shows ({@link TreeFilter}); kinds null or empty: any status. */
	public TreeFilter.Result filter(Set<PathStatus.Kind> kinds, String text) {
		return TreeFilter.of(view, statuses, kinds == null || kinds.isEmpty() ? null : kinds, text);
	}
}
