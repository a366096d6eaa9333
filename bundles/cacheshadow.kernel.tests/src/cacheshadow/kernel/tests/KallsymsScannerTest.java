package cacheshadow.kernel.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import cacheshadow.kernel.Btf;
import cacheshadow.kernel.KaslrDetector;
import cacheshadow.kernel.KallsymsScanner;
import cacheshadow.kernel.LinuxKernel;
import cacheshadow.kernel.SymbolTable;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;

class KallsymsScannerTest {
	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void inMemoryKallsymsEqualSystemMapPlusShift(String set) throws Exception {
		Btf btf = Samples.btf(set);
		SymbolTable map = Samples.systemMap(set);
		long slide = Long.decode(Samples.meta(set).get("kaslr_virtual_slide"));
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			KaslrDetector.Result k = KaslrDetector.detect(mem, btf, null, Progress.NONE);
			long t0 = System.nanoTime();
			SymbolTable ks = KallsymsScanner.scan(mem, k, Progress.NONE);
			System.out.printf("%s: %s in %.0f ms%n", set, ks.source(), (System.nanoTime() - t0) / 1e6);
			assertTrue(ks.isRuntime());
			assertTrue(ks.size() > 50_000, "symbols: " + ks.size());
			assertEquals(Samples.infoHex(set, "kallsyms__text"), ks.address("_text"));
			assertEquals(Samples.infoHex(set, "kallsyms_init_top_pgt"), ks.address("init_top_pgt"));
			assertEquals(Samples.infoHex(set, "kallsyms_page_offset_base"), ks.address("page_offset_base"));
			// Every name both tables hold once: kallsyms = System.map + slide (per-CPU symbols are absolute).
			int compared = 0, differ = 0;
			for (Map.Entry<String, Long> e : ks.all().entrySet()) {
				Long m = map.addressOrNull(e.getKey());
				if (m == null) continue;
				long expected = Long.compareUnsigned(m, KaslrDetector.START_KERNEL_MAP) >= 0 ? m + slide : m;
				compared++;
				if (expected != e.getValue()) differ++;
			}
			System.out.printf("%s: %d symbols compared with System.map, %d differ%n", set, compared, differ);
			assertTrue(compared > 50_000);
			assertEquals(0, differ, differ + " of " + compared);
			// The kernel model from the snapshot's own symbols gives the virtual shift (default CONFIG_PHYSICAL_START).
			LinuxKernel lk = LinuxKernel.open(mem, btf, ks, Progress.NONE);
			assertEquals(slide, lk.virtualShift());
			assertEquals("symbol init_top_pgt", lk.topTableSource());
			assertTrue(lk.vmemmapBase() != null && lk.vmallocBase() != null);
		}
	}
}
