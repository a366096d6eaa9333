package cacheshadow.ext4;

import java.io.IOException;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Device block → what it holds: group metadata ("Block Group Layout": superblock copies, descriptors, reserved
 * GDT, bitmaps, inode tables) or an inode's data, map (extent node / indirect) or xattr block. Built by one
 * pass over every in-use inode, so a page of the block device's cache, or any block of a disk diff, can be
 * named. Blocks nobody claims are {@link Kind#UNOWNED}, and so are blocks past the device's end (a cut image, a
 * forged block count): there are no bytes of theirs to name, and a forged geometry of 100,000 groups would otherwise
 * store a claim for every group's superblock copy and descriptor table out there.
 */
public final class BlockOwners {
	public enum Kind {
		SUPERBLOCK, GROUP_DESCRIPTORS, RESERVED_GDT, BLOCK_BITMAP, INODE_BITMAP, INODE_TABLE, FILE_DATA, FILE_MAP,
		XATTR_BLOCK, UNOWNED
	}

	/**
	 * @param inode   owning inode (FILE_*, XATTR_BLOCK) or, for INODE_TABLE, the first inode stored in this block
	 * @param logical file block number (FILE_DATA) or -1
	 * @param group   block group for group metadata, else -1
	 */
	public record Owner(Kind kind, long inode, long logical, long group) {
		static final Owner NONE = new Owner(Kind.UNOWNED, 0, -1, -1);
	}

	/** A claimed range of blocks; for FILE_DATA the logical block of {@code start}. */
	private record Range(long start, long length, Kind kind, long inode, long logical, long group) {
	}

	private final TreeMap<Long, Range> ranges = new TreeMap<>();
	/**
	 * The claimed blocks on the device: a claim starting on one of them is refused without a search of the ranges
	 * (forged geometry makes tens of thousands of groups claim the same few blocks).
	 */
	private final BitSet claimed = new BitSet();
	private final long deviceBlocks;
	/** The end of the range that ends last. */
	private long end;
	private final Ext4FileSystem fs;

	private BlockOwners(Ext4FileSystem fs) {
		this.fs = fs;
		this.deviceBlocks = Math.min(fs.blocksCount(), Math.min(Integer.MAX_VALUE, fs.layer().size() / fs.blockSize()));
	}

	/** Builds the map; reads every in-use inode once. */
	public static BlockOwners build(Ext4FileSystem fs) {
		BlockOwners o = new BlockOwners(fs);
		o.groupMetadata();
		o.inodes();
		return o;
	}

	public Owner owner(long block) {
		Map.Entry<Long, Range> e = ranges.floorEntry(block);
		if (e == null) return Owner.NONE;
		Range r = e.getValue();
		if (block >= r.start + r.length) return Owner.NONE;
		long off = block - r.start;
		return switch (r.kind) {
		case FILE_DATA -> new Owner(r.kind, r.inode, r.logical + off, -1);
		case INODE_TABLE -> new Owner(r.kind, r.inode + off * (fs.blockSize() / fs.superblock().inodeSize), -1, r.group);
		default -> new Owner(r.kind, r.inode, -1, r.group);
		};
	}

	private void claim(long start, long length, Kind kind, long inode, long logical, long group) {
		if (length <= 0 || start < 0 || start >= deviceBlocks || claimed.get((int) start)) return;
		length = Math.min(length, deviceBlocks - start);
		// past every range (group by group, the groups' metadata comes in block order): nothing to search
		if (start < end) {
			// first claim wins (a shared xattr block, corrupt cross-linked files)
			Map.Entry<Long, Range> below = ranges.floorEntry(start);
			if (below != null && below.getValue().start + below.getValue().length > start) return;
			Long above = ranges.ceilingKey(start);
			if (above != null && above < start + length) length = above - start;
		}
		ranges.put(start, new Range(start, length, kind, inode, logical, group));
		end = Math.max(end, start + length);
		claimed.set((int) start, (int) (start + length));
	}

	private void groupMetadata() {
		Ext4Superblock sb = fs.superblock();
		int bs = fs.blockSize();
		int perBlock = bs / sb.descSize;
		long groups = sb.groupCount();
		long gdtBlocks = (groups + perBlock - 1) / perBlock;
		boolean meta = sb.hasIncompat(Ext4Superblock.INCOMPAT_META_BG);
		long itBlocks = (sb.inodesPerGroup * sb.inodeSize + bs - 1) / bs;
		for (GroupDescriptor d : fs.groupDescriptors()) {
			long g = d.group();
			long first = sb.firstDataBlock + g * sb.blocksPerGroup;
			if (sb.groupHasSuperblock(g)) {
				long sbBlock = g == 0 ? Ext4Superblock.OFFSET / bs : first;
				claim(sbBlock, 1, Kind.SUPERBLOCK, 0, -1, g);
				long own = meta ? Math.min(gdtBlocks, sb.firstMetaBg) : gdtBlocks;
				claim(sbBlock + 1, own, Kind.GROUP_DESCRIPTORS, 0, -1, g);
				claim(sbBlock + 1 + own, sb.reservedGdtBlocks, Kind.RESERVED_GDT, 0, -1, g);
			}
			if (meta && g / perBlock >= sb.firstMetaBg) {
				long idx = g % perBlock;
				if (idx == 0 || idx == 1 || idx == perBlock - 1) {
					claim(first + (sb.groupHasSuperblock(g) ? 1 : 0), 1, Kind.GROUP_DESCRIPTORS, 0, -1, g);
				}
			}
			claim(d.blockBitmap(), 1, Kind.BLOCK_BITMAP, 0, -1, g);
			claim(d.inodeBitmap(), 1, Kind.INODE_BITMAP, 0, -1, g);
			claim(d.inodeTable(), itBlocks, Kind.INODE_TABLE, g * sb.inodesPerGroup + 1, -1, g);
		}
	}

	private void inodes() {
		Ext4Superblock sb = fs.superblock();
		long budget = fs.inodeSlotsOnDevice(); // see there: more in-use inodes than that means overlapping tables
		List<GroupDescriptor> groups = fs.groupDescriptors();
		for (long g = 0; g < sb.groupCount(); g++) {
			// a table past the end of the device (forged geometry, a cut image) has no inode to read
			long table = groups.get((int) g).inodeTable();
			if (table == 0 || table >= deviceBlocks) continue;
			byte[] bm = fs.inodeBitmapOf(g);
			if (bm == null) continue;
			for (long i = 0; i < sb.inodesPerGroup; i++) {
				long n = g * sb.inodesPerGroup + i + 1;
				if (n > sb.inodesCount) return;
				if ((bm[(int) (i >>> 3)] & (1 << (i & 7))) == 0) continue;
				if (budget-- <= 0) return;
				Ext4Inode in;
				try {
					in = fs.inode(n);
				} catch (IOException e) {
					continue;
				}
				if (in.mode == 0) continue;
				if (in.fileAcl != 0) claim(in.fileAcl, 1, Kind.XATTR_BLOCK, n, -1, -1);
				BlockMap m = fs.blockMap(in);
				for (long mb : m.metadataBlocks()) claim(mb, 1, Kind.FILE_MAP, n, -1, -1);
				for (BlockRun r : m.runs()) claim(r.physical(), r.length(), Kind.FILE_DATA, n, r.logical(), -1);
			}
		}
	}
}
