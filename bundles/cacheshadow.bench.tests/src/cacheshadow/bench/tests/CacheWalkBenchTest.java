package cacheshadow.bench.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import cacheshadow.bench.CacheWalkBench;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.testing.EvidenceSamples;

/**
 * The walk benchmark ({@code ./cacheshadow bench caches}) measures what it claims: every timed walk reads the
 * sample's whole inode population. Speed itself is printed by the bench, never asserted in a test.
 */
class CacheWalkBenchTest {
	@Test
	void benchWalksTheWholeInodePopulation() throws Exception {
		try (Layer mem = Layers.openMemory(EvidenceSamples.file("debian-6.1-kaslr", "memory.elf"))) {
			CacheWalkBench.Result r = CacheWalkBench.run(mem, EvidenceSamples.dir("debian-6.1-kaslr").resolve("kernel"));
			assertEquals(r.coldInodes(), r.inodesPerWalk(), "each timed walk reads as many inodes as the first");
			assertTrue(r.coldInodes() > 500, "a real walk: " + r.coldInodes() + " inodes");
			System.out.println(r.line("debian-6.1-kaslr"));
		}
	}
}
