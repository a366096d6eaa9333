package cacheshadow.merge;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import cacheshadow.listing.ManifestFormat;

/**
 * The paths of one view whose row rests on bytes missing from partial evidence (a snapshot or disk image cut short),
 * each with what of it does and the first such read. Empty for whole evidence. The manifest's {@code missing}
 * column shows {@link #column(String)}.
 */
public final class PathGaps {
	/** What of a path rests on missing bytes. */
	public enum Part {
		/** its metadata (inode, link target) */
		METADATA,
		/** a directory's names: some may not be listed */
		CHILDREN,
		/** its content (page cache, pages, disk blocks, block map): the hash is unknown or unsure */
		DATA,
		/** shown from the disk where the guest's caches, partly missing, may hold something newer */
		CACHE,
		/** the file system's own structures (group descriptors, the jbd2 journal) met missing bytes */
		FILESYSTEM,
		/** the mount tree: every path is unsure */
		MOUNTS;

		public String label() {
			return name().toLowerCase();
		}
	}

	private record Gap(Set<Part> parts, String first) {
	}

	private final Map<String, Gap> byPath = new ConcurrentHashMap<>();

	/** Notes that {@code part} of {@code path} rests on missing bytes, the first of which {@code first} names. */
	void add(String path, Part part, String first) {
		byPath.compute(path, (p, g) -> {
			Set<Part> parts = g == null ? EnumSet.noneOf(Part.class) : EnumSet.copyOf(g.parts());
			parts.add(part);
			return new Gap(Collections.unmodifiableSet(parts), g == null ? first : g.first());
		});
	}

	/** What of {@code path} rests on missing bytes; empty when nothing does. */
	public Set<Part> parts(String path) {
		Gap g = byPath.get(path);
		return g == null ? Set.of() : g.parts();
	}

	/** The first read of missing bytes behind {@code path}'s row, or null. */
	public String first(String path) {
		Gap g = byPath.get(path);
		return g == null ? null : g.first();
	}

	/** The manifest's {@code missing} column: {@code -}, or the parts, comma-separated (e.g. {@code data,cache}). */
	public String column(String path) {
		Set<Part> parts = parts(path);
		if (parts.isEmpty()) return "-";
		StringBuilder sb = new StringBuilder();
		for (Part p : parts) sb.append(sb.isEmpty() ? "" : ",").append(p.label());
		return sb.toString();
	}

	/** A copy, to which later notes are added apart. */
	PathGaps copy() {
		PathGaps c = new PathGaps();
		c.byPath.putAll(byPath);
		return c;
	}

	public boolean isEmpty() {
		return byPath.isEmpty();
	}

	/** The paths with gaps, in manifest order. */
	public Set<String> paths() {
		TreeMap<String, Gap> sorted = new TreeMap<>(ManifestFormat.PATH_ORDER);
		sorted.putAll(byPath);
		return Collections.unmodifiableSet(sorted.keySet());
	}
}
