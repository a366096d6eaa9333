package cacheshadow.merge;

import java.util.List;

/**
 * How a path at an instant t compares with a reference instant (normally the end of the write journal):
 * {@link InstantComparison#status}.
 *
 * @param path    the guest path
 * @param kind    unchanged later, changed later, deleted later or created later
 * @param columns for {@link Kind#CHANGED_LATER}: the differing manifest columns (metadata only, as
 *                {@link cacheshadow.journal.FileChanges#differingColumns} names them; no {@code sha256}: contents
 *                are not hashed); for a path deleted or created later whose inode the same directory names under
 *                another name at the other instant: {@code renamed-to=PATH} or {@code renamed-from=PATH}; else empty
 */
public record LaterStatus(String path, Kind kind, List<String> columns) {
	public enum Kind {
		/** In both, equal in every metadata column. */
		UNCHANGED("unchanged later"),
		/** In both, some metadata column differs (atime alone counts). */
		CHANGED_LATER("changed later"),
		/** At t, gone at the reference. */
		DELETED_LATER("deleted later"),
		/** Not at t, present at the reference. */
		CREATED_LATER("created later");

		private final String label;

		Kind(String label) {
			this.label = label;
		}

		public String label() {
			return label;
		}
	}

	public LaterStatus {
		columns = List.copyOf(columns);
	}

	/** Short form for tables: {@code unchanged later}, {@code changed later:atime,mtime,mtime_full}, {@code deleted later:renamed-to=/x}... */
	public String column() {
		return columns.isEmpty() ? kind.label() : kind.label() + ":" + String.join(",", columns);
	}

	/** The path the inode has at the reference when this one was renamed later within its directory, else null. */
	public String renamedTo() {
		return after("renamed-to=");
	}

	/** The path the inode had at t when this one was created later by a rename within its directory, else null. */
	public String renamedFrom() {
		return after("renamed-from=");
	}

	private String after(String key) {
		for (String c : columns) if (c.startsWith(key)) return c.substring(key.length());
		return null;
	}

	@Override
	public String toString() {
		return path + " " + column();
	}
}
