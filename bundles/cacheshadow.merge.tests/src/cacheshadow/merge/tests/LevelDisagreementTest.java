package cacheshadow.merge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import cacheshadow.caches.CacheAnalysis;
import cacheshadow.caches.CachedEntry;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.LittleEndian;
import cacheshadow.layers.Progress;
import cacheshadow.listing.Finding;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.View;
import cacheshadow.pagecache.BlockDeviceCache;
import cacheshadow.pagecache.CachedPage;
import cacheshadow.pagecache.PageCache;
import cacheshadow.testing.PatchedLayer;

/**
 * The file-level merge (dentries, inodes) and the block-level one (directory blocks and inode table in the
 * block-device cache) disagree when the snapshot's block-device cache is doctored: a directory block that no longer
 * names a cached dentry, an inode-table copy with another mode. Each becomes a {@code merge-level-disagreement}
 * anomaly naming the path; the merged view still shows the file as the dentry cache has it.
 */
class LevelDisagreementTest {
	@Test
	void doctoredBlockDeviceCacheIsAnAnomaly() throws Exception {
		String set = "debian-6.1-kaslr";
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf")); Layer disk = Layers.openDisk(Samples.file(set, "disk.img"))) {
			CacheAnalysis a = CacheAnalysis.open(mem, Samples.dir(set).resolve("kernel"), Progress.NONE);
			MergedFileSystem clean = MergedFileSystem.of(a, new PageCache(a), List.of(disk), true, Progress.NONE);
			assertEquals(List.of(), clean.mergeFindings());
			MergedFileSystem.DiskMatch d = clean.disks().get(0);
			Ext4FileSystem fs = d.merged();
			BlockDeviceCache cache = d.overlay().cache();
			int bs = fs.blockSize();
			PatchedLayer patched = new PatchedLayer(mem);

			// 1. /docs's directory block (changed in phase 2, so in the cache): clear the inode of readme.txt's entry
			long dirBlock = fs.blockMap(fs.inode(fs.lookup("/docs"))).physical(0);
			byte[] b = fs.readBlock(dirBlock);
			int entry = -1;
			for (int off = 0; off + 8 <= b.length;) {
				int rec = LittleEndian.u16(b, off + 4), nameLen = b[off + 6] & 0xff;
				if (new String(b, off + 8, nameLen, StandardCharsets.UTF_8).equals("readme.txt")) entry = off;
				if (rec < 12) break;
				off += rec;
			}
			assertTrue(entry >= 0, "readme.txt in /docs's first block");
			long readmeIno = LittleEndian.u32(b, entry);
			patched.put(physical(cache, dirBlock * bs + entry), new byte[4]);

			// 2. the inode-table copy of /etc/app.conf (chmod 0700 in phase 2): another mode
			long conf = fs.lookup("/etc/app.conf");
			var sb = fs.superblock();
			long table = fs.groupDescriptors().get((int) ((conf - 1) / sb.inodesPerGroup)).inodeTable();
			long at = table * bs + (conf - 1) % sb.inodesPerGroup * sb.inodeSize;
			patched.put(physical(cache, at), new byte[] { (byte) 0xa4, (byte) 0x81 }); // 0100644

			CacheAnalysis pa = CacheAnalysis.open(patched, Samples.dir(set).resolve("kernel"), Progress.NONE);
			MergedFileSystem m = MergedFileSystem.of(pa, new PageCache(pa), List.of(disk), true, Progress.NONE);
			List<String> got = new ArrayList<>();
			for (Finding f : m.mergeFindings()) {
				assertEquals(Finding.Severity.ANOMALY, f.severity(), f.toString());
				assertEquals("merge-level-disagreement", f.kind());
				got.add(f.location());
			}
			assertTrue(got.contains("/mnt/disk/docs/readme.txt"), got.toString());
			assertTrue(got.contains("/mnt/disk/etc/app.conf"), got.toString());
			assertEquals(2, got.size(), m.mergeFindings().toString());
			// the dentry cache still names the file: the merged view keeps it, with the cached inode
			assertNotNull(m.tree(View.MERGED).getattr("/mnt/disk/docs/readme.txt"));
			assertEquals(readmeIno, m.tree(View.MERGED).getattr("/mnt/disk/docs/readme.txt").inode());
			assertEquals(0700, m.tree(View.MERGED).getattr("/mnt/disk/etc/app.conf").permissions());
		}
	}

	/**
	 * Evidence cut short is not a disagreement: with the snapshot's page holding a cached inode-table block missing
	 * (partial evidence), the block-level reads of the cached directories whose inodes lie there fail on missing bytes.
	 * Each of those paths gets its gap (and the snapshot an evidence-missing finding); none is called a
	 * merge-level-disagreement anomaly, which tells the examiner the cache and the disk blocks were made to differ.
	 */
	@Test
	void missingBytesAreNotADisagreement() throws Exception {
		String set = "debian-6.1-kaslr";
		try (Layer m0 = Layers.openMemory(Samples.file(set, "memory.elf")); Layer disk = Layers.openDisk(Samples.file(set, "disk.img"))) {
			PatchedLayer mem = new PatchedLayer(m0);
			CacheAnalysis a = CacheAnalysis.open(mem, Samples.dir(set).resolve("kernel"), Progress.NONE);
			MergedFileSystem whole = MergedFileSystem.of(a, new PageCache(a), List.of(disk), true, Progress.NONE);
			assertEquals(List.of(), whole.mergeFindings());
			MergedFileSystem.DiskMatch d = whole.disks().get(0);
			Ext4FileSystem fs = d.merged();
			long at = fs.inodeOffset(fs.lookup("/docs/readme.txt")), block = at / fs.blockSize();
			long page = physical(d.overlay().cache(), at);
			mem.hole(page - page % 4096, 4096);
			MergedFileSystem holed = MergedFileSystem.of(a, new PageCache(a), List.of(disk), true, Progress.NONE);
			assertEquals(List.of(), holed.mergeFindings().stream().filter(f -> f.kind().equals("merge-level-disagreement")).toList());
			List<String> inBlock = new ArrayList<>(), noGap = new ArrayList<>();
			for (CachedEntry e : a.entries()) {
				if (e.state() != CachedEntry.State.POSITIVE || e.inode().superBlock() != d.mount().superBlock()) continue;
				if (fs.inodeOffset(e.inode().ino()) / fs.blockSize() != block) continue;
				inBlock.add(e.path());
				if (holed.tree(View.MERGED).gaps().parts(e.path()).isEmpty()) noGap.add(e.path());
			}
			assertTrue(inBlock.size() >= 10 && inBlock.stream().anyMatch(p -> p.endsWith("/docs")), "cached paths with their inode in the block: " + inBlock);
			assertEquals(List.of(), noGap, "cached paths on the missing block without a gap");
			assertTrue(holed.findings().stream().anyMatch(f -> f.kind().equals("evidence-missing")), holed.findings().toString());
		}
	}

	/** Guest-physical address of a disk byte held by the block-device cache. */
	static long physical(BlockDeviceCache cache, long diskOffset) {
		long dev = diskOffset - cache.startBytes();
		CachedPage p = cache.pages().page(dev / 4096);
		assertNotNull(p, "disk offset " + diskOffset + " is not in the block-device cache");
		assertTrue(p.isWhole(), "page of disk offset " + diskOffset + " is whole");
		return p.physical() + dev % 4096;
	}
}
