package cacheshadow.ui;

import java.io.IOException;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import cacheshadow.listing.FileRecord;
import cacheshadow.merge.ByteProvenance;
import cacheshadow.merge.FileTree;
import cacheshadow.merge.InstantComparison;
import cacheshadow.merge.InstantScrub;
import cacheshadow.merge.LaterStatus;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.PathProperties;
import cacheshadow.merge.PathStatus;
import cacheshadow.merge.StatusIndex;
import cacheshadow.merge.TreeFilter;
import cacheshadow.merge.View;
import cacheshadow.merge.ViewTree;

/**
 * What the File System view shows of one tree, whichever it is: one of the analysis' three views (each path's status
 * between cache and disk) or the disk at the timeline's cursor (each path's status against the end of the journal).
 * Only adapts core results ({@link PathStatus}, {@link LaterStatus}, {@link TreeFilter}, {@link PathProperties}) to
 * rows; computes nothing of its own. Identity equality: the tree's elements hash by their model in O(1).
 */
sealed interface FileTreeModel {
	/** How a row is coloured. */
	enum Tone {
		NORMAL, ADDED, REMOVED, CHANGED
	}

	String root();

	/** Names under a directory, sorted; null for a non-directory. */
	List<String> children(String dir) throws IOException;

	FileRecord attr(String path) throws IOException;

	String status(String path) throws IOException;

	Tone tone(String path) throws IOException;

	FileTree tree();

	/** The Properties of a path (both sides, differences, provenance, location). */
	PathProperties properties(String path) throws IOException;

	/** The statuses a filter can choose, in toolbar order, with their labels. */
	Map<Enum<?>, String> kinds();

	/** Paths of this tree per status kind, or null while not known (at an instant: until {@link #walk()} ran). */
	Map<Enum<?>, Integer> counts();

	/** Whether {@link #walk()} must run (off the UI thread) before a status filter can be answered. */
	default boolean needsWalk() {
		return false;
	}

	/** Reads every path's status (at an instant: every directory of both trees). */
	default void walk() throws IOException {
	}

	/** The paths a filter shows; null while a status filter needs {@link #walk()} first. */
	TreeFilter.Result filter(Set<Enum<?>> kinds, String text);

	/**
	 * What of the row rests on bytes missing from evidence cut short (the manifest's {@code missing} column:
	 * {@code data}, {@code metadata}, …), or "" when nothing does.
	 */
	default String missing(String path) {
		return "";
	}

