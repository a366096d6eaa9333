package cacheshadow.pagecache.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import cacheshadow.caches.CacheAnalysis;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.ManifestFormat;
import cacheshadow.pagecache.CachedFile;
import cacheshadow.pagecache.PageCache;
import cacheshadow.pagecache.Provenance;

/**
 * The per-inode walk against the guest's own hashes: every phase-2 page of {@code pages.tsv} (ext4 and tmpfs) is
 * recovered bit-exact, the phase-2 ext4 pages are dirty (never written back), and every file whose pages are all
 * cached hashes to {@code manifest.tsv}. With kernel files and from the snapshot alone; ELF and LiME.
 */
class PagesTsvTest {
	@ParameterizedTest(name = "{0} {1} kernel-files={2}")
	@CsvSource({ "debian-6.1-kaslr, memory.elf, true", "debian-6.1-kaslr, memory.lime, true", "debian-6.1-kaslr, memory.elf, false",
			"debian-6.12-kaslr, memory.elf, true", "debian-6.12-kaslr, memory.elf, false" })
	void everyPhase2PageIsRecoveredBitExact(String set, String image, boolean kernelFiles) throws Exception {
		try (Layer mem = Layers.openMemory(Samples.file(set, image))) {
			CacheAnalysis a = CacheAnalysis.open(mem, kernelFiles ? Samples.dir(set).resolve("kernel") : null, Progress.NONE);
			PageCache cache = new PageCache(a);
			// Where xa_flags keeps the root's marks: from BTF (___GFP_LAST_BIT) or learned from a marked node.
			int markShift = cache.reader().pageIndex().rootMarkShift();
			assertTrue(markShift > 5, "xa_flags mark bit unknown");
			List<String> lines = Files.readAllLines(Samples.file(set, "pages.tsv"));
			int pages = 0, tmpfs = 0;
			Map<Provenance, Integer> ext4Provenance = new EnumMap<>(Provenance.class);
			for (String l : lines.subList(1, lines.size())) {
				String[] c = l.split("\t");
				CachedFile f = cache.file(c[0]);
				assertNotNull(f, c[0] + " not in the dentry cache");
				long index = Long.parseLong(c[1]);
				assertEquals(c[2], f.pageSha256(index), c[0] + " page " + index + " (" + f.provenance(index) + ")");
				pages++;
				if (c[0].startsWith("/mnt/tmp/")) tmpfs++;
				else {
					ext4Provenance.merge(f.provenance(index), 1, Integer::sum);
					// ext4 tags dirty folios: the XArray's dirty mark agrees with PG_dirty (also for one-page files,
					// whose entry sits in xa_head with its marks in xa_flags).
					assertEquals(f.provenance(index) == Provenance.DIRTY, f.page(index).dirtyMark(), c[0] + " page " + index);
				}
			}
			System.out.printf("%s %s kernel-files=%s: %d pages.tsv pages bit-exact (%d tmpfs); ext4 provenance %s; xa_flags mark 0 at bit %d; findings %s%n",
					set, image, kernelFiles, pages, tmpfs, ext4Provenance, markShift, cache.findings());
			assertTrue(pages > 50 && tmpfs > 0);
			// Phase 2 ran with write-back off: what pages.tsv lists on ext4 is mostly dirty (the rest is unchanged
			// data of appended/overwritten files, clean). No page may be evicted.
			assertTrue(ext4Provenance.getOrDefault(Provenance.DIRTY, 0) > 0);
			assertEquals(0, ext4Provenance.getOrDefault(Provenance.EVICTED, 0));

			// Files with all pages cached hash to the manifest; the listing's sha256 column matches every row.
			Map<String, FileRecord> hashed = new HashMap<>();
			for (FileRecord r : cache.withContentHashes()) hashed.put(r.path(), r);
			int complete = 0, regular = 0;
			for (FileRecord r : ManifestFormat.read(Samples.file(set, "manifest.tsv"))) {
				if (!r.type().isRegular()) continue;
				regular++;
				CachedFile f = cache.file(r.path());
				if (f.isComplete()) {
					complete++;
					assertEquals(r.sha256(), f.sha256(), r.path());
					assertEquals(r.sha256(), hashed.get(r.path()).sha256(), r.path());
				}
			}
			System.out.printf("%s: %d regular files complete in the page cache, all equal to manifest.tsv%n", set, complete);
			// The guest hashed every file just before the snapshot: all are cached.
			assertEquals(regular, complete);
			assertTrue(cache.findings().isEmpty(), cache.findings().toString());
		}
	}
}
