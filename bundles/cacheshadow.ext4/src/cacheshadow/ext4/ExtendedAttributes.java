package cacheshadow.ext4;

import static cacheshadow.layers.LittleEndian.u16;
import static cacheshadow.layers.LittleEndian.u32;
import static cacheshadow.layers.LittleEndian.u8;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Extended attributes ("Extended Attributes"): after the inode's extra fields ({@code 0xEA020000} then entries,
 * values relative to the first entry) and in the block {@code i_file_acl} (32-byte header, values relative to
 * the block). Values may live in their own inode (ea_inode). Names carry a prefix index.
 */
final class ExtendedAttributes {
	static final long MAGIC = 0xEA020000L;
	private static final String[] PREFIX = { "", "user.", "system.posix_acl_access", "system.posix_acl_default",
			"trusted.", "", "security.", "system.", "system.richacl" };

	private ExtendedAttributes() {
	}

	static List<ExtendedAttribute> read(Ext4FileSystem fs, Ext4Inode inode) {
		List<ExtendedAttribute> out = new ArrayList<>();
		byte[] raw = inode.rawNoCopy();
		int start = 128 + inode.extraIsize;
		if (inode.extraIsize > 0 && start + 4 <= raw.length && u32(raw, start) == MAGIC) {
			parse(fs, inode, raw, start + 4, start + 4, raw.length, true, out);
		}
		if (inode.fileAcl != 0) {
			long blk = inode.fileAcl;
			if (blk >= fs.blocksCount()) {
				fs.finding("ext4-xattr", "inode " + inode.number, "xattr block " + blk + " lies outside the device");
			} else {
				try {
					byte[] b = fs.readBlock(blk);
					if (u32(b, 0) != MAGIC) {
						fs.finding("ext4-xattr", "block " + blk, String.format("xattr block of inode %d: bad magic 0x%08x", inode.number, u32(b, 0)));
					} else {
						verifyBlock(fs, b, blk);
						parse(fs, inode, b, 32, 0, b.length, false, out);
					}
				} catch (IOException e) {
					fs.finding("ext4-xattr", "block " + blk, "xattr block unreadable: " + e.getMessage());
				}
			}
		}
		return out;
	}

	/** "Extended Attributes": crc32c(fs seed, le64 block number, block with h_checksum as zero). */
	private static void verifyBlock(Ext4FileSystem fs, byte[] b, long blk) {
		if (!fs.superblock().hasMetadataCsum()) return;
		int c = Crc32c.updateLe64(fs.checksumSeed(), blk);
		c = Crc32c.update(c, b, 0, 0x10);
		c = Crc32c.updateZeros(c, 4);
		c = Crc32c.update(c, b, 0x14, b.length - 0x14);
		long stored = u32(b, 0x10);
		if ((c & 0xffffffffL) != stored) {
			fs.finding("ext4-csum", "block " + blk, String.format("xattr block checksum 0x%08x, computed 0x%08x", stored, c & 0xffffffffL));
		}
	}

	private static void parse(Ext4FileSystem fs, Ext4Inode inode, byte[] b, int first, int valueBase, int end,
			boolean inInode, List<ExtendedAttribute> out) {
		int e = first;
		int guard = 0;
		while (e + 16 <= end && u32(b, e) != 0 && guard++ < 10000) {
			int nameLen = u8(b, e), index = u8(b, e + 1), valueOffs = u16(b, e + 2);
			long valueInum = u32(b, e + 4), valueSize = u32(b, e + 8);
			if (e + 16 + nameLen > end) {
				fs.finding("ext4-xattr", "inode " + inode.number, "xattr entry name runs past its area");
				return;
			}
			String name = (index < PREFIX.length ? PREFIX[index] : "?" + index + ".")
					+ new String(b, e + 16, nameLen, StandardCharsets.UTF_8);
			byte[] value = null;
			if (valueInum != 0) {
				value = eaInodeValue(fs, inode, valueInum, valueSize);
			} else {
				long vs = valueBase + (long) valueOffs;
				if (vs + valueSize > end) {
					fs.finding("ext4-xattr", "inode " + inode.number, "xattr " + name + " value runs past its area");
				} else {
					value = Arrays.copyOfRange(b, (int) vs, (int) (vs + valueSize));
				}
			}
			if (value != null) out.add(new ExtendedAttribute(name, value, inInode));
			e += (16 + nameLen + 3) & ~3;
		}
	}

	private static byte[] eaInodeValue(Ext4FileSystem fs, Ext4Inode owner, long inum, long size) {
		try {
			if (size > 64 << 20) throw new IOException("value of " + size + " bytes");
			Ext4Inode ea = fs.inode(inum);
			// the kernel refuses a value inode without EA_INODE_FL and reads it through its block map only: one with
			// inline data would be read through its own xattrs, which may name it again, without end
			if ((ea.flags & Ext4Inode.FL_EA_INODE) == 0) throw new IOException("not an xattr value inode (EA_INODE flag clear)");
			if (ea.hasInlineData()) throw new IOException("an xattr value inode with inline data");
			byte[] v = new byte[(int) size];
			fs.open(ea).readFully(0, v, 0, v.length);
			return v;
		} catch (IOException e) {
			fs.finding("ext4-xattr", "inode " + owner.number, "xattr value in inode " + inum + " unreadable: " + e.getMessage());
			return null;
		}
	}
}
