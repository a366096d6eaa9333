package cacheshadow.fuzz;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import cacheshadow.ext4.Ext4Inode;

/**
 * Block maps: extent trees on the 4 KiB base (root in i_block, a leaf block below it), direct, indirect and
 * double-indirect blocks on the 1 KiB base. The input is, for a fragmented file and a sparse one, 60 bytes of
 * {@code i_block} then up to three map blocks (4 KiB each; the first 1 KiB on the small-block base). Depths, entry
 * counts, logical and physical block numbers, lengths and unwritten bits all come from the input.
 * Read through: both files as a listing and a reader do (the map's runs and map blocks, content read through
 * it: hashed whole up to 64 KiB, else at its start, middle and end).
 */
public final class Ext4BlockMapFuzzer {
	static final String[] PATHS = { "/frag.bin", "/indirect.bin" };
	static final Ext4Base.Overlay OVERLAY = new Ext4Base.Overlay(b -> {
		List<Ext4Base.Region> r = new ArrayList<>();
		for (String p : PATHS) {
			Ext4Base.Region inode = b.inodeRecord(b.inodeNumber(p));
			r.add(new Ext4Base.Region(inode.offset() + Ext4Inode.I_BLOCK_OFFSET, Ext4Inode.I_BLOCK_SIZE));
			List<Ext4Base.Region> map = b.mapBlocks(p, 3);
			for (int i = 0; i < 3; i++) r.add(i < map.size() ? map.get(i).slot(4096) : new Ext4Base.Region(0, 0, 4096));
		}
		return r;
	},
			b -> new Ext4Base.Reach(List.of(PATHS), List.of(), EnumSet.noneOf(Ext4Base.Scan.class)));

	private Ext4BlockMapFuzzer() {
	}

	/** Reads the bases once before the first input is timed (class loading and instrumentation take seconds). */
	public static void fuzzerInitialize() {
		OVERLAY.openAndRead(new byte[0]);
	}

	public static void fuzzerTestOneInput(byte[] data) {
		OVERLAY.openAndRead(data);
	}
}
