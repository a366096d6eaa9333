package cacheshadow.ui;

import java.io.IOException;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import cacheshadow.listing.FileRecord;
import cacheshadow.merge.ByteProvenance;
import cacheshadow.merge.FileTree;
import cacheshadow.merge.InstantComparison;
import cacheshadow.merge.InstantScrub;
import cacheshadow.merge.LaterStatus;
import cacheshadow.merge.PathStatus;
import cacheshadow.merge.ViewTree;

/**
 * What the File System view shows of one tree, whichever it is: one of the analysis' three views (each path's status
 * between cache and disk) or the disk at the timeline's cursor (each path's status against the end of the journal).
 * Only adapts core results ({@link PathStatus}, {@link LaterStatus}) to rows; computes nothing of its own.
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
	record OfView(ViewTree view, Map<String, PathStatus> statuses) implements FileTreeModel {
		static OfView of(ViewTree view, List<PathStatus> statuses) {
			Map<String, PathStatus> m = new HashMap<>(statuses.size() * 2);
			for (PathStatus s : statuses) m.put(s.path(), s);
			return new OfView(view, m);
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
			PathStatus s = statuses.get(path);
			return s == null ? "" : s.manifestColumn(); // renames included: where a name went matters to the examiner
		}

		@Override
		public Tone tone(String path) {
			PathStatus s = statuses.get(path);
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
	}

	/** The disk at cursor A, each path against the end of the journal. The scrub is owned (closed) by the view. */
	record AtInstant(InstantScrub scrub) implements FileTreeModel {
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
	}
}
