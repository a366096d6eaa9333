package cacheshadow.ext4;

import static cacheshadow.layers.LittleEndian.u32;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The ext2/ext3 block map ("Direct/Indirect Block Addressing"): {@code i_block[0..11]} direct, [12] single,
 * [13] double and [14] triple indirect blocks of 32-bit block numbers; 0 is a hole. Walks only as far as the
 * file size reaches.
 */
final class IndirectBlocks {
	private final Ext4FileSystem fs;
	private final Ext4Inode inode;
	private final long perBlock;
	private final long limit;
	private final List<BlockRun> runs = new ArrayList<>();
	private final List<Long> metadata = new ArrayList<>();
	private long runLogical = -1, runPhysical, runLength;
	private int reported;
	private long leaves;
	private boolean stopped;

	private IndirectBlocks(Ext4FileSystem fs, Ext4Inode inode) {
		this.fs = fs;
		this.inode = inode;
		this.perBlock = fs.blockSize() / 4;
		long bs = fs.blockSize();
		this.limit = (inode.size + bs - 1) / bs;
	}

	static BlockMap map(Ext4FileSystem fs, Ext4Inode inode) {
		IndirectBlocks m = new IndirectBlocks(fs, inode);
		byte[] raw = inode.rawNoCopy();
		int base = Ext4Inode.I_BLOCK_OFFSET;
		for (int i = 0; i < 12; i++) m.leaf(i, u32(raw, base + 4 * i));
		long start = 12;
		for (int level = 1; level <= 3; level++) {
			long span = pow(m.perBlock, level);
			m.indirect(u32(raw, base + 4 * (11 + level)), level, start);
			start += span;
		}
		m.flush();
		return BlockMap.of(m.runs, m.metadata);
	}

	private static long pow(long b, int e) {
		long r = 1;
		for (int i = 0; i < e; i++) r *= b;
		return r;
	}

	private void indirect(long block, int level, long firstLogical) {
		if (block == 0 || firstLogical >= limit || stopped) return;
		if (block >= fs.blocksCount()) {
			if (reporting()) bad("indirect block " + block + " (level " + level + ") lies outside the device");
			return;
		}
		byte[] b;
		try {
			b = fs.readBlock(block);
		} catch (IOException e) {
			if (reporting()) bad("indirect block " + block + " unreadable: " + e.getMessage());
			return;
		}
		if (metadata.size() > Math.min(4 * limit + 16, fs.blocksCount())) {
			bad("more indirect blocks than the file size or the device allows; rest ignored");
			stopped = true;
			return;
		}
		metadata.add(block);
		long span = pow(perBlock, level - 1);
		for (int i = 0; i < perBlock; i++) {
			long lb = firstLogical + i * span;
			if (lb >= limit || stopped) break;
			long p = u32(b, 4 * i);
			if (level == 1) leaf(lb, p);
			else indirect(p, level - 1, lb);
		}
	}

	private void leaf(long logical, long physical) {
		if (physical == 0 || logical >= limit || stopped) return;
		if (++leaves > fs.blocksCount()) {
			bad("maps more blocks than the device holds; rest ignored");
			stopped = true;
			return;
		}
		if (physical >= fs.blocksCount()) {
			if (reporting()) bad("block " + logical + " -> " + physical + " lies outside the device");
			return;
		}
		if (runLogical >= 0 && logical == runLogical + runLength && physical == runPhysical + runLength) {
			runLength++;
			return;
		}
		flush();
		runLogical = logical;
		runPhysical = physical;
		runLength = 1;
	}

	private void flush() {
		if (runLogical >= 0) runs.add(new BlockRun(runLogical, runPhysical, runLength, false));
		runLogical = -1;
	}

	/** Whether one more problem is named: the first 10 are; a forged map has one per entry, built for nothing after. */
	private boolean reporting() {
		return reported < 10;
	}

	private void bad(String msg) {
		if (reported++ < 10) fs.finding("ext4-blockmap", "inode " + inode.number, msg);
	}
}
