package cacheshadow.pagecache.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import cacheshadow.caches.CacheAnalysis;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;
import cacheshadow.pagecache.CachedFile;
import cacheshadow.pagecache.PageCache;
import cacheshadow.pagecache.PageCacheCrossCheck;
import cacheshadow.pagecache.PageStructScan;

/**
 * The struct page scan on its own finds every pages.tsv page (by the file's mapping and index, hashed from the
 * frame), and agrees with the per-inode walk on every dirty page of both samples.
 */
class PageStructScanTest {
	@ParameterizedTest(name = "{0} kernel-files={1}")
	@CsvSource({ "debian-6.1-kaslr, true", "debian-6.1-kaslr, false", "debian-6.12-kaslr, true", "debian-6.12-kaslr, false" })
	void scanFindsEveryPhase2PageAndAgreesWithTheWalk(String set, boolean kernelFiles) throws Exception {
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			CacheAnalysis a = CacheAnalysis.open(mem, kernelFiles ? Samples.dir(set).resolve("kernel") : null, Progress.NONE);
			PageCache cache = new PageCache(a);
			long t0 = System.nanoTime();
			PageStructScan scan = PageStructScan.scan(cache.reader().pageArray(), false, Progress.NONE);
			long scanMs = (System.nanoTime() - t0) / 1_000_000;

			List<String> lines = Files.readAllLines(Samples.file(set, "pages.tsv"));
			byte[] frame = new byte[4096];
			int found = 0;
			for (String l : lines.subList(1, lines.size())) {
				String[] c = l.split("\t");
				CachedFile f = cache.file(c[0]);
				long index = Long.parseLong(c[1]);
				PageStructScan.ScannedPage s = scan.get(f.mapping(), index);
				assertNotNull(s, c[0] + " page " + index + " not found by the scan");
				assertEquals(f.host(), s.inode());
				mem.read(scan.pageArray().physical(s.page()), frame, 0, 4096);
				long valid = f.size() - index * 4096;
				if (valid < 4096) java.util.Arrays.fill(frame, (int) valid, 4096, (byte) 0);
				assertEquals(c[2], HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(frame)), c[0] + " page " + index);
				found++;
			}
			PageCacheCrossCheck.Result r = PageCacheCrossCheck.run(cache, scan);
			System.out.printf("%s kernel-files=%s: scan of %d struct pages in %d ms: %d page-cache pages in %d mappings, %d pages.tsv pages found; "
					+ "cross-check: %d dirty in scan, %d dirty in walk (%d mappings), %d agreed, %d unlisted mappings; findings %s; scan findings %s%n",
					set, kernelFiles, scan.structsRead(), scanMs, scan.table().size(), scan.mappings().size(), found, r.dirtyInScan(), r.dirtyInWalk(),
					r.mappingsWalked(), r.agreed(), r.unlistedMappings(), r.findings(), scan.findings());
			assertEquals(lines.size() - 1, found);
			assertTrue(r.agrees(), r.findings().toString());
			assertTrue(r.dirtyInWalk() > 30);
			assertEquals(r.dirtyInWalk(), r.agreed());
			assertTrue(scan.findings().isEmpty(), scan.findings().toString());
		}
	}
}
