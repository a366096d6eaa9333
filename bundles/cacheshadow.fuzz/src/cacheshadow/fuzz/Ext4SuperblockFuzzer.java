package cacheshadow.fuzz;

import java.util.EnumSet;
import java.util.List;

import cacheshadow.ext4.Ext4Superblock;

/**
 * The ext4 superblock: the input is the 1024 bytes at byte 1024 of each base image (block counts and sizes, group
 * geometry, feature flags, journal inode, orphan list head, checksum); the image is opened (journal replayed, backup
 * superblock allowed) and read through. An unusable superblock must be refused with an IOException.
 * Read through: every named path of the base (inode, content, xattrs, map, directory and slack), the journal
 * inode, the orphan list, deleted names, the inode-table scan for deleted inodes, block owners and bitmaps: all that
 * the superblock's geometry and features steer.
 */
public final class Ext4SuperblockFuzzer {
	static final Ext4Base.Overlay OVERLAY = new Ext4Base.Overlay(
			b -> List.of(new Ext4Base.Region(Ext4Superblock.OFFSET, Ext4Superblock.SIZE)),
			b -> new Ext4Base.Reach(Ext4Base.LANDMARKS, List.of(b.fs.superblock().journalInum), EnumSet.allOf(Ext4Base.Scan.class)));

	private Ext4SuperblockFuzzer() {
	}

	/** Reads the bases once before the first input is timed (class loading and instrumentation take seconds). */
	public static void fuzzerInitialize() {
		OVERLAY.openAndRead(new byte[0]);
	}

	public static void fuzzerTestOneInput(byte[] data) {
		OVERLAY.openAndRead(data);
	}
}
