package cacheshadow.merge;

import java.util.List;

/**
 * How one path of the guest compares between its caches and its disk.
 *
 * @param path        the guest path
 * @param kind        cache-only, disk-only, deleted, same or differs
 * @param differences for {@link Kind#DIFFERS}: what differs ({@code data size mode owner times type nlink inode
 *                    target}), else empty
 * @param renamed     for a cache-only path the disk path its inode had ({@code renamed from}), for a deleted path the
 *                    path the inode has now ({@code renamed to}); else null
 */
public record PathStatus(String path, Kind kind, List<String> differences, String renamed) {
	public enum Kind {
		/** Only the merged view has it: new in the guest (phase 2, tmpfs, pseudo file systems). */
		CACHE_ONLY("cache-only"),
		/** On the disk and not cached at all: the merged view shows the disk's version. */
		DISK_ONLY("disk-only"),
		/** On the disk, but the guest's caches say it is gone (negative dentry, directory block without it). */
		DELETED("deleted"),
		/** Cached and equal to the disk in every column. */
		SAME("same"),
		/** In both, with differences. */
		DIFFERS("differs");

		private final String label;

		Kind(String label) {
			this.label = label;
		}

		public String label() {
			return label;
		}
	}

	/** Short form for tables: {@code same}, {@code differs:data,size}, {@code deleted}, {@code cache-only}... */
	public String column() {
		return differences.isEmpty() ? kind.label() : kind.label() + ":" + String.join(",", differences);
	}

	/**
	 * The manifest's {@code status} column: {@link #column()} and, where the inode moved, where to or from
	 * ({@code deleted renamed-to=/new/path}, {@code cache-only renamed-from=/old/path}).
	 */
	public String manifestColumn() {
		if (renamed == null) return column();
		return column() + (kind == Kind.DELETED ? " renamed-to=" : " renamed-from=") + renamed;
	}
}
