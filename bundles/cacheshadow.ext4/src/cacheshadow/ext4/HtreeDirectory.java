package cacheshadow.ext4;

import static cacheshadow.layers.LittleEndian.u16;
import static cacheshadow.layers.LittleEndian.u32;
import static cacheshadow.layers.LittleEndian.u8;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import cacheshadow.listing.GuestName;

/**
 * Directory contents ("Directory Entries", "Hash Tree Directories", "Inline Data"). Entries are read linearly,
 * block by block: htree interior blocks look like one empty entry spanning the block and the dx_root hides in
 * the ".." entry's {@code rec_len}, so a linear read lists exactly the leaf entries. The htree root is still
 * checked (depth, info length) and leaf / dx-node checksums are verified under metadata_csum. A damaged block
 * becomes a finding and reading continues with the next block.
 */
final class HtreeDirectory {
	static final int MAX_ENTRIES = 10_000_000;
	static final int MAX_DELETED = 100_000;
	/** Blocks of one directory whose bad entry is named each: a forged map of garbage blocks has one per block. */
	static final int MAX_BAD_NAMED = 10;

	private HtreeDirectory() {
	}

	static List<DirectoryEntry> read(Ext4FileSystem fs, Ext4Inode dir) throws IOException {
		List<DirectoryEntry> out = new ArrayList<>();
		if (dir.hasInlineData()) {
			readInline(fs, dir, out);
			return out;
		}
		int[] bad = { 0 };
		walk(fs, dir, true, (b, lb) -> parseBlock(fs, dir, b, 0, b.length, b.length, lb, lb == 0, out, bad), out);
		if (bad[0] > MAX_BAD_NAMED) {
			fs.finding("ext4-dirent", "inode " + dir.number, bad[0] + " directory blocks with a bad entry (the first " + MAX_BAD_NAMED + " named)");
		}
		return out;
	}

	/**
	 * Names of removed entries still present in leaf blocks: removing an entry folds its space into the
	 * previous entry's {@code rec_len} (or zeroes the inode of a block's first entry), leaving name and inode
	 * number in the slack until overwritten.
	 */
	static List<DirectoryEntry> deletedEntries(Ext4FileSystem fs, Ext4Inode dir) throws IOException {
		List<DirectoryEntry> out = new ArrayList<>();
		if (dir.hasInlineData()) return out;
		walk(fs, dir, false, (b, lb) -> scanSlack(fs, b, out), out);
		return out;
	}

	private interface LeafVisitor {
		void leaf(byte[] block, long logical);
	}

	/** Visits the directory's leaf blocks in order; only mapped blocks are visited, so a bogus i_size costs nothing. */
	private static void walk(Ext4FileSystem fs, Ext4Inode dir, boolean verify, LeafVisitor v, List<DirectoryEntry> out) throws IOException {
		Ext4File f = fs.open(dir);
		int bs = fs.blockSize();
		long nblocks = (dir.size + bs - 1) / bs;
		byte[] b = new byte[bs];
		boolean csum = fs.superblock().hasMetadataCsum();
		int seed = dir.checksumSeed(fs.checksumSeed());
		long expected = 0, visited = 0;
		for (BlockRun run : f.blockMap().runs()) {
			if (run.logical() >= nblocks || out.size() >= MAX_ENTRIES) break;
			if (run.logical() > expected && verify) {
				fs.finding("ext4-dir", "inode " + dir.number, "directory blocks " + expected + ".." + (run.logical() - 1) + " are a hole");
			}
			expected = run.logicalEnd();
			if (run.unwritten()) continue;
			for (long lb = run.logical(); lb < Math.min(run.logicalEnd(), nblocks) && out.size() < MAX_ENTRIES; lb++) {
				if (++visited > fs.blocksCount()) {
					fs.finding("ext4-dir", "inode " + dir.number, "directory maps more blocks than the device holds; rest ignored");
					return;
				}
				long phys = run.physical() + (lb - run.logical());
				try {
					fs.layer().read(phys * bs, b, 0, bs);
				} catch (IOException e) {
					fs.finding("ext4-dir", "inode " + dir.number, "directory block " + lb + " unreadable: " + e.getMessage());
					continue;
				}
				if (lb == 0 && dir.isHtree()) {
					if (verify) {
						checkRoot(fs, dir, b, phys, seed);
						v.leaf(b, lb); // "." and ".."; the dx_root hides in the ".." entry's rec_len
					}
					continue;
				}
				boolean dxNode = lb > 0 && dir.isHtree() && u32(b, 0) == 0 && recLen(u16(b, 4), bs) == bs;
				if (dxNode) {
					if (csum && verify) verifyDx(fs, dir, b, 8, phys, seed);
					continue;
				}
				if (csum && verify) verifyLeaf(fs, dir, b, phys, seed);
				v.leaf(b, lb);
			}
		}
		if (verify && expected < nblocks && nblocks > 0) {
			fs.finding("ext4-dir", "inode " + dir.number, "directory blocks " + expected + ".." + (nblocks - 1) + " (of i_size " + dir.size + ") are not mapped");
		}
	}

