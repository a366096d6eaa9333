package cacheshadow.fuzz;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * Inline data: the input is a run of 256-byte inode records laid over inline directories and inline files (i_block
 * with the parent inode and entries or the first 60 bytes, then the in-inode {@code system.data} xattr with the rest;
 * on the 1 KiB base the same paths are block-mapped and an inline flag from the input is read as such).
 * Read through: these paths as a listing and a reader do (content, inline directory entries and slack, xattrs).
 */
public final class Ext4InlineDataFuzzer {
	static final String[] PATHS = { "/d", "/tiny", "/d/inline40.txt", "/a.txt", "/tiny/t1" };
	static final Ext4Base.Overlay OVERLAY = new Ext4Base.Overlay(b -> {
		List<Ext4Base.Region> r = new ArrayList<>();
		for (String p : PATHS) r.add(b.inodeRecord(b.inodeNumber(p)).slot(256));
		return r;
	},
			b -> new Ext4Base.Reach(List.of(PATHS), List.of(), EnumSet.noneOf(Ext4Base.Scan.class)));

	private Ext4InlineDataFuzzer() {
	}

	/** Reads the bases once before the first input is timed (class loading and instrumentation take seconds). */
	public static void fuzzerInitialize() {
		OVERLAY.openAndRead(new byte[0]);
	}

	public static void fuzzerTestOneInput(byte[] data) {
		OVERLAY.openAndRead(data);
	}
}
