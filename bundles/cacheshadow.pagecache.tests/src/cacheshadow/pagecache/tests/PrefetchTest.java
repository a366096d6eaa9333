package cacheshadow.pagecache.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import cacheshadow.caches.CacheAnalysis;
import cacheshadow.caches.CachedEntry;
import cacheshadow.caches.CachedInode;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;
import cacheshadow.pagecache.CachedPage;
import cacheshadow.pagecache.PageCache;
import cacheshadow.testing.PatchedLayer;

/**
 * {@link PageCache#prefetch}: the page caches walked on several threads are exactly the ones the sequential walk
 * gives, with the same findings in the same order, on a clean snapshot and on one with hostile structures.
 */
class PrefetchTest {
	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void threadsGiveWhatOneThreadGives(String set) throws Exception {
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			CacheAnalysis clean = CacheAnalysis.open(mem, Samples.dir(set).resolve("kernel"), Progress.NONE);
			List<CachedInode> inodes = inodes(clean);
			assertTrue(inodes.size() > 2 * 256, "enough files for several threads: " + inodes.size());
			// Hostile too: a page pointer into nowhere in the XArray root of every other file that has pages, so findings
			// come from every thread.
			PatchedLayer hostile = new PatchedLayer(mem);
			PageCache probe = new PageCache(clean);
			int patchedFiles = 0;
			for (int k = 0; k < inodes.size(); k++) {
				long mapping = probe.reader().mappingOf(inodes.get(k).address());
				if (mapping == 0 || probe.file(inodes.get(k)).pages().isEmpty() || patchedFiles++ % 2 == 1) continue;
				hostile.put64(clean.kernel().toPhysical(mapping + xaHeadOffset(clean)), 0xdead_0000_0000_1000L);
			}
			CacheAnalysis patched = CacheAnalysis.open(hostile, Samples.dir(set).resolve("kernel"), Progress.NONE);
			for (CacheAnalysis a : new CacheAnalysis[] { clean, patched }) {
				PageCache one = new PageCache(a);
				for (CachedInode i : inodes(a)) one.file(i);
				for (int round = 0; round < 5; round++) {
					PageCache many = new PageCache(a);
					many.prefetch(inodes(a), 4);
					for (CachedInode i : inodes(a)) {
						List<CachedPage> expected = new ArrayList<>(one.file(i).pages()), got = new ArrayList<>(many.file(i).pages());
						assertEquals(expected, got, "inode 0x" + Long.toHexString(i.address()));
					}
					assertEquals(one.findings(), many.findings());
				}
				if (a == patched) assertTrue(one.findings().size() >= patchedFiles / 2, one.findings().size() + " findings for " + patchedFiles / 2 + " forged roots");
			}
			// PageCache.open walks page caches alongside the dentry/inode walk: the same files and findings as walking
			// them one by one afterwards, in the order of listedInodes().
			for (Layer layer : new Layer[] { mem, hostile }) {
				PageCache one = new PageCache(CacheAnalysis.open(layer, Samples.dir(set).resolve("kernel"), Progress.NONE));
				List<CachedInode> listed = one.listedInodes();
				for (CachedInode i : listed) one.file(i);
				for (int threads : new int[] { 2, 3 }) {
					PageCache alongside = PageCache.open(layer, Samples.dir(set).resolve("kernel"), false, Progress.NONE, threads);
					assertEquals(listed, alongside.listedInodes());
					for (CachedInode i : listed) {
						assertEquals(new ArrayList<>(one.file(i).pages()), new ArrayList<>(alongside.file(i).pages()), "inode 0x" + Long.toHexString(i.address()));
					}
					assertEquals(one.findings(), alongside.findings(), threads + " threads");
					if (layer == hostile) assertTrue(alongside.findings().size() >= patchedFiles / 2, alongside.findings().size() + " findings");
				}
			}
		}
	}

	/** Canceled during the dentry walk: PageCache.open ends with the cancellation and leaves no page walk running. */
	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr" })
	void cancelingStopsTheWalksAlongside(String set) throws Exception {
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			boolean[] walking = { false }, canceled = { false };
			Progress p = new Progress() {
				@Override
				public void begin(String task, long totalWork) {
					walking[0] = task.startsWith("Walking dentry");
				}

				@Override
				public void worked(long units) {
					if (walking[0]) canceled[0] = true; // after the first mount
				}

				@Override
				public boolean isCanceled() {
					return canceled[0];
				}
			};
			org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.CancellationException.class,
					() -> PageCache.open(mem, Samples.dir(set).resolve("kernel"), false, p, 2));
			for (Thread t : Thread.getAllStackTraces().keySet()) {
				assertTrue(!t.getName().startsWith("page-cache walk alongside") || !t.isAlive(), "still running: " + t.getName());
			}
		}
	}

	private static long xaHeadOffset(CacheAnalysis a) throws Exception {
		return a.kernel().btf().field("address_space", "i_pages").offset() + a.kernel().btf().field("xarray", "xa_head").offset();
	}

	private static List<CachedInode> inodes(CacheAnalysis a) {
		List<CachedInode> out = new ArrayList<>();
		for (CachedEntry e : a.entries()) if (e.inode() != null) out.add(e.inode());
		out.addAll(a.orphans());
		return out;
	}
}
