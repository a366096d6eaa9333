package cacheshadow.fuzz;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * Directory blocks: the input is the root directory's first block then the first blocks of an htree directory
 * (its dx_root with "." and "..", then leaves and index nodes), 4 KiB each (the first 1 KiB on the small-block base).
 * Record lengths, name lengths, file types, inode numbers, the dx_root info, counts and limits, and the checksum
 * tails all come from the input; listing, lookups and deleted-name recovery from slack read them.
 * Read through: both directories' entries (the first 32 children's inodes and name checks), their slack, and the
 * removed names of every directory reachable from the root.
 */
public final class Ext4HtreeFuzzer {
	static final Ext4Base.Overlay OVERLAY = new Ext4Base.Overlay(b -> {
		List<Ext4Base.Region> r = new ArrayList<>();
		r.add(b.dataBlocks("/", 1).get(0).slot(4096));
		for (Ext4Base.Region x : b.dataBlocks("/many", 6)) r.add(x.slot(4096));
		return r;
	},
			b -> new Ext4Base.Reach(List.of("/", "/many"), List.of(), EnumSet.of(Ext4Base.Scan.DELETED_NAMES)));

	private Ext4HtreeFuzzer() {
	}

	/** Reads the bases once before the first input is timed (class loading and instrumentation take seconds). */
	public static void fuzzerInitialize() {
		OVERLAY.openAndRead(new byte[0]);
	}

	public static void fuzzerTestOneInput(byte[] data) {
		OVERLAY.openAndRead(data);
	}
}
