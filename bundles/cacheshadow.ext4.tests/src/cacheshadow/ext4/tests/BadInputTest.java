package cacheshadow.ext4.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.ext4.BlockRun;
import cacheshadow.ext4.DirectoryEntry;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.ext4.Ext4Inode;
import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.Finding;

/**
 * Hostile and damaged images: each defect gives a clear error (superblock) or a finding for the file concerned,
 * in bounded time, and everything else stays readable with its correct content.
 */
class BadInputTest {
	@TempDir
	static Path tmp;
	static ByteArrayLayer pristine;
	static Map<String, String> goodHashes = new HashMap<>();
	static int bs;

	@BeforeAll
	static void image() throws Exception {
		Path src = Files.createDirectories(tmp.resolve("src"));
		Files.writeString(src.resolve("f1.txt"), "one\n");
		Files.writeString(src.resolve("f2.txt"), "two\n".repeat(1000));
		Files.createDirectories(src.resolve("sub"));
		Files.writeString(src.resolve("sub/inner.txt"), "inner\n");
		Path many = Files.createDirectories(src.resolve("many"));
		for (int i = 0; i < 300; i++) Files.writeString(many.resolve(String.format("entry-with-a-longish-name-%05d.txt", i)), "n" + i);
		try (RandomAccessFile f = new RandomAccessFile(src.resolve("frag.bin").toFile(), "rw")) {
			for (int i = 0; i < 40; i++) { // 40 separate extents: the tree needs a leaf block (depth 1)
				f.seek(i * 8192L);
				f.write(("chunk " + i).repeat(600).getBytes(StandardCharsets.US_ASCII), 0, 4096);
			}
		}
		Files.createSymbolicLink(src.resolve("loop-a"), Path.of("loop-b"));
		Files.createSymbolicLink(src.resolve("loop-b"), Path.of("loop-a"));
		Path img = tmp.resolve("bad.img");
		Oracles.mkfs(src, img, "16M", "-t", "ext4", "-b", "4096");
		Oracles.runBytes(true, "e2fsck", "-fyD", img.toString()); // "many" becomes an htree
		pristine = ByteArrayLayer.of(img);
		Ext4FileSystem fs = Ext4FileSystem.open(pristine);
		bs = fs.blockSize();
		assertEquals(List.of(), fs.findings(), "pristine image is clean");
		assertTrue(fs.inode(fs.lookup("/many")).isHtree());
		for (FileRecord r : fs.listing("")) if (r.sha256() != null) goodHashes.put(r.path(), r.sha256());
	}

	/** Offset of an inode in the image. */
	static long inodeOffset(Ext4FileSystem fs, long ino) {
		long ipg = fs.superblock().inodesPerGroup;
		long g = (ino - 1) / ipg, idx = (ino - 1) % ipg;
		return fs.groupDescriptors().get((int) g).inodeTable() * fs.blockSize() + idx * fs.superblock().inodeSize;
	}

