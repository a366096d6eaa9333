package cacheshadow.ext4.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import cacheshadow.ext4.BlockRun;
import cacheshadow.ext4.DirectoryEntry;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.ext4.Ext4Inode;
import cacheshadow.layers.MissingReads;
import cacheshadow.testing.PatchedLayer;

/**
 * A directory whose block the evidence lacks: every listing of it rests on missing bytes, the second as the first
 * (the merge flags a view's directory by the {@link MissingReads} watch around its read, so a listing served again
 * from what an earlier read kept must still say so).
 */
class DirectoryMissingReadsTest {
	@Test
	void everyListingOfADirectoryOnMissingBytesSaysSo() throws Exception {
		PatchedLayer l = new PatchedLayer(ByteArrayLayer.of(Samples.file("debian-6.1-kaslr", "disk.img")));
		try (Ext4FileSystem fs = Ext4FileSystem.open(l, Ext4FileSystem.Options.AS_IT_LIES)) {
			Ext4Inode root = fs.inode(Ext4FileSystem.ROOT_INODE);
			int bs = fs.blockSize();
			List<BlockRun> runs = fs.blockMap(root).runs();
			BlockRun first = runs.get(0);
			l.hole(first.physical() * bs, bs);
			int[] sizes = new int[2];
			for (int pass = 0; pass < 2; pass++) {
				try (MissingReads.Watch w = MissingReads.watch()) {
					List<DirectoryEntry> entries = fs.readDirectory(fs.inode(Ext4FileSystem.ROOT_INODE));
					sizes[pass] = entries.size();
					assertTrue(w.touched(), "listing " + (pass + 1) + " of the root, whose first block is missing, does not say it rests on missing bytes");
				}
			}
			assertEquals(sizes[0], sizes[1]);
		}
	}
}
