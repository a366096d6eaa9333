package cacheshadow.merge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import cacheshadow.merge.MergeBenchmark;

/**
 * One run of the in-process hashing benchmark (printed for the record; the machine is shared, so the ratio is not
 * asserted beyond sanity).
 */
class MergeBenchmarkTest {
	@Test
	void hashingThroughTheMergeAgainstTheDiskImage() throws Exception {
		MergeBenchmark.Result r = MergeBenchmark.run(Samples.merged("debian-6.1-kaslr"), null);
		System.out.println("merge benchmark: " + r);
		assertEquals("/mnt/disk/data/blob.bin", r.path());
		assertTrue((long) r.passes() * r.fileSize() >= 4L << 20);
		assertTrue(r.diskNanos() > 0 && r.mergedNanos() > 0 && r.mergedFromDiskNanos() > 0);
	}
}
