package cacheshadow.fuzz;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import cacheshadow.ext4.Ext4Inode;

/**
 * Extended attributes: the input is an xattr block (4 KiB; the first 1 KiB on the small-block base) of a file with a
 * large value, the in-inode xattr area after a file's extra fields (128 bytes; none with 128-byte inodes), and the
 * inode record (256 bytes) holding a value in its own inode (ea_inode; on the 4 KiB base). Magic, entry name lengths
 * and prefixes, value offsets, sizes and inode numbers, and the block checksum all come from the input.
 * Read through: both files and the value inode as a listing and a reader do (xattrs, content, map).
 */
public final class Ext4XattrFuzzer {
	static final Ext4Base.Overlay OVERLAY = new Ext4Base.Overlay(b -> {
		List<Ext4Base.Region> r = new ArrayList<>();
		Ext4Inode big = b.inode(b.inodeNumber("/d/e/b.txt"));
		r.add(big.fileAcl != 0 ? b.block(big.fileAcl).slot(4096) : new Ext4Base.Region(0, 0, 4096));
		Ext4Base.Region a = b.inodeRecord(b.inodeNumber("/a.txt"));
		int extra = 128 + b.inode(b.inodeNumber("/a.txt")).extraIsize;
		r.add(new Ext4Base.Region(a.offset() + extra, a.length() - extra, 128));
		long ea = b.eaInode();
		r.add(ea > 0 ? b.inodeRecord(ea).slot(256) : new Ext4Base.Region(0, 0, 256));
		return r;
	},
			b -> new Ext4Base.Reach(List.of("/d/e/b.txt", "/a.txt"), b.eaInode() > 0 ? List.of(b.eaInode()) : List.of(), EnumSet.noneOf(Ext4Base.Scan.class)));

	private Ext4XattrFuzzer() {
	}

	/** Reads the bases once before the first input is timed (class loading and instrumentation take seconds). */
	public static void fuzzerInitialize() {
		OVERLAY.openAndRead(new byte[0]);
	}

	public static void fuzzerTestOneInput(byte[] data) {
		OVERLAY.openAndRead(data);
	}
}