	private static void scanSlack(Ext4FileSystem fs, byte[] b, List<DirectoryEntry> out) {
		boolean filetype = fs.superblock().hasIncompat(Ext4Superblock.INCOMPAT_FILETYPE);
		int bs = b.length, off = 0;
		while (off + 8 <= bs) {
			long ino = u32(b, off);
			int rl = recLen(u16(b, off + 4), bs);
			int nameLen = filetype ? u8(b, off + 6) : u16(b, off + 6) & 0xff;
			if (rl < 8 || (rl & 3) != 0 || off + rl > bs) return;
			int used = ino == 0 ? 0 : (8 + nameLen + 3) & ~3;
			if (ino == 0 && nameLen > 0 && !(u16(b, off + 4) == 12 && u8(b, off + 7) == 0xDE)) {
				DirectoryEntry e = candidate(fs, b, off, off + rl, filetype, true);
				if (e != null) out.add(e);
			}
			for (int p = off + Math.max(used, ino == 0 ? (8 + nameLen + 3) & ~3 : used); p + 12 <= off + rl;) {
				DirectoryEntry e = candidate(fs, b, p, off + rl, filetype, false);
				if (e == null) {
					p += 4;
					continue;
				}
				out.add(e);
				p += (8 + nameLen(b, p, filetype) + 3) & ~3;
			}
			off += rl;
		}
	}

	private static int nameLen(byte[] b, int p, boolean filetype) {
		return filetype ? u8(b, p + 6) : u16(b, p + 6) & 0xff;
	}

	/** A plausible entry at {@code p} ending before {@code limit}, or null. */
	private static DirectoryEntry candidate(Ext4FileSystem fs, byte[] b, int p, int limit, boolean filetype, boolean zeroInode) {
		long ino = u32(b, p);
		int rl = u16(b, p + 4), nl = nameLen(b, p, filetype), ft = filetype ? u8(b, p + 7) : 0;
		if ((!zeroInode && (ino == 0 || ino > fs.superblock().inodesCount)) || nl == 0 || p + 8 + nl > limit) return null;
		if (rl < 8 + nl || (rl & 3) != 0 || ft > 7) return null;
		for (int i = 0; i < nl; i++) {
			byte c = b[p + 8 + i];
			if (c == 0 || c == '/') return null;
		}
		if ((nl == 1 || nl == 2) && b[p + 8] == '.' && b[p + 8 + nl - 1] == '.') return null; // "." or ".."
		return new DirectoryEntry(ino, GuestName.of(b, p + 8, nl), ft);
	}

	static int recLen(int disk, int bs) {
		if (bs < 65536) return disk;
		if (disk == 65535 || disk == 0) return bs;
		return (disk & 65532) | ((disk & 3) << 16);
	}

	/**
	 * Parses entries in {@code b[start, end)}; stops the block at the first impossible entry. Names are in their
	 * {@link GuestName} text form; "." and ".." are kept as such only as the first and second entry of a directory's
	 * first block ({@code dots}), where ext4 puts them: anywhere else such a name is a planted entry and is shown
	 * escaped ({@code \x2e\x2e}), never taken for the parent. {@code bad[0]} counts the directory's blocks with a bad
	 * entry; the first {@link #MAX_BAD_NAMED} are named.
	 */
	static void parseBlock(Ext4FileSystem fs, Ext4Inode dir, byte[] b, int start, int end, int bs, long lb, boolean dots,
			List<DirectoryEntry> out, int[] bad) {
		boolean filetype = fs.superblock().hasIncompat(Ext4Superblock.INCOMPAT_FILETYPE);
		int off = start, index = 0;
		while (off + 8 <= end) {
			long ino = u32(b, off);
			int rl = recLen(u16(b, off + 4), bs);
			int nameLen = filetype ? u8(b, off + 6) : u16(b, off + 6) & 0xff;
			int type = filetype ? u8(b, off + 7) : 0;
			if (rl < 8 || (rl & 3) != 0 || off + rl > end || (ino != 0 && nameLen + 8 > rl)) {
				if (bad[0]++ < MAX_BAD_NAMED) fs.finding("ext4-dirent", "inode " + dir.number, String.format(
						"directory block %d offset %d: bad entry (rec_len %d, name_len %d); rest of block skipped", lb, off - start, rl, nameLen));
				return;
			}
			if (ino != 0 && nameLen > 0) {
				String name = dots && (index == 0 && nameLen == 1 || index == 1 && nameLen == 2) && isDots(b, off + 8, nameLen)
						? (nameLen == 1 ? "." : "..")
						: GuestName.of(b, off + 8, nameLen);
				if (ino > fs.superblock().inodesCount) {
					fs.finding("ext4-dirent", "inode " + dir.number, "entry " + name + " names inode " + ino + " beyond the inode count");
				} else {
					out.add(new DirectoryEntry(ino, name, type));
				}
			}
			if (ino != 0) index++;
			off += rl;
		}
	}

