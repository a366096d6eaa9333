package cacheshadow.ext4.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.ext4.BlockRun;
import cacheshadow.ext4.DirectoryEntry;
import cacheshadow.ext4.Ext4File;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.ext4.Ext4Inode;
import cacheshadow.layers.RawFileLayer;
import cacheshadow.listing.FileRecord;

/**
 * A 20,000-entry directory indexed as an htree ({@code e2fsck -fD}) and a sparse file past 4 GiB, checked
 * against the source tree, debugfs and fls.
 */
class LargeImageTest {
	static final int ENTRIES = 20_000;
	static final long BIG = 5L * 1024 * 1024 * 1024 + 123;
	static final long MID = 4L * 1024 * 1024 * 1024 + 3 * 4096 + 10;

	@TempDir
	Path tmp;

	@Test
	void htreeDirectoryAndSparseFilePast4GiB() throws Exception {
		Path src = Files.createDirectories(tmp.resolve("src"));
		Path dir = Files.createDirectories(src.resolve("big"));
		Set<String> names = new TreeSet<>();
		// short names: mke2fs -d inserts each name by scanning the (unindexed) directory, quadratic in its blocks
		for (int i = 0; i < ENTRIES; i++) {
			String n = String.format("f%05d", i);
			Files.createFile(dir.resolve(n));
			names.add(n);
		}
		try (RandomAccessFile f = new RandomAccessFile(src.resolve("sparse5g.bin").toFile(), "rw")) {
			f.write("HEAD".getBytes(StandardCharsets.US_ASCII));
			f.seek(MID);
			f.write("MIDDLE".getBytes(StandardCharsets.US_ASCII));
			f.setLength(BIG);
			f.seek(BIG - 4);
			f.write("TAIL".getBytes(StandardCharsets.US_ASCII));
		}
		Path img = tmp.resolve("large.img");
		Oracles.mkfs(src, img, "64M", "-t", "ext4", "-N", "25000");
		Oracles.runBytes(true, "e2fsck", "-fyD", img.toString()); // index every directory (htree)
		try (RawFileLayer layer = new RawFileLayer(img)) {
			Ext4FileSystem fs = Ext4FileSystem.open(layer, Ext4FileSystem.Options.REPLAYED);
			long dino = fs.lookup("/big");
			Ext4Inode d = fs.inode(dino);
			assertTrue(d.isHtree(), "e2fsck -D made /big an htree directory");
			Set<String> ours = new TreeSet<>();
			for (DirectoryEntry e : fs.readDirectory(d)) if (!e.isDotOrDotDot()) ours.add(e.name());
			assertEquals(ENTRIES, ours.size());
			assertEquals(names, ours);
			Set<String> dbg = new TreeSet<>();
			String ls = Oracles.debugfs(img, List.of("ls -p <" + dino + ">"), false).values().iterator().next();
			for (String l : ls.split("\n")) {
				String[] c = l.split("/", -1);
				if (c.length > 6 && !c[1].equals("0") && !c[5].equals(".") && !c[5].equals("..")) dbg.add(c[5]);
			}
			assertEquals(names, dbg, "debugfs ls");
			// fls must list every entry with the same inode; TSK 4.11 also parses htree index blocks as entries,
			// which yields a few garbage names depending on the hash values (never a real name)
			Map<String, String> fls = Oracles.fls(img);
			List<String> missing = new ArrayList<>(), extra = new ArrayList<>();
			Map<String, Long> ourInodes = new java.util.HashMap<>();
			for (DirectoryEntry e : fs.readDirectory(d)) if (!e.isDotOrDotDot()) ourInodes.put("/big/" + e.name(), e.inode());
			for (var e : ourInodes.entrySet()) {
				if (!("r " + e.getValue()).equals(fls.get(e.getKey()))) missing.add(e.getKey() + " " + fls.get(e.getKey()));
			}
			for (String p : fls.keySet()) if (p.startsWith("/big/") && !ourInodes.containsKey(p)) extra.add(p + " " + fls.get(p));
			assertEquals(List.of(), missing, "fls -r disagrees");
			assertTrue(extra.size() <= 8, "TSK's extra names: " + extra);

			// the > 4 GiB sparse file
			Ext4File f = fs.open(fs.lookup("/sparse5g.bin"));
			assertEquals(BIG, f.size());
			byte[] b = new byte[6];
			f.readFully(MID, b, 0, 6);
			assertArrayEquals("MIDDLE".getBytes(StandardCharsets.US_ASCII), b);
			f.readFully(BIG - 4, b, 0, 4);
			assertArrayEquals("TAIL".getBytes(StandardCharsets.US_ASCII), java.util.Arrays.copyOf(b, 4));
			f.readFully(0, b, 0, 4);
			assertArrayEquals("HEAD".getBytes(StandardCharsets.US_ASCII), java.util.Arrays.copyOf(b, 4));
			byte[] zeros = new byte[1 << 16];
			f.readFully(3L << 30, zeros, 0, zeros.length);
			for (byte z : zeros) assertEquals(0, z);
			// a read across the 4 GiB boundary
			byte[] cross = new byte[8192];
			f.readFully((4L << 30) - 4096, cross, 0, cross.length);
			int bs = fs.blockSize();
			assertTrue(f.blockMap().physical(MID / bs) > 0);
			assertTrue(f.blockMap().physical((1L << 30) / bs) < 0, "hole at 1 GiB");
			assertTrue(f.blockMap().mappedBlocks() <= 4, "only the written blocks are allocated: " + f.blockMap());
			List<Long> ourBlocks = new ArrayList<>();
			for (BlockRun r : f.blockMap().runs()) for (long i = 0; i < r.length(); i++) ourBlocks.add(r.physical() + i);
			String blocks = Oracles.debugfs(img, List.of("blocks /sparse5g.bin"), false).values().iterator().next();
			List<Long> theirs = Oracles.parseBlocks(blocks);
			theirs.removeAll(f.blockMap().metadataBlocks());
			assertEquals(theirs, ourBlocks, "debugfs blocks");
			FileRecord rec = fs.record("/sparse5g.bin", f.inode(), false);
			assertEquals(BIG, rec.size());
			assertEquals(List.of(), fs.findings(), "findings");
		}
	}
}
