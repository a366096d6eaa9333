package cacheshadow.ext4.tests;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.ext4.BlockRun;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.ext4.Ext4Inode;
import cacheshadow.ext4.GroupDescriptor;
import cacheshadow.listing.FileRecord;
import cacheshadow.testing.Ext4Workout;

/**
 * Random damage to metadata (superblock, descriptors, inode table, directory, extent, xattr and journal blocks):
 * opening may fail with an {@link IOException} naming the problem, but nothing may throw anything else, hang or
 * exhaust memory, whatever the bytes say.
 */
class FuzzedMetadataTest {
	@TempDir
	Path tmp;

	@Test
	void randomMetadataDamageNeverCrashes() throws Exception {
		Path src = Files.createDirectories(tmp.resolve("src"));
		Files.writeString(src.resolve("a.txt"), "a\n");
		Files.createDirectories(src.resolve("d/e"));
		Files.writeString(src.resolve("d/e/b.txt"), "b\n".repeat(3000));
		Path many = Files.createDirectories(src.resolve("many"));
		for (int i = 0; i < 150; i++) Files.writeString(many.resolve("name-number-" + i), "x");
		try (RandomAccessFile f = new RandomAccessFile(src.resolve("frag.bin").toFile(), "rw")) {
			for (int i = 0; i < 30; i++) {
				f.seek(i * 8192L);
				f.write(new byte[4096]);
			}
		}
		Files.createSymbolicLink(src.resolve("link"), Path.of("d/e/b.txt"));
		var v = Files.getFileAttributeView(src.resolve("a.txt"), java.nio.file.attribute.UserDefinedFileAttributeView.class);
		v.write("big", java.nio.ByteBuffer.wrap("v".repeat(600).getBytes(StandardCharsets.US_ASCII)));
		Path img = tmp.resolve("fuzz.img");
		Oracles.mkfs(src, img, "8M", "-t", "ext4", "-b", "4096", "-O", "inline_data", "-N", "256");
		Oracles.runBytes(true, "e2fsck", "-fyD", img.toString());
		// committed transactions in a csum-v3 log, so damage reaches the replay too
		Files.write(tmp.resolve("blk"), new byte[3 * 4096]);
		Oracles.debugfs(img, List.of("jo -c -v 3", "jw -b 1500,1501,1502 " + tmp.resolve("blk"), "jw -b 1503 -r 1501 " + tmp.resolve("blk"), "jc"), true);
		ByteArrayLayer pristine = ByteArrayLayer.of(img);
		assertTrue(Ext4FileSystem.open(pristine).journalReplay().transactions().size() == 2, "two committed transactions");
		List<long[]> targets = metadataRanges(pristine);
		Random rnd = new Random(Long.getLong("cacheshadow.fuzz.seed", 20261123));
		int opened = 0, refused = 0;
		int iterations = Integer.getInteger("cacheshadow.fuzz.iterations", 300);
		for (int iter = 0; iter < iterations; iter++) {
			ByteArrayLayer a = pristine.copy();
			int n = 1 + rnd.nextInt(12);
			StringBuilder what = new StringBuilder();
			for (int k = 0; k < n; k++) {
				long[] r = targets.get(rnd.nextInt(targets.size()));
				long off = r[0] + (long) (rnd.nextDouble() * r[1]);
				int val = rnd.nextInt(4) == 0 ? 0xFF : rnd.nextInt(256);
				a.data[(int) off] = (byte) val;
				what.append(String.format(" 0x%x=%02x", off, val));
			}
			final int it = iter;
			boolean ok = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> exercise(a, it, what.toString()),
					"iteration " + iter + " damage" + what);
			if (ok) opened++;
			else refused++;
		}
		assertTrue(opened > iterations * 2 / 3, "most damaged images still open: " + opened + " opened, " + refused + " refused");
	}

	/** Opens and reads everything; returns false when open refuses the image with an IOException. */
	private static boolean exercise(ByteArrayLayer a, int iter, String what) {
		try {
			Ext4FileSystem fs;
			try {
				fs = Ext4FileSystem.open(a, Ext4FileSystem.Options.REPLAYED);
			} catch (IOException e) {
				return false;
			}
			Ext4Workout.readEverything(fs);
			return true;
		} catch (Throwable t) {
			fail("iteration " + iter + " damage" + what + ": " + t, t);
			return false;
		}
	}

	/** Byte ranges worth damaging: superblock, descriptors, used inode-table blocks, and every map/dir/xattr block. */
	private static List<long[]> metadataRanges(ByteArrayLayer img) throws IOException {
		Ext4FileSystem fs = Ext4FileSystem.open(img);
		int bs = fs.blockSize();
		List<long[]> r = new ArrayList<>();
		r.add(new long[] { 1024, 1024 });
		r.add(new long[] { bs, bs }); // group descriptors
		for (GroupDescriptor d : fs.groupDescriptors()) {
			r.add(new long[] { d.inodeTable() * bs, 4L * bs });
			r.add(new long[] { d.blockBitmap() * bs, bs });
			r.add(new long[] { d.inodeBitmap() * bs, bs });
		}
		for (FileRecord rec : fs.listing("")) {
			Ext4Inode in = fs.inode(rec.inode());
			if (in.isDirectory()) for (BlockRun run : fs.blockMap(in).runs()) r.add(new long[] { run.physical() * bs, run.length() * bs });
			for (long m : fs.blockMap(in).metadataBlocks()) r.add(new long[] { m * bs, bs });
			if (in.fileAcl != 0) r.add(new long[] { in.fileAcl * bs, bs });
		}
		Ext4Inode j = fs.inode(8);
		BlockRun jr = fs.blockMap(j).runs().get(0);
		r.add(new long[] { jr.physical() * bs, 8L * bs }); // journal superblock and the log
		return r;
	}
}
