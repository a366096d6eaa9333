package cacheshadow.pagecache.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import cacheshadow.caches.CacheAnalysis;
import cacheshadow.caches.Mount;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.LittleEndian;
import cacheshadow.layers.Progress;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.Finding;
import cacheshadow.listing.ManifestFormat;
import cacheshadow.pagecache.BlockDeviceCache;
import cacheshadow.pagecache.BlockDeviceCacheOverlay;
import cacheshadow.pagecache.PageCache;
import cacheshadow.pagecache.CachedFileReader;
import cacheshadow.pagecache.Provenance;

/**
 * The block-device cache of the ext4 disk laid over the stale {@code disk.img}: the directory blocks of the phase-2
 * directories (only in memory) parse as ext4 directory blocks naming the phase-2 files with their manifest inode
 * numbers, while the same blocks of the disk alone do not; bytes not cached come from the disk unchanged.
 */
class BlockDeviceCacheOverlayTest {
	/** One linear ext4 directory block ({@code struct ext4_dir_entry_2} chain), or null when it is not one. */
	static Map<String, Long> parseDirectoryBlock(byte[] b) {
		Map<String, Long> names = new HashMap<>();
		int off = 0;
		while (off < b.length) {
			if (off + 8 > b.length) return null;
			long inode = LittleEndian.u32(b, off);
			int recLen = LittleEndian.u16(b, off + 4);
			int nameLen = b[off + 6] & 0xff;
			if (recLen < 12 || recLen % 4 != 0 || off + recLen > b.length || 8 + nameLen > recLen) return null;
			if (inode != 0 && nameLen > 0) names.put(new String(b, off + 8, nameLen, StandardCharsets.UTF_8), inode);
			off += recLen;
		}
		return off == b.length && names.containsKey(".") || names.size() > 0 ? names : null;
	}