	private static void readInline(Ext4FileSystem fs, Ext4Inode dir, List<DirectoryEntry> out) {
		byte[] raw = dir.rawNoCopy();
		int base = Ext4Inode.I_BLOCK_OFFSET;
		out.add(new DirectoryEntry(dir.number, ".", 2));
		out.add(new DirectoryEntry(u32(raw, base), "..", 2));
		byte[] ib = dir.iBlock();
		int[] bad = { 0 };
		parseBlock(fs, dir, ib, 4, ib.length, 65535, 0, false, out, bad);
		for (ExtendedAttribute a : fs.extendedAttributes(dir)) {
			if (a.name().equals("system.data") && a.value().length > 0) {
				parseBlock(fs, dir, a.value(), 0, a.value().length, 65535, 1, false, out, bad);
			}
		}
	}

	private static boolean isDots(byte[] b, int off, int len) {
		for (int i = 0; i < len; i++) if (b[off + i] != '.') return false;
		return len == 1 || len == 2;
	}

	/** dx_root: "." (12 bytes), ".." (rec_len to block end), then dx_root_info at 0x18 and the count/limit. */
	private static void checkRoot(Ext4FileSystem fs, Ext4Inode dir, byte[] b, long phys, int seed) {
		int hashVersion = u8(b, 0x1C), infoLen = u8(b, 0x1D), levels = u8(b, 0x1E);
		int maxLevels = fs.superblock().hasIncompat(Ext4Superblock.INCOMPAT_LARGEDIR) ? 3 : 2;
		if (infoLen != 8) {
			fs.finding("ext4-htree", "inode " + dir.number, "htree root info length " + infoLen + " (expected 8)");
			return;
		}
		if (levels >= maxLevels) {
			fs.finding("ext4-htree", "inode " + dir.number, "htree depth " + levels + " exceeds the maximum " + (maxLevels - 1) + "; entries read linearly");
		}
		if (hashVersion > 5) fs.finding("ext4-htree", "inode " + dir.number, "unknown htree hash version " + hashVersion);
		if (fs.superblock().hasMetadataCsum()) verifyDx(fs, dir, b, 0x20, phys, seed);
	}

	/** Leaf tail: fake entry (inode 0, rec_len 12, type 0xDE) with crc32c(inode seed, block[0..bs-12)). */
	private static void verifyLeaf(Ext4FileSystem fs, Ext4Inode dir, byte[] b, long phys, int seed) {
		int bs = b.length;
		int t = bs - 12;
		if (u32(b, t) != 0 || u16(b, t + 4) != 12 || u8(b, t + 6) != 0 || u8(b, t + 7) != 0xDE) {
			fs.finding("ext4-csum", "block " + phys, "directory block of inode " + dir.number + " has no checksum tail");
			return;
		}
		int c = Crc32c.update(seed, b, 0, t);
		long stored = u32(b, bs - 4);
		if ((c & 0xffffffffL) != stored) {
			fs.finding("ext4-csum", "block " + phys, String.format("directory block of inode %d: checksum 0x%08x, computed 0x%08x", dir.number, stored, c & 0xffffffffL));
		}
	}

	/** dx node tail after {@code limit} entries: crc32c(seed, block[0..countOffset+count*8), tail.reserved, 0). */
	private static void verifyDx(Ext4FileSystem fs, Ext4Inode dir, byte[] b, int countOffset, long phys, int seed) {
		int limit = u16(b, countOffset), count = u16(b, countOffset + 2);
		int tail = countOffset + limit * 8;
		if (count > limit || tail + 8 > b.length) {
			fs.finding("ext4-htree", "block " + phys, "htree node of inode " + dir.number + ": count " + count + " / limit " + limit + " impossible");
			return;
		}
		int c = Crc32c.update(seed, b, 0, countOffset + count * 8);
		c = Crc32c.update(c, b, tail, 4);
		c = Crc32c.updateZeros(c, 4);
		long stored = u32(b, tail + 4);
		if ((c & 0xffffffffL) != stored) {
			fs.finding("ext4-csum", "block " + phys, String.format("htree node of inode %d: checksum 0x%08x, computed 0x%08x", dir.number, stored, c & 0xffffffffL));
		}
	}
}
