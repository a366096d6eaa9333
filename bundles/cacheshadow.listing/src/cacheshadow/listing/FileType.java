package cacheshadow.listing;

/** File types, named as the ground-truth manifests (busybox {@code stat %F}) name them. */
public enum FileType {
	REGULAR("regular file"), REGULAR_EMPTY("regular empty file"), DIRECTORY("directory"), SYMLINK("symbolic link"),
	FIFO("fifo"), CHAR_DEVICE("character special file"), BLOCK_DEVICE("block special file"), SOCKET("socket"),
	UNKNOWN("unknown");

	private final String label;

	FileType(String label) {
		this.label = label;
	}

	public String label() {
		return label;
	}

	/** From the S_IFMT bits of an inode's {@code i_mode} (same values in the kernel and in ext4). */
	public static FileType fromMode(int mode, long size) {
		switch (mode & 0xF000) {
		case 0x8000:
			return size == 0 ? REGULAR_EMPTY : REGULAR;
		case 0x4000:
			return DIRECTORY;
		case 0xA000:
			return SYMLINK;
		case 0x1000:
			return FIFO;
		case 0x2000:
			return CHAR_DEVICE;
		case 0x6000:
			return BLOCK_DEVICE;
		case 0xC000:
			return SOCKET;
		default:
			return UNKNOWN;
		}
	}

	public static FileType fromLabel(String label) {
		for (FileType t : values()) {
			if (t.label.equals(label)) return t;
		}
		return UNKNOWN;
	}

	public boolean isRegular() {
		return this == REGULAR || this == REGULAR_EMPTY;
	}
}
