package cacheshadow.fuzz;

import java.util.ArrayList;
import java.util.List;

import cacheshadow.ext4.Ext4FileSystem;

/**
 * Inodes: the input is a run of 256-byte inode records laid over the inodes of the root, the journal, lost+found,
 * regular files (inline, extents, indirect blocks, xattrs), directories (inline, linear, htree), fast and slow
 * symlinks, the orphan and the deleted inode (the 1 KiB base's 128-byte inodes take the first half of each record).
 * Modes, sizes, flags, link counts, block counts, times and extra fields all come from the input.
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
	});

	private Ext4InodeFuzzer() {
	}

	/** Reads the bases once before the first input is timed (class loading and instrumentation take seconds). */
	public static void fuzzerInitialize() {
		OVERLAY.openAndReadEverything(new byte[0]);
	}

	public static void fuzzerTestOneInput(byte[] data) {
		OVERLAY.openAndReadEverything(data);
	}
}
