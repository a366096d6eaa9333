package cacheshadow.kernel.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import cacheshadow.kernel.Btf;
import cacheshadow.kernel.KaslrDetector;
import cacheshadow.kernel.SymbolTable;
import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;
import cacheshadow.testing.PatchedLayer;

/** {@link KaslrDetector#locate}: the kernel found with symbols in a few reads per 2 MiB, not a sweep of memory. */
class KaslrLocateTest {
	private static final long TWO_MIB = 2L << 20;

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void locatesAsTheSweepDoesReadingAlmostNothing(String set) throws Exception {
		Btf btf = Samples.btf(set);
		SymbolTable map = Samples.systemMap(set);
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			KaslrDetector.Result swept = KaslrDetector.detect(mem, btf, map, Progress.NONE);
			PatchedLayer counted = new PatchedLayer(mem);
			KaslrDetector.Result fast = KaslrDetector.locate(counted, btf, map, Progress.NONE);
			assertNotNull(fast);
			assertEquals(Long.decode(Samples.meta(set).get("kaslr_virtual_slide")), fast.virtualShift());
			assertEquals(swept.virtualShift(), fast.virtualShift());
			assertEquals(swept.physBase(), fast.physBase());
			assertEquals(swept.initTaskPa(), fast.initTaskPa());
			assertEquals(List.of(), fast.decoys());
			// One banner probe (14 bytes) per 2 MiB boundary, plus init_task's fields and a page-table walk once.
			long ram = 0;
			for (Extent e : mem.extents()) ram += e.length();
			assertTrue(counted.bytesRead() < 14 * (ram / TWO_MIB + mem.extents().size()) + 4096, counted.bytesRead() + " bytes read");
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void aPlantedImageCopyIsRankedBehindTheImageItsPageTablesMap(String set) throws Exception {
		Btf btf = Samples.btf(set);
		SymbolTable map = Samples.systemMap(set);
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			KaslrDetector.Result real = KaslrDetector.locate(mem, btf, map, Progress.NONE);
			long text = map.address("_text"), realText = real.initTaskPa() - (map.address("init_task") - text);
			// A copy of the pages the locator checks (banner, init_task, the top page table) at a lower 2 MiB boundary.
			long copy = realText == 32L << 20 ? 64L << 20 : 32L << 20;
			PatchedLayer planted = new PatchedLayer(mem);
			for (String sym : new String[] { "linux_banner", "init_task", "init_top_pgt" }) {
				long off = (map.address(sym) - text) & ~0xfffL;
				byte[] pages = new byte[2 * 4096];
				mem.read(realText + off, pages, 0, pages.length);
				planted.put(copy + off, pages);
			}
			KaslrDetector.Result r = KaslrDetector.locate(planted, btf, map, Progress.NONE);
			assertEquals(real.initTaskPa(), r.initTaskPa());
			assertEquals(real.virtualShift(), r.virtualShift());
			long copyTask = copy + (map.address("init_task") - text);
			assertEquals(List.of(copyTask), r.decoys().stream().map(KaslrDetector.Candidate::pa).toList());
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void symbolsOfAnotherBuildLocateNothing(String set) throws Exception {
		String other = set.equals("debian-6.1-kaslr") ? "debian-6.12-kaslr" : "debian-6.1-kaslr";
		Btf btf = Samples.btf(set);
		SymbolTable wrong = SymbolTable.readSystemMap(Samples.file(other, "kernel/System.map"));
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			assertNull(KaslrDetector.locate(mem, btf, wrong, Progress.NONE));
		}
	}
}
