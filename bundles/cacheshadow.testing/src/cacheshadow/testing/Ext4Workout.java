package cacheshadow.testing;

import java.io.IOException;
import java.util.List;

import cacheshadow.ext4.BlockOwners;
import cacheshadow.ext4.BlockRun;
import cacheshadow.ext4.DirectoryEntry;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.ext4.Ext4Inode;
import cacheshadow.listing.FileRecord;

/**
 * Everything a reader of a damaged ext4 image may ask for, asked once: the listing with every regular file hashed and
 * every link read, then per path its inode, extended attributes, block map and directory slack, deleted inodes and
 * names, orphans, the block owners and a few bitmap bits. An {@link IOException} of one call (the image refusing that
 * question) is expected and the next call goes on; anything else escapes to the caller, who judges it a defect. Shared
 * by the randomized damage test and the ext4 fuzz targets.
 */
public final class Ext4Workout {
	private Ext4Workout() {
	}

	/** Asks {@code fs} everything; returns the number of paths listed (0 when the root itself is unreadable). */
	public static int readEverything(Ext4FileSystem fs) {
		int listed = 0;
		try {
			List<FileRecord> l = fs.listing("/m");
			listed = l.size();
			for (FileRecord r : l) {
				try {
					Ext4Inode in = fs.inode(r.inode());
					fs.extendedAttributes(in);
					if (in.isDirectory()) {
						for (DirectoryEntry e : fs.deletedEntries(in)) e.name();
					}
					for (BlockRun run : fs.blockMap(in).runs()) run.length();
				} catch (IOException e) {
					// this path refuses; the others still answer
				}
			}
		} catch (IOException e) {
			// the root itself unreadable
		}
		try {
			fs.deletedListing("", true);
		} catch (IOException e) {
			// refused
		}
		fs.orphanList();
		BlockOwners owners = BlockOwners.build(fs);
		for (long b = 0; b < Math.min(fs.blocksCount(), 64); b++) owners.owner(b);
		readBitmaps(fs);
		if (fs.journalReplay() != null) fs.journalReplay().transactions().size();
		fs.findings();
		return listed;
	}

	/** Asks the block bitmap about the first 64 blocks and the inode bitmap about the first 32 inodes. */
	public static void readBitmaps(Ext4FileSystem fs) {
		for (long b = 0; b < Math.min(fs.blocksCount(), 64); b++) {
			try {
				fs.blockAllocated(b);
			} catch (IOException e) {
				// bitmap outside the device
			}
		}
		for (long i = 1; i <= Math.min(fs.superblock().inodesCount, 32); i++) {
			try {
				fs.inodeAllocated(i);
			} catch (IOException e) {
				// bitmap outside the device
			}
		}
	}
}