	default String provenance(String path) throws IOException {
		List<ByteProvenance> p = tree().provenance(path);
		if (p.isEmpty()) return "";
		Map<ByteProvenance.Source, Long> bytes = new EnumMap<>(ByteProvenance.Source.class);
		for (ByteProvenance b : p) bytes.merge(b.source(), b.length(), Long::sum);
		StringBuilder sb = new StringBuilder();
		bytes.forEach((s, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(s.label()).append(' ').append(v));
		return sb.toString();
	}

	/** One of the analysis' views, with the merge's per-path status. */
	final class OfView implements FileTreeModel {
		private final MergedFileSystem analysis;
		private final ViewTree view;
		private final StatusIndex statuses;

		private OfView(MergedFileSystem analysis, ViewTree view, List<PathStatus> statusList) {
			this.analysis = analysis;
			this.view = view;
			this.statuses = StatusIndex.of(view, statusList);
		}

		static OfView of(MergedFileSystem analysis, View v, List<PathStatus> statuses) {
			return new OfView(analysis, analysis.tree(v), statuses);
		}

		/** In the toolbar's order: what the cache adds, what it removes, what it changes, then the rest. */
		private static final Map<Enum<?>, String> KINDS;
		static {
			Map<Enum<?>, String> k = new LinkedHashMap<>();
			for (PathStatus.Kind s : new PathStatus.Kind[] { PathStatus.Kind.CACHE_ONLY, PathStatus.Kind.DELETED, PathStatus.Kind.DIFFERS,
					PathStatus.Kind.SAME, PathStatus.Kind.DISK_ONLY }) {
				k.put(s, s.label());
			}
			KINDS = Collections.unmodifiableMap(k);
		}

		ViewTree view() {
			return view;
		}

		@Override
		public String root() {
			return view.root();
		}

		@Override
		public List<String> children(String dir) {
			return view.readdir(dir);
		}

		@Override
		public FileRecord attr(String path) {
			return view.getattr(path);
		}

		@Override
		public String status(String path) {
			PathStatus s = statuses.status(path);
			return s == null ? "" : s.manifestColumn(); // renames included: where a name went matters to the examiner
		}

		@Override
		public String missing(String path) {
			return view.gaps().parts(path).isEmpty() ? "" : view.gaps().column(path);
		}

		@Override
		public Tone tone(String path) {
			PathStatus s = statuses.status(path);
			if (s == null) return Tone.NORMAL;
			return switch (s.kind()) {
			case CACHE_ONLY -> Tone.ADDED;
			case DELETED -> Tone.REMOVED;
			case DIFFERS -> Tone.CHANGED;
			default -> Tone.NORMAL;
			};
		}

		@Override
		public FileTree tree() {
			return view;
		}

		@Override
		public PathProperties properties(String path) throws IOException {
			return PathProperties.of(analysis, view.view(), path);
		}

		@Override
		public Map<Enum<?>, String> kinds() {
			return KINDS;
		}

		@Override
		public Map<Enum<?>, Integer> counts() {
			return Collections.unmodifiableMap(new LinkedHashMap<Enum<?>, Integer>(statuses.counts()));
		}

		@Override
		@SuppressWarnings({ "unchecked", "rawtypes" })
		public TreeFilter.Result filter(Set<Enum<?>> kinds, String text) {
			return statuses.filter((Set) kinds, text);
		}
	}

	/** The disk at cursor A, each path against the end of the journal. The scrub is owned (closed) by the view. */
	final class AtInstant implements FileTreeModel {
		private static final Map<Enum<?>, String> KINDS;
		static {
			Map<Enum<?>, String> k = new LinkedHashMap<>();
			for (LaterStatus.Kind s : new LaterStatus.Kind[] { LaterStatus.Kind.CREATED_LATER, LaterStatus.Kind.DELETED_LATER, LaterStatus.Kind.CHANGED_LATER,
					LaterStatus.Kind.UNCHANGED }) {
				k.put(s, s.label());
			}
			KINDS = Collections.unmodifiableMap(k);
		}

		private final InstantScrub scrub;
		/** The instant may lie past the cut of a journal cut short: every row rests on writes that are missing. */
		private final boolean pastCut;
		private volatile List<LaterStatus> all;

		AtInstant(InstantScrub scrub, boolean pastCut) {
			this.scrub = scrub;
			this.pastCut = pastCut;
		}

		/** As {@code replay --partial}'s manifest: {@code journal} in every row at an instant the journal's cut may reach. */
		@Override
		public String missing(String path) {
			return pastCut ? "journal" : "";
		}

		InstantScrub scrub() {
			return scrub;
		}

		InstantComparison comparison() {
			return scrub.comparison();
		}

		@Override
		public String root() {
			return scrub.tree().mountPrefix();
		}

		@Override
		public List<String> children(String dir) throws IOException {
			return comparison().children(dir);
		}

		@Override
		public FileRecord attr(String path) throws IOException {
			FileRecord r = scrub.tree().getattr(path);
			return r != null ? r : comparison().reference().getattr(path);
		}

		@Override
		public String status(String path) throws IOException {
			LaterStatus s = comparison().status(path);
			return s == null ? "" : s.column();
		}

		@Override
		public Tone tone(String path) throws IOException {
			LaterStatus s = comparison().status(path);
			if (s == null) return Tone.NORMAL;
			return switch (s.kind()) {
			case CREATED_LATER -> Tone.ADDED;
			case DELETED_LATER -> Tone.REMOVED;
			case CHANGED_LATER -> Tone.CHANGED;
			default -> Tone.NORMAL;
			};
		}

		@Override
		public FileTree tree() {
			return scrub.tree();
		}

		@Override
		public PathProperties properties(String path) throws IOException {
			return PathProperties.of(comparison(), path);
		}

		@Override
		public Map<Enum<?>, String> kinds() {
			return KINDS;
		}

		@Override
		public Map<Enum<?>, Integer> counts() {
			List<LaterStatus> a = all;
			if (a == null) return null;
			Map<Enum<?>, Integer> c = new LinkedHashMap<>();
			for (Enum<?> k : KINDS.keySet()) c.put(k, 0);
			for (LaterStatus s : a) c.merge(s.kind(), 1, Integer::sum);
			return c;
		}

		@Override
		public boolean needsWalk() {
			return all == null;
		}

		@Override
		public void walk() throws IOException {
			if (all == null) all = TreeFilter.statuses(comparison());
		}

		@Override
		@SuppressWarnings({ "unchecked", "rawtypes" })
		public TreeFilter.Result filter(Set<Enum<?>> kinds, String text) {
			boolean byKind = kinds != null && !kinds.isEmpty();
			List<LaterStatus> a = all;
			if (a == null) return null; // the text filter, too, needs every path's name
			return TreeFilter.ofInstant(a, root(), byKind ? (Set) kinds : null, text);
		}
	}
}
