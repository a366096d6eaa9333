package cacheshadow.pagecache.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import cacheshadow.caches.CacheAnalysis;
import cacheshadow.kernel.LinuxKernel;
import cacheshadow.layers.Progress;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.ManifestFormat;
import cacheshadow.pagecache.CachedFile;
import cacheshadow.pagecache.LiveGuest;
import cacheshadow.pagecache.PageCache;
import cacheshadow.pagecache.PageCacheCrossCheck;
import cacheshadow.pagecache.PageStructScan;

/**
 * A live guest started by {@code make-evidence.sh --live DIR}, named by {@code -Dcacheshadow.live=DIR} (the guest
 * boots for minutes under TCG, so the regular suite does not start one): attach, analyze twice from the RAM file
 * alone while the guest is paused (the second time with the kernel model built before pausing), each time every {@code pages.tsv} page bit-exact, every regular file's sha256
 * equal to the guest's manifest, both methods agreeing on every dirty page; the guest runs again afterwards.
 */
@EnabledIfSystemProperty(named = "cacheshadow.live", matches = ".+")
class LiveGuestTest {
	private record Outcome(int pages, int hashed, long dirty) {
	}

	@Test
	void analyzeARunningGuestTwice() throws Exception {
		Path dir = cacheshadow.testing.LiveGuestDir.await();
		assertTrue(Files.isRegularFile(dir.resolve("ram")), "no live guest in " + dir);
		List<String> pagesTsv = Files.readAllLines(dir.resolve("pages.tsv"));
		Map<String, String> sha = new HashMap<>();
		for (FileRecord r : ManifestFormat.read(dir.resolve("manifest.tsv"))) if (r.type().isRegular()) sha.put(r.path(), r.sha256());
		try (LiveGuest g = LiveGuest.attach(dir)) {
			// Round 1 builds everything while paused; round 2 builds the kernel model (static after boot) while the
			// guest runs and pauses only for the cache walks.
			LinuxKernel[] model = { null };
			for (int round = 1; round <= 2; round++) {
				if (round == 2) {
					long t = System.nanoTime();
					model[0] = g.kernelModel(null, Progress.NONE);
					System.out.printf("live: kernel model from the running guest's RAM in %.0f ms (guest not paused)%n", (System.nanoTime() - t) / 1e6);
				}
				LiveGuest.Paused<Outcome> p = g.paused(ram -> {
					CacheAnalysis a = model[0] == null ? CacheAnalysis.open(ram, null, Progress.NONE) : CacheAnalysis.walk(model[0], Progress.NONE);
					PageCache cache = new PageCache(a);
					int pages = 0;
					for (String l : pagesTsv.subList(1, pagesTsv.size())) {
						String[] c = l.split("\t");
						CachedFile f = cache.file(c[0]);
						assertEquals(c[2], f.pageSha256(Long.parseLong(c[1])), l);
						pages++;
					}
					int hashed = 0;
					for (FileRecord r : cache.withContentHashes()) {
						if (sha.containsKey(r.path())) {
							assertEquals(sha.get(r.path()), r.sha256(), r.path());
							hashed++;
						}
					}
					PageStructScan scan = PageStructScan.scan(cache.reader().pageArray(), false, Progress.NONE);
					PageCacheCrossCheck.Result x = PageCacheCrossCheck.run(cache, scan);
					assertTrue(x.agrees(), x.findings().toString());
					assertEquals(x.dirtyInWalk(), x.agreed());
					return new Outcome(pages, hashed, x.agreed());
				});
				System.out.printf("live %s round %d: guest paused %.0f ms; %d pages.tsv pages exact, %d files hashed equal, %d dirty pages agreed%n",
						dir, round, p.pausedNanos() / 1e6, p.result().pages(), p.result().hashed(), p.result().dirty());
				assertEquals(pagesTsv.size() - 1, p.result().pages());
				assertEquals(sha.size(), p.result().hashed());
				assertTrue(g.qmp().running(), "guest resumed");
			}
		}
	}
}