	/** Lists the damaged image in bounded time; every file not named in {@code damaged} keeps its hash. */
	static Ext4FileSystem listAndCheckRest(ByteArrayLayer img, String kind, String... damaged) {
		return assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
			Ext4FileSystem fs = Ext4FileSystem.open(img);
			List<FileRecord> listing = fs.listing("");
			outer: for (var e : goodHashes.entrySet()) {
				for (String d : damaged) if (e.getKey().startsWith(d)) continue outer;
				FileRecord r = listing.stream().filter(x -> x.path().equals(e.getKey())).findFirst().orElse(null);
				assertTrue(r != null, "still listed: " + e.getKey() + " findings " + fs.findings());
				assertEquals(e.getValue(), r.sha256(), "content of " + e.getKey());
			}
			boolean found = fs.findings().stream().anyMatch(f -> f.kind().equals(kind));
			assertTrue(found, "a " + kind + " finding; got " + fs.findings());
			return fs;
		});
	}

	@Test
	void corruptSuperblockIsAClearError() {
		ByteArrayLayer a = pristine.copy();
		a.put16(1024 + 0x38, 0x1234);
		EvidenceFormatException e = assertThrows(EvidenceFormatException.class, () -> Ext4FileSystem.open(a));
		assertTrue(e.getMessage().contains("bad magic"), e.getMessage());
		ByteArrayLayer b = pristine.copy();
		b.put32(1024 + 0x20, 0); // blocks per group
		e = assertThrows(EvidenceFormatException.class, () -> Ext4FileSystem.open(b));
		assertTrue(e.getMessage().contains("blocks per group"), e.getMessage());
		ByteArrayLayer c = pristine.copy();
		c.put32(1024 + 0x18, 40); // log block size
		assertThrows(EvidenceFormatException.class, () -> Ext4FileSystem.open(c));
		assertThrows(EvidenceFormatException.class, () -> Ext4FileSystem.open(new ByteArrayLayer(new byte[1500])));
	}

	@Test
	void backupSuperblockOnRequest() throws Exception {
		Path img = tmp.resolve("backup.img");
		Oracles.mkfs(tmp.resolve("src"), img, "16M", "-t", "ext4", "-b", "1024"); // two groups: a backup in group 1
		ByteArrayLayer a = ByteArrayLayer.of(img);
		List<FileRecord> good = Ext4FileSystem.open(a).listing("");
		java.util.Arrays.fill(a.data, 1024, 2048, (byte) 0x5A);
		assertThrows(EvidenceFormatException.class, () -> Ext4FileSystem.open(a));
		Ext4FileSystem fs = Ext4FileSystem.open(a, Ext4FileSystem.Options.REPLAYED.withBackupSuperblock());
		assertTrue(fs.findings().stream().anyMatch(f -> f.kind().equals("ext4-superblock") && f.severity() == Finding.Severity.ERROR), fs.findings().toString());
		assertEquals(List.of(), Samples.diff(good, fs.listing("")));
	}

	@Test
	void checksumMismatchesAreFindingsAndReadingGoesOn() throws Exception {
		ByteArrayLayer a = pristine.copy();
		a.put32(1024 + 0x2C, 12345); // s_mtime: only the checksum notices
		Ext4FileSystem fs = listAndCheckRest(a, "ext4-csum");
		assertTrue(fs.findings().stream().anyMatch(f -> f.location().equals("superblock")));
		ByteArrayLayer b = pristine.copy();
		Ext4FileSystem p = Ext4FileSystem.open(pristine);
		long ino = p.lookup("/f1.txt");
		b.put32(inodeOffset(p, ino) + 0x08, 1); // atime
		fs = listAndCheckRest(b, "ext4-csum");
		assertTrue(fs.findings().stream().anyMatch(f -> f.location().equals("inode " + ino)), fs.findings().toString());
		assertEquals(1, fs.inode(ino).atime, "the inode is still read");
	}

	@Test
	void loopingExtentTree() throws Exception {
		Ext4FileSystem p = Ext4FileSystem.open(pristine);
		long ino = p.lookup("/frag.bin");
		Ext4Inode in = p.inode(ino);
		long leaf = p.blockMap(in).metadataBlocks().get(0);
		ByteArrayLayer a = pristine.copy();
		long root = inodeOffset(p, ino) + 0x28;
		assertEquals(1, a.u16(root + 6), "root depth 1");
		a.put16(root + 6, 2); // root now claims depth 2 ...
		a.put16(leaf * bs + 6, 1); // ... and the leaf becomes an index node pointing at itself
		a.put16(leaf * bs + 2, 1);
		a.put32(leaf * bs + 12, 0);
		a.put32(leaf * bs + 16, leaf);
		a.put16(leaf * bs + 20, 0);
		Ext4FileSystem fs = listAndCheckRest(a, "ext4-extent", "/frag.bin");
		assertTrue(fs.findings().stream().anyMatch(f -> f.message().contains("loops")), fs.findings().toString());
	}

	@Test
	void extentsOutsideTheDevice() throws Exception {
		Ext4FileSystem p = Ext4FileSystem.open(pristine);
		long ino = p.lookup("/frag.bin");
		long leaf = p.blockMap(p.inode(ino)).metadataBlocks().get(0);
		ByteArrayLayer a = pristine.copy();
		a.put32(leaf * bs + 12 + 12 * 3 + 8, 0x7ffffff0L); // 4th extent's start block
		Ext4FileSystem fs = listAndCheckRest(a, "ext4-extent", "/frag.bin");
		List<BlockRun> runs = fs.blockMap(fs.inode(ino)).runs();
		assertEquals(39, runs.size(), "the other 39 extents still map");
		byte[] b = new byte[12];
		fs.open(ino).readFully(3 * 8192, b, 0, b.length);
		assertEquals(0, b[0], "the dropped extent reads as a hole");
		fs.open(ino).readFully(4 * 8192, b, 0, b.length);
		assertEquals("chunk 4chunk", new String(b, StandardCharsets.US_ASCII));
	}

	@Test
	void crossLinkedExtentsAreBounded() throws Exception {
		Ext4FileSystem p = Ext4FileSystem.open(pristine);
		long ino = p.lookup("/frag.bin");
		long leaf = p.blockMap(p.inode(ino)).metadataBlocks().get(0);
		ByteArrayLayer a = pristine.copy();
		for (int i = 0; i < 40; i++) { // every extent maps the whole device again
			long e = leaf * bs + 12 + 12L * i;
			a.put32(e, i * 4000L);
			a.put16(e + 4, 4000);
			a.put16(e + 6, 0);
			a.put32(e + 8, 1);
		}
		a.put32(inodeOffset(p, ino) + 0x04, 40L * 4000 * bs);
		Ext4FileSystem fs = listAndCheckRest(a, "ext4-extent", "/frag.bin");
		assertTrue(fs.findings().stream().anyMatch(f -> f.message().contains("more blocks than the device")), fs.findings().toString());
		assertTrue(fs.blockMap(fs.inode(ino)).mappedBlocks() <= fs.blocksCount());
	}

	@Test
	void badDirectoryEntryLengths() throws Exception {
		Ext4FileSystem p = Ext4FileSystem.open(pristine);
		long sub = p.lookup("/sub");
		long blk = p.blockMap(p.inode(sub)).physical(0);
		ByteArrayLayer a = pristine.copy();
		a.put16(blk * bs + 12 + 4, 3); // ".." rec_len = 3
		Ext4FileSystem fs = listAndCheckRest(a, "ext4-dirent", "/sub");
		ByteArrayLayer b = pristine.copy();
		b.put16(blk * bs + 12 + 4, 60000); // past the block
		listAndCheckRest(b, "ext4-dirent", "/sub");
		assertTrue(fs.listing("").stream().anyMatch(r -> r.path().equals("/sub")));
	}

	@Test
	void htreeWithBadDepthIsReadLinearly() throws Exception {
		Ext4FileSystem p = Ext4FileSystem.open(pristine);
		long many = p.lookup("/many");
		long blk = p.blockMap(p.inode(many)).physical(0);
		ByteArrayLayer a = pristine.copy();
		a.data[(int) (blk * bs + 0x1E)] = 9; // indirect_levels
		Ext4FileSystem fs = listAndCheckRest(a, "ext4-htree");
		long n = fs.listing("").stream().filter(r -> r.path().startsWith("/many/")).count();
		assertEquals(300, n, "all entries still listed");
	}

	@Test
	void inodeNumbersOutOfRangeAndDirectoryLoops() throws Exception {
		Ext4FileSystem p = Ext4FileSystem.open(pristine);
		long sub = p.lookup("/sub");
		long blk = p.blockMap(p.inode(sub)).physical(0);
		ByteArrayLayer a = pristine.copy();
		// "inner.txt" is the third entry of /sub, after "." (12) and ".." (12)
		assertEquals("inner.txt", new String(a.data, (int) (blk * bs + 24 + 8), 9, StandardCharsets.US_ASCII));
		a.put32(blk * bs + 24, p.superblock().inodesCount + 5);
		listAndCheckRest(a, "ext4-dirent", "/sub/inner.txt");
		assertThrows(EvidenceFormatException.class, () -> p.inode(0));
		assertThrows(EvidenceFormatException.class, () -> p.inode(p.superblock().inodesCount + 1));
		ByteArrayLayer b = pristine.copy();
		b.put32(blk * bs + 24, 2); // sub/inner.txt now names the root directory: a directory cycle
		Ext4FileSystem fs = listAndCheckRest(b, "ext4-dirloop", "/sub/inner.txt");
		assertTrue(fs.listing("").size() < 400);
	}

	@Test
	void symlinkLoopsAreListedNotFollowed() throws Exception {
		Ext4FileSystem fs = Ext4FileSystem.open(pristine);
		Map<String, String> t = new HashMap<>();
		for (FileRecord r : fs.listing("")) if (r.symlinkTarget() != null) t.put(r.path(), r.symlinkTarget());
		assertEquals(Map.of("/loop-a", "loop-b", "/loop-b", "loop-a"), t);
	}

	@Test
	void truncatedImage() throws Exception {
		byte[] half = java.util.Arrays.copyOf(pristine.data, pristine.data.length / 2);
		Ext4FileSystem fs = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
			Ext4FileSystem f = Ext4FileSystem.open(new ByteArrayLayer(half));
			f.listing("");
			return f;
		});
		assertTrue(fs.findings().stream().anyMatch(f -> f.kind().equals("ext4-size")), fs.findings().toString());
	}

	@Test
	void deletedInodesAndOrphanList() throws Exception {
		// unlink f2.txt the way debugfs "kill_file" does: dtime set, blocks freed, name left in place
		Path img = tmp.resolve("deleted.img");
		Files.write(img, pristine.data);
		Ext4FileSystem p = Ext4FileSystem.open(pristine);
		long ino = p.lookup("/f2.txt");
		Oracles.debugfs(img, List.of("unlink /f2.txt", "kill_file <" + ino + ">", "sif <" + p.lookup("/f1.txt") + "> links_count 0",
				"ssv last_orphan " + p.lookup("/f1.txt")), true);
		ByteArrayLayer a = ByteArrayLayer.of(img);
		Ext4FileSystem fs = Ext4FileSystem.open(a);
		List<Ext4Inode> deleted = fs.deletedInodes();
		assertTrue(deleted.stream().anyMatch(i -> i.number == ino), "deleted inode found: " + deleted);
		assertEquals(List.of(p.lookup("/f1.txt")), fs.orphanList());
		assertTrue(fs.findings().stream().anyMatch(f -> f.kind().equals("ext4-deleted")));
		assertTrue(fs.findings().stream().anyMatch(f -> f.kind().equals("ext4-orphan")));
		for (DirectoryEntry e : fs.readDirectory(fs.inode(2))) assertTrue(!e.name().equals("f2.txt"));
		// e2fsprogs' unlink folds the entry into its predecessor (kernels since 5.13 also wipe it): name legible
		List<Ext4FileSystem.DeletedName> names = fs.deletedNames("/mnt");
		assertTrue(names.stream().anyMatch(n -> n.path().equals("/mnt/f2.txt") && n.inode() == ino && !n.inodeReused()), names.toString());
		assertTrue(Ext4FileSystem.open(pristine).deletedNames("").isEmpty(), "a fresh image has no removed names");
		List<Ext4FileSystem.DeletedFile> rows = fs.deletedListing("/mnt", true);
		assertTrue(rows.stream().anyMatch(r -> r.record().path().equals("/mnt/$Deleted/" + ino) && "/mnt/f2.txt".equals(r.recoveredPath())
				&& r.record().size() == 4000 && !r.orphan()), rows.toString());
		long f1 = p.lookup("/f1.txt");
		assertTrue(rows.stream().anyMatch(r -> r.record().path().equals("/mnt/$Orphan/" + f1) && r.orphan()
				&& r.record().sha256() != null), rows.toString());
	}

	@Test
	void absurdSizesCostNothing() throws Exception {
		Ext4FileSystem p = Ext4FileSystem.open(pristine);
		long sub = p.lookup("/sub"), f1 = p.lookup("/f1.txt");
		ByteArrayLayer a = pristine.copy();
		a.put32(inodeOffset(p, sub) + 0x04, 0xfffff000L); // directory i_size ~ 4 GiB, one block mapped
		a.put32(inodeOffset(p, sub) + 0x6C, 0x7fff);
		a.put32(inodeOffset(p, f1) + 0x6C, 0x7fffffffL); // regular file i_size ~ 2^63
		Ext4FileSystem fs = listAndCheckRest(a, "ext4-dir", "/f1.txt");
		assertTrue(fs.findings().stream().anyMatch(f -> f.kind().equals("ext4-inode") && f.location().equals("/f1.txt")), fs.findings().toString());
		assertTrue(fs.listing("").stream().anyMatch(r -> r.path().equals("/sub/inner.txt")), "the directory's real block is still read");
	}

	/**
	 * Found by Ext4InodeFuzzer and Ext4GroupDescriptorFuzzer (long runs): a symlink whose i_size has the top bit set
	 * made reading its target allocate a negative array (NegativeArraySizeException); such a size is no size.
	 */
	@Test
	void sizesPast2To63AreFindings() throws Exception {
		Ext4FileSystem p = Ext4FileSystem.open(pristine);
		long link = p.lookup("/loop-a"), f1 = p.lookup("/f1.txt");
		ByteArrayLayer a = pristine.copy();
		a.put32(inodeOffset(p, link) + 0x6C, 0x80000000L); // i_size_high: bit 63
		a.put32(inodeOffset(p, f1) + 0x6C, 0xffffffffL);
		Ext4FileSystem fs = listAndCheckRest(a, "ext4-content", "/loop-a", "/f1.txt");
		assertTrue(fs.findings().stream().anyMatch(f -> f.kind().equals("ext4-content") && f.location().equals("/loop-a")), fs.findings().toString());
		assertTrue(fs.findings().stream().anyMatch(f -> f.kind().equals("ext4-inode") && f.location().equals("/f1.txt")), fs.findings().toString());
	}

	/** Found by Ext4SuperblockFuzzer: half a billion groups claimed; the descriptor array was allocated before any check. */
	@Test
	void groupCountBeyondTheDeviceIsAClearError() throws Exception {
		ByteArrayLayer a = pristine.copy();
		assertTrue(Ext4FileSystem.open(pristine).superblock().is64Bit());
		a.put32(1024 + 0x150, 0x1000); // s_blocks_count_hi: 2^44 blocks, 2^29 groups
		EvidenceFormatException e = assertThrows(EvidenceFormatException.class, () -> Ext4FileSystem.open(a));
		assertTrue(e.getMessage().contains("descriptor table") && e.getMessage().contains("larger than the device"), e.getMessage());
	}

	/**
	 * Ext4SuperblockFuzzer's costliest inputs: 8 blocks per group make the 16 MiB image 512 groups whose descriptors
	 * are whatever follows the real one. Each bad group is no longer a finding of its own (10,000 of them would hide
	 * every later finding): the first 20 are named, then one count.
	 */
	@Test
	void forgedGroupCountGivesCountedFindings() throws Exception {
		ByteArrayLayer a = pristine.copy();
		a.put32(1024 + 0x20, 8); // s_blocks_per_group
		Ext4FileSystem fs = Ext4FileSystem.open(a);
		assertEquals(512, fs.groupDescriptors().size());
		List<Finding> outside = fs.findings().stream().filter(f -> f.kind().equals("ext4-gdt") && f.message().contains("inode table at block")).toList();
		assertEquals(20, outside.size(), outside.toString());
		assertTrue(fs.findings().stream().anyMatch(f -> f.kind().equals("ext4-gdt") && f.location().equals("groups")
				&& f.message().matches("\\d+ of 512 groups have their inode table outside the device.*")), fs.findings().toString());
		assertTrue(fs.findings().stream().anyMatch(f -> f.kind().equals("ext4-csum") && f.location().equals("groups")
				&& f.message().matches("\\d+ of 512 group descriptors fail their checksum.*")), fs.findings().toString());
		assertTrue(fs.findings().size() < 60, fs.findings().size() + " findings");
		assertEquals(fs.lookup("/f1.txt"), Ext4FileSystem.open(pristine).lookup("/f1.txt")); // group 0 is still read
	}

	/**
	 * Ext4SuperblockFuzzer's costliest inputs after that: 2^31 blocks without sparse_super put a superblock copy and
	 * a descriptor table in each of 65,534 groups, all past the 16 MiB device's end. Block owners name the device's
	 * blocks only (there are no bytes of the others to name), so those claims are not stored.
	 */
	@Test
	void blockOwnersNameTheDeviceOnly() throws Exception {
		Ext4FileSystem p = Ext4FileSystem.open(pristine);
		long f1 = p.lookup("/f1.txt");
		long data = p.blockMap(p.inode(f1)).runs().get(0).physical();
		ByteArrayLayer a = pristine.copy();
		a.put32(1024 + 0x04, 0x7fff0000L); // s_blocks_count_lo
		a.put32(1024 + 0x64, p.superblock().featureRoCompat & ~1); // no sparse_super: a superblock copy in every group
		Ext4FileSystem fs = Ext4FileSystem.open(a, Ext4FileSystem.Options.AS_IT_LIES);
		assertEquals(65534, fs.groupDescriptors().size());
		cacheshadow.ext4.BlockOwners owners = cacheshadow.ext4.BlockOwners.build(fs);
		assertEquals(cacheshadow.ext4.BlockOwners.Kind.SUPERBLOCK, owners.owner(0).kind());
		assertEquals(new cacheshadow.ext4.BlockOwners.Owner(cacheshadow.ext4.BlockOwners.Kind.FILE_DATA, f1, 0, -1), owners.owner(data));
		long device = a.size() / bs;
		assertEquals(cacheshadow.ext4.BlockOwners.Kind.UNOWNED, owners.owner(device).kind());
		assertEquals(cacheshadow.ext4.BlockOwners.Kind.UNOWNED, owners.owner(32768).kind()); // group 1's superblock copy
	}

	/** Found by Ext4SuperblockFuzzer: a file of a terabyte of holes was hashed (zeros for hours). */
	@Test
	void holesLargerThanTheDeviceAreNotHashed() throws Exception {
		Ext4FileSystem p = Ext4FileSystem.open(pristine);
		long f2 = p.lookup("/f2.txt");
		ByteArrayLayer a = pristine.copy();
		a.put32(inodeOffset(p, f2) + 0x6C, 0x100); // i_size_high: 1 TiB, within what extents address, one block mapped
		Ext4FileSystem fs = listAndCheckRest(a, "ext4-inode", "/f2.txt");
		assertTrue(fs.findings().stream().anyMatch(f -> f.location().equals("/f2.txt") && f.message().contains("more than the whole device")),
				fs.findings().toString());
		FileRecord r = fs.listing("").stream().filter(x -> x.path().equals("/f2.txt")).findFirst().orElseThrow();
		assertEquals((1L << 40) + 4000, r.size());
		assertEquals(null, r.sha256());
	}

	/** Found by Ext4SuperblockFuzzer: forged geometry made every group's inode table the same blocks, scanned again and again. */
	@Test
	void overlappingInodeTablesAreScannedOnce() throws Exception {
		Path img = tmp.resolve("groups.img");
		Oracles.mkfs(tmp.resolve("src"), img, "16M", "-t", "ext4", "-b", "1024", "-g", "1024", "-O", "^metadata_csum,^uninit_bg,^flex_bg,^resize_inode");
		ByteArrayLayer a = ByteArrayLayer.of(img);
		Ext4FileSystem p = Ext4FileSystem.open(a);
		int groups = p.groupDescriptors().size(), ds = p.superblock().descSize;
		assertTrue(groups >= 16, groups + " groups");
		long table0 = p.groupDescriptors().get(0).inodeTable();
		for (int g = 1; g < groups; g++) a.put32(2048 + (long) g * ds + 8, table0); // every group's table is group 0's
		a.put32(1024 + 0x28, 8192); // s_inodes_per_group: the most 1 KiB bitmaps allow
		a.put32(1024 + 0x00, 8192L * groups); // s_inodes_count to match: more inode bytes than the whole device
		Ext4FileSystem fs = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
			Ext4FileSystem f = Ext4FileSystem.open(a, Ext4FileSystem.Options.AS_IT_LIES);
			f.deletedInodes();
			cacheshadow.ext4.BlockOwners.build(f);
			return f;
		});
		assertTrue(fs.findings().stream().anyMatch(f -> f.message().contains("tables overlap")), fs.findings().toString());
	}

	@Test
	void orphanFileEntries() throws Exception {
		Path img = tmp.resolve("orphanfile.img");
		Oracles.mkfs(tmp.resolve("src"), img, "16M", "-t", "ext4", "-b", "4096", "-O", "orphan_file");
		ByteArrayLayer a = ByteArrayLayer.of(img);
		Ext4FileSystem p = Ext4FileSystem.open(a);
		assertTrue(p.superblock().featureNames().contains("orphan_file"), p.superblock().featureNames().toString());
		assertEquals(List.of(), p.orphanList());
		long blk = p.blockMap(p.inode(p.superblock().orphanFileInum)).physical(0);
		long f1 = p.lookup("/f1.txt");
		a.put32(blk * bs + 8, f1); // as the kernel records an open-unlinked inode
		assertEquals(List.of(f1), Ext4FileSystem.open(a).orphanList());
	}

	@Test
	void xattrValueInodeNamingItsOwnInlineFile() throws Exception {
		// an inline file's system.data entry naming the file itself as the inode holding its value: reading the value
		// read that inode's xattrs again, without end (StackOverflowError; found by Ext4XattrFuzzer)
		Path src = Files.createDirectories(tmp.resolve("inline-src"));
		String text = "more than the sixty bytes of i_block, so that system.data holds the rest of it\n";
		Files.writeString(src.resolve("small.txt"), text);
		Files.writeString(src.resolve("other.txt"), "other\n");
		Path img = tmp.resolve("inline.img");
		Oracles.mkfs(src, img, "8M", "-t", "ext4", "-b", "4096", "-O", "inline_data");
		ByteArrayLayer a = ByteArrayLayer.of(img);
		Ext4FileSystem p = Ext4FileSystem.open(a);
		long ino = p.lookup("/small.txt");
		Ext4Inode in = p.inode(ino);
		assertTrue(in.hasInlineData(), "small.txt inline");
		String otherHash = p.listing("").stream().filter(r -> r.path().equals("/other.txt")).findFirst().orElseThrow().sha256();
		long off = inodeOffset(p, ino);
		long entry = off + 128 + in.extraIsize + 4; // the in-inode entries follow the extra fields and the magic
		while (!(a.data[(int) entry + 1] == 7 && new String(a.data, (int) entry + 16, a.data[(int) entry] & 0xff, StandardCharsets.US_ASCII).equals("data"))) {
			entry += (16 + (a.data[(int) entry] & 0xff) + 3) & ~3;
			assertTrue(entry < off + p.superblock().inodeSize, "system.data entry in the inode");
		}
		a.put32(entry + 4, ino); // e_value_inum: the value lies in small.txt itself
		Ext4FileSystem fs = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> Ext4FileSystem.open(a));
		List<FileRecord> listing = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> fs.listing(""));
		FileRecord small = listing.stream().filter(r -> r.path().equals("/small.txt")).findFirst().orElseThrow();
		assertEquals(text.length(), small.size(), "still listed with its size");
		assertEquals(otherHash, listing.stream().filter(r -> r.path().equals("/other.txt")).findFirst().orElseThrow().sha256());
		assertTrue(fs.findings().stream().anyMatch(f -> f.kind().equals("ext4-xattr") && f.location().equals("inode " + ino)
				&& f.message().contains("not an xattr value inode")), fs.findings().toString());
	}
}