	@ParameterizedTest(name = "{0} kernel-files={1}")
	@CsvSource({ "debian-6.1-kaslr, true", "debian-6.1-kaslr, false", "debian-6.12-kaslr, true", "debian-6.12-kaslr, false" })
	void overlayHoldsThePhase2DirectoryBlocks(String set, boolean kernelFiles) throws Exception {
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf")); Layer disk = Layers.openDisk(Samples.file(set, "disk.img"))) {
			CacheAnalysis a = CacheAnalysis.open(mem, kernelFiles ? Samples.dir(set).resolve("kernel") : null, Progress.NONE);
			Mount ext4 = a.mounts().stream().filter(m -> m.path().equals("/mnt/disk")).findFirst().orElseThrow();
			List<Finding> findings = new ArrayList<>();
			CachedFileReader reader = new CachedFileReader(a.kernel());
			BlockDeviceCache cache = BlockDeviceCache.of(reader, ext4, findings);
			assertNotNull(cache);
			assertEquals(0, cache.startBytes());
			assertEquals(disk.size(), cache.sizeBytes());
			BlockDeviceCacheOverlay overlay = cache.overlay(disk);
			assertEquals(cache.pages().mapping(), new PageCache(a).overlay("/mnt/disk", disk).cache().pages().mapping());

			byte[] sb = new byte[1024];
			overlay.read(1024, sb, 0, sb.length);
			assertEquals(0xEF53, LittleEndian.u16(sb, 0x38));
			int blockSize = 1024 << LittleEndian.u32(sb, 0x18);

			// Phase-2 names directly under /mnt/disk/new, and their inode numbers, from the ground truth.
			Map<String, Long> expected = new HashMap<>();
			for (FileRecord r : ManifestFormat.read(Samples.file(set, "manifest.tsv"))) {
				String p = r.path();
				if (p.startsWith("/mnt/disk/new/") && p.indexOf('/', "/mnt/disk/new/".length()) < 0) expected.put(p.substring(14), r.inode());
			}
			assertTrue(expected.containsKey("p2_file_1.txt"), expected.toString());

			Map<String, Long> fromOverlay = new HashMap<>();
			int dirBlocks = 0, dirty = 0, strictlyDirty = 0;
			byte[] mb = new byte[blockSize], db = new byte[blockSize];
			for (long block : cache.cachedBlocks(blockSize)) {
				if ((block + 1) * blockSize > disk.size()) continue;
				overlay.read(block * blockSize, mb, 0, blockSize);
				Map<String, Long> names = parseDirectoryBlock(mb);
				if (names == null || !names.containsKey("p2_file_1.txt")) continue;
				dirBlocks++;
				Provenance prov = cache.provenance(block, blockSize);
				if (prov == Provenance.DIRTY || prov == Provenance.JOURNALED) dirty++;
				if (prov == Provenance.DIRTY) strictlyDirty++;
				fromOverlay.putAll(names);
				System.out.println("  directory block " + block + " " + prov + " " + names);
				disk.read(block * blockSize, db, 0, blockSize);
				Map<String, Long> onDisk = parseDirectoryBlock(db);
				assertFalse(onDisk != null && onDisk.containsKey("p2_file_1.txt"), "block " + block + " names p2_file_1.txt on the stale disk too");
			}
			for (Map.Entry<String, Long> e : expected.entrySet()) {
				assertEquals(e.getValue(), fromOverlay.get(e.getKey()), "/mnt/disk/new/" + e.getKey() + " in the cached directory block");
			}
			// Where the cache has no page the overlay is the disk.
			byte[] x = new byte[4096], y = new byte[4096];
			int compared = 0;
			for (long off = 0; off < disk.size() && compared < 64; off += 4096) {
				if (overlay.fromMemory(off)) continue;
				overlay.read(off, x, 0, 4096);
				disk.read(off, y, 0, 4096);
				assertArrayEquals(y, x);
				compared++;
			}
			System.out.printf("%s kernel-files=%s: block-device cache %d pages (%d dirty), %d directory block(s) naming %s, %d dirty or journaled (%d dirty; jbd2 BH_JBDDirty known: %s); findings %s%n",
					set, kernelFiles, cache.cachedBlocks(4096).length, cache.dirtyBlocks(4096).length, dirBlocks, expected.keySet(), dirty, strictlyDirty,
					reader.knowsJournalDirty(), findings);
			assertTrue(dirBlocks >= 1);
			// jbd2 holds the modified directory block in the running transaction: newer than the disk. With jbd2's
			// BTF (its module's) the block is DIRTY by BH_JBDDirty; without it, JOURNALED by BH_JBD.
			assertEquals(dirBlocks, dirty);
			assertEquals(reader.knowsJournalDirty(), strictlyDirty == dirBlocks);
			assertTrue(findings.isEmpty(), findings.toString());
		}
	}

	/**
	 * Found by BlockCacheOverlayFuzzer: a device whose size ends inside a cached page (a partition of an odd number of
	 * sectors) showed the page's bytes past that end instead of the disk's; and a bd_start_sect past any disk made the
	 * overlay's construction fail with an IllegalArgumentException. Past the end the disk is read; such a start is an
	 * evidence error, said as a finding too.
	 */
	@org.junit.jupiter.api.Test
	void deviceEndInsideACachedPageAndAStartPastAnyDisk() throws Exception {
		String set = "debian-6.12-kaslr";
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf")); Layer disk = Layers.openDisk(Samples.file(set, "disk.img"))) {
			cacheshadow.testing.PatchedLayer patched = new cacheshadow.testing.PatchedLayer(mem);
			CacheAnalysis a = CacheAnalysis.open(patched, Samples.dir(set).resolve("kernel"), Progress.NONE);
			Mount ext4 = a.mounts().stream().filter(m -> m.path().equals("/mnt/disk")).findFirst().orElseThrow();
			CachedFileReader reader = new CachedFileReader(a.kernel());
			BlockDeviceCache clean = BlockDeviceCache.of(reader, ext4, new ArrayList<>());
			// a whole cached page whose second half differs from the disk's
			byte[] m = new byte[4096], d = new byte[4096];
			cacheshadow.pagecache.CachedPage page = null;
			for (cacheshadow.pagecache.CachedPage p : clean.pages().pages()) {
				if (!p.isWhole() || (p.index() + 1) * 4096 > disk.size()) continue;
				mem.read(p.physical(), m, 0, 4096);
				disk.read(p.index() * 4096, d, 0, 4096);
				if (!java.util.Arrays.equals(m, 2048, 4096, d, 2048, 4096)) {
					page = p;
					break;
				}
			}
			assertNotNull(page, "a cached page newer than the disk in its second half");
			var btf = a.kernel().btf();
			long bdev = clean.blockDevice();
			long nrSectors = a.kernel().toPhysical(bdev + btf.field("block_device", "bd_nr_sectors").offset());
			patched.put64(nrSectors, (page.index() * 4096 + 2048) / 512); // the device ends mid-page
			BlockDeviceCacheOverlay o = BlockDeviceCache.ofBlockDevice(reader, bdev, new ArrayList<>()).overlay(disk);
			byte[] got = new byte[4096];
			o.read(page.index() * 4096, got, 0, 4096);
			assertArrayEquals(java.util.Arrays.copyOf(m, 2048), java.util.Arrays.copyOf(got, 2048), "on the device: the cached bytes");
			assertArrayEquals(java.util.Arrays.copyOfRange(d, 2048, 4096), java.util.Arrays.copyOfRange(got, 2048, 4096), "past its end: the disk's");
			long startSect = a.kernel().toPhysical(bdev + btf.field("block_device", "bd_start_sect").offset());
			patched.put64(startSect, 1L << 60);
			List<Finding> findings = new ArrayList<>();
			var e = org.junit.jupiter.api.Assertions.assertThrows(cacheshadow.layers.EvidenceFormatException.class,
					() -> BlockDeviceCache.ofBlockDevice(reader, bdev, findings));
			assertTrue(e.getMessage().contains("bd_start_sect"), e.getMessage());
			assertTrue(findings.stream().anyMatch(f -> f.kind().equals("bdev-bad-start")), findings.toString());
		}
	}
}
