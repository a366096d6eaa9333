package cacheshadow.fuzz;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import cacheshadow.ext4.BlockRun;
import cacheshadow.ext4.Ext4Inode;

/**
 * The jbd2 journal: the input is the journal's first 16 blocks (4 KiB each; the first 1 KiB on the small-block
 * base): the journal superblock (start, sequence, features, fast-commit length), descriptor blocks with 32/64-bit
 * and csum v2/v3 tags, data blocks, revoke and commit blocks. The image is opened with the journal replayed in
 * memory ({@code JournalOverlayLayer}) and read through, so whatever the replay lays over the device is parsed too.
 * Read through: every named path of the base, the journal inode, the orphan list and bitmaps.
 */
public final class Jbd2Fuzzer {
	static final int BLOCKS = 16;
	static final Ext4Base.Overlay OVERLAY = new Ext4Base.Overlay(b -> {
		List<Ext4Base.Region> r = new ArrayList<>();
		Ext4Inode j = b.inode(b.fs.superblock().journalInum);
		for (BlockRun run : b.fs.blockMap(j).runs()) {
			for (long i = 0; i < run.length() && r.size() < BLOCKS; i++) r.add(b.block(run.physical() + i).slot(4096));
		}
		return r;
	},
			b -> new Ext4Base.Reach(Ext4Base.LANDMARKS, List.of(b.fs.superblock().journalInum), EnumSet.of(Ext4Base.Scan.BITMAPS)));

	private Jbd2Fuzzer() {
	}

	/** Reads the bases once before the first input is timed (class loading and instrumentation take seconds). */
	public static void fuzzerInitialize() {
		OVERLAY.openAndRead(new byte[0]);
	}

	public static void fuzzerTestOneInput(byte[] data) {
		OVERLAY.openAndRead(data);
	}
}
