package cacheshadow.listing;

/**
 * Absolute guest paths as listings write them ({@code /} the root, no trailing slash): joined and split in one place
 * for the dentry walk, the views and the instants' trees.
 */
public final class GuestPath {
	private GuestPath() {
	}

	/** {@code dir/name} in one concatenation (the dentry walk builds one path per cached name). */
	public static String child(String dir, String name) {
		return dir.equals("/") ? "/" + name : dir + "/" + name;
	}

	/** The directory holding {@code path} ({@code /} for a top-level name and for the root). */
	public static String parent(String path) {
		int i = path.lastIndexOf('/');
		return i <= 0 ? "/" : path.substring(0, i);
	}
}
