package cacheshadow.ext4;

import static cacheshadow.layers.LittleEndian.u16;
import static cacheshadow.layers.LittleEndian.u32;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * An inode's extent tree ("Extent Tree"): a 12-byte header ({@code eh_magic 0xF30A}, entries, max, depth)
 * then 12-byte index entries (depth &gt; 0) or leaf extents (depth 0). The root lives in {@code i_block};
 * interior and leaf nodes are whole blocks ending in a crc32c tail under metadata_csum. Corrupt nodes,
 * loops and extents past the device end become findings; the remaining extents still map.
 */
final class ExtentTree {
	static final int MAGIC = 0xF30A;
	static final int MAX_DEPTH = 5;
	/** Bound on nodes visited per file, so hostile trees cost bounded time. */
	static final int MAX_NODES = 1 << 20;

	private final Ext4FileSystem fs;
	private final Ext4Inode inode;
	private final List<BlockRun> runs = new ArrayList<>();
	private final Set<Long> visited = new java.util.LinkedHashSet<>();
	private int nodes;
	private boolean reportedBudget;
	private long mapped;

	private ExtentTree(Ext4FileSystem fs, Ext4Inode inode) {
		this.fs = fs;
		this.inode = inode;
	}

	static BlockMap map(Ext4FileSystem fs, Ext4Inode inode) {
		ExtentTree t = new ExtentTree(fs, inode);
		t.walk(inode.rawNoCopy(), Ext4Inode.I_BLOCK_OFFSET, Ext4Inode.I_BLOCK_SIZE, -1, "i_block");
		return BlockMap.of(t.runs, new java.util.ArrayList<>(t.visited));
	}

	private String where() {
		return "inode " + inode.number;
	}

	private void walk(byte[] b, int off, int len, int expectedDepth, String node) {
		if (++nodes > MAX_NODES) {
			if (!reportedBudget) fs.finding("ext4-extent", where(), "extent tree has more than " + MAX_NODES + " nodes; rest ignored");
			reportedBudget = true;
			return;
		}
		if (u16(b, off) != MAGIC) {
			fs.finding("ext4-extent", where(), String.format("%s: bad extent header magic 0x%04x", node, u16(b, off)));
			return;
		}
		int entries = u16(b, off + 2), max = u16(b, off + 4), depth = u16(b, off + 6);
		if (max == 0 || 12 + 12 * max > len || entries > max) {
			fs.finding("ext4-extent", where(), node + ": extent header entries " + entries + " / max " + max + " do not fit " + len + " bytes");
			entries = Math.min(entries, (len - 12) / 12);
		}
		if (depth > MAX_DEPTH || (expectedDepth >= 0 && depth != expectedDepth)) {
			fs.finding("ext4-extent", where(), node + ": extent node depth " + depth + (expectedDepth >= 0 ? ", expected " + expectedDepth : " exceeds " + MAX_DEPTH));
			return;
		}
		long devBlocks = fs.blocksCount();
		for (int i = 0; i < entries; i++) {
			int e = off + 12 + 12 * i;
			long lblk = u32(b, e);
			if (depth == 0) {
				int l = u16(b, e + 4);
				boolean unwritten = l > 32768;
				long n = unwritten ? l - 32768 : l;
				long start = u32(b, e + 8) | (long) u16(b, e + 6) << 32;
				if (n == 0) continue;
				if (start == 0 || start + n > devBlocks) {
					fs.finding("ext4-extent", where(), String.format("%s: extent %d+%d -> block %d lies outside the device (%d blocks)", node, lblk, n, start, devBlocks));
					continue;
				}
				mapped += n;
				if (mapped > devBlocks) {
					if (!reportedBudget) fs.finding("ext4-extent", where(), "extents map more blocks than the device holds; rest ignored");
					reportedBudget = true;
					return;
				}
				runs.add(new BlockRun(lblk, start, n, unwritten));
			} else {
				long child = u32(b, e + 4) | (long) u16(b, e + 8) << 32;
				if (child == 0 || child >= devBlocks) {
					fs.finding("ext4-extent", where(), node + ": index entry points to block " + child + " outside the device");
					continue;
				}
				if (!visited.add(child)) {
					fs.finding("ext4-extent", where(), node + ": extent tree loops (block " + child + " reached twice)");
					continue;
				}
				byte[] blk;
				try {
					blk = fs.readBlock(child);
				} catch (IOException ex) {
					fs.finding("ext4-extent", where(), "extent node block " + child + " unreadable: " + ex.getMessage());
					continue;
				}
				verifyTail(blk, child);
				walk(blk, 0, blk.length, depth - 1, "block " + child);
			}
		}
	}

	/** Extent block tail: crc32c(inode seed, node bytes up to eh_max entries) right after them. */
	private void verifyTail(byte[] blk, long block) {
		if (!fs.superblock().hasMetadataCsum() || u16(blk, 0) != MAGIC) return;
		int max = u16(blk, 4);
		int tail = 12 + 12 * max;
		if (tail + 4 > blk.length) return;
		int c = Crc32c.update(inode.checksumSeed(fs.checksumSeed()), blk, 0, tail);
		long stored = u32(blk, tail);
		if ((c & 0xffffffffL) != stored) {
			fs.finding("ext4-csum", "block " + block, String.format("extent block of inode %d: checksum 0x%08x, computed 0x%08x", inode.number, stored, c & 0xffffffffL));
		}
	}
}
