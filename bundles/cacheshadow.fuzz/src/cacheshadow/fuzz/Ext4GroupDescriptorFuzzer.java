package cacheshadow.fuzz;

import java.util.EnumSet;
import java.util.List;

/**
 * Block group descriptors: the input is the descriptor table (four groups; 64-byte descriptors on the 4 KiB base,
 * 32-byte ones under meta_bg on the 1 KiB base): bitmap and inode table locations, flags, unused-inode counts and
 * checksums. The image is opened and read through.
 * Read through: every named path of the base, the journal inode, the orphan list, deleted names, the inode-table scan
 * for deleted inodes (flags, unused counts), block owners (bitmap and table locations) and bitmaps.
 */
public final class Ext4GroupDescriptorFuzzer {
	static final Ext4Base.Overlay OVERLAY = new Ext4Base.Overlay(b -> {
		int bytes = b.fs.groupDescriptors().size() * b.fs.superblock().descSize;
		// the table follows the superblock's block (meta_bg puts group 0's block there too)
		return List.of(new Ext4Base.Region((1024 / b.blockSize + 1L) * b.blockSize, bytes));
	},
			b -> new Ext4Base.Reach(Ext4Base.LANDMARKS, List.of(b.fs.superblock().journalInum), EnumSet.allOf(Ext4Base.Scan.class)));

	private Ext4GroupDescriptorFuzzer() {
	}

	/** Reads the bases once before the first input is timed (class loading and instrumentation take seconds). */
	public static void fuzzerInitialize() {
		OVERLAY.openAndRead(new byte[0]);
	}

	public static void fuzzerTestOneInput(byte[] data) {
		OVERLAY.openAndRead(data);
	}
}
