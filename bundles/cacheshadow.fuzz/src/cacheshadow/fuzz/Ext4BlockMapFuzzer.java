package cacheshadow.fuzz;

import java.util.ArrayList;
import java.util.List;

import cacheshadow.ext4.Ext4Inode;

/**
 * Block maps: extent trees on the 4 KiB base (root in i_block, a leaf block below it), direct, indirect and
 * double-indirect blocks on the 1 KiB base. The input is, for a fragmented file and a sparse one, 60 bytes of
 * {@code i_block} then up to three map blocks (4 KiB each; the first 1 KiB on the small-block base). Depths, entry
 * counts, logical and physical block numbers, lengths and unwritten bits all come from the input.
 */
public final class Ext4BlockMapFuzzer {
	static final Ext4Base.Overlay OVERLAY = new Ext4Base.Overlay(b -> {
		List<Ext4Base.Region> r = new ArrayList<>();
		for (String p : new String[] { "/frag.bin", "/indirect.bin" }) {
			Ext4Base.Region inode = b.inodeRecord(b.inodeNumber(p));
			r.add(new Ext4Base.Region(inode.offset() + Ext4Inode.I_BLOCK_OFFSET, Ext4Inode.I_BLOCK_SIZE));
			List<Ext4Base.Region> map = b.mapBlocks(p, 3);
			for (int i = 0; i < 3; i++) r.add(i < map.size() ? map.get(i).slot(4096) : new Ext4Base.Region(0, 0, 4096));
		}
		return r;
	});

	private Ext4BlockMapFuzzer() {
	}

	/** Reads the bases once before the first input is timed (class loading and instrumentation take seconds). */
	public static void fuzzerInitialize() {
		OVERLAY.openAndReadEverything(new byte[0]);
	}

	public static void fuzzerTestOneInput(byte[] data) {
		OVERLAY.openAndReadEverything(data);
	}
}
