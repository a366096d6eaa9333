package cacheshadow.fuzz;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import cacheshadow.ext4.Ext4FileSystem;

/**
 * Inodes: the input is a run of 256-byte inode records laid over the inodes of the root, the journal, lost+found,
 * regular files (inline, extents, indirect blocks, xattrs), directories (inline, linear, htree), fast and slow
 * symlinks, the orphan and the deleted inode (the 1 KiB base's 128-byte inodes take the first half of each record).
 * Modes, sizes, flags, link counts, block counts, times and extra fields all come from the input.
 * Read through: each of these paths as a listing and a reader do (record with content hashed, symlink target,
 * xattrs, block map, directory entries and slack), the journal (replayed at open) and the unused record by number,
 * the orphan list and bitmap bits.
 */
public final class Ext4InodeFuzzer {
	static final String[] PATHS = { "/", "/a.txt", "/d", "/d/inline40.txt", "/d/e", "/d/e/b.txt", "/frag.bin", "/indirect.bin",
			"/link", "/longlink", "/many", "/tiny", "/tiny/t1", "/orphan.txt", "/lost+found" };
	static final Ext4Base.Overlay OVERLAY = new Ext4Base.Overlay(b -> {
		List<Ext4Base.Region> r = new ArrayList<>();
		for (String p : PATHS) r.add(b.inodeRecord(b.inodeNumber(p)).slot(256));
		r.add(b.inodeRecord(b.fs.superblock().journalInum).slot(256));
		r.add(b.inodeRecord(Ext4FileSystem.ROOT_INODE + 1).slot(256)); // never in use: a record the input can bring to life
		return r;
	},
			b -> new Ext4Base.Reach(List.of(PATHS), List.of(b.fs.superblock().journalInum, Ext4FileSystem.ROOT_INODE + 1), EnumSet.of(Ext4Base.Scan.BITMAPS)));

	private Ext4InodeFuzzer() {
	}

	/** Reads the bases once before the first input is timed (class loading and instrumentation take seconds). */
	public static void fuzzerInitialize() {
		OVERLAY.openAndRead(new byte[0]);
	}

	public static void fuzzerTestOneInput(byte[] data) {
		OVERLAY.openAndRead(data);
	}
}
