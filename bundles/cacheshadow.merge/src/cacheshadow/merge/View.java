package cacheshadow.merge;

/** The three ways of looking at a guest's file system (CLI spelling in {@link #label()}). */
public enum View {
	/** The guest's caches over its disk: the file system as the guest itself sees it. */
	MERGED("merged"),
	/** The caches alone (dentries, inodes, page cache): what only memory shows. */
	CACHE_ONLY("cache-only"),
	/** The disk image alone (by default after jbd2 replay, as a mount would see it): what an offloaded IDS sees. */
	DISK_ONLY("disk-only");

	private final String label;

	View(String label) {
		this.label = label;
	}

	public String label() {
		return label;
	}

	/** From the CLI spelling; null when unknown. */
	public static View fromLabel(String s) {
		for (View v : values()) if (v.label.equals(s)) return v;
		return null;
	}
}
