package cacheshadow.kernel.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import cacheshadow.kernel.Btf;
import cacheshadow.kernel.KaslrDetector;
import cacheshadow.kernel.LinuxKernel;
import cacheshadow.kernel.SymbolTable;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;

class LinuxKernelTest {

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void withKernelFilesMatchesGroundTruth(String set) throws Exception {
		Btf btf = Samples.btf(set);
		SymbolTable map = Samples.systemMap(set);
		assertEquals(0xffffffff81000000L, map.address("_text"));
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			long t0 = System.nanoTime();
			LinuxKernel k = LinuxKernel.open(mem, btf, map, Progress.NONE);
			System.out.printf("%s: kernel model in %.1f ms%n", set, (System.nanoTime() - t0) / 1e6);
			long slide = Long.decode(Samples.meta(set).get("kaslr_virtual_slide"));
			assertEquals(slide, k.virtualShift());
			assertEquals(Samples.infoHex(set, "kallsyms_init_task"), k.initTask());
			assertEquals(Samples.infoHex(set, "kallsyms__text"), k.symbol("_text"));
			assertEquals(Samples.infoHex(set, "kallsyms_page_offset_base"), k.symbol("page_offset_base"));
			assertEquals(Samples.infoHex(set, "kallsyms_init_top_pgt"), k.symbol("init_top_pgt"));
			// iomem "Kernel code" starts at the physical address of _text.
			long codeStart = Long.parseLong(Samples.info(set, "iomem_kernel_code").split("-")[0], 16);
			assertEquals(codeStart, k.kaslr().imageToPhysical(k.symbol("_text")));
			assertEquals(Samples.info(set, "uname_r"), k.release());
			assertEquals(0, k.pageOffsetBase() & 0x3fffffffL);
			assertTrue(k.pageOffsetBase() < 0);
			assertNotNull(k.vmemmapBase());
			assertNotNull(k.vmallocBase());
			assertEquals(false, k.pageTables().fiveLevel());
			// The direct map maps init_task's physical address too.
			assertEquals(k.kaslr().initTaskPa(), k.toPhysical(k.pageOffsetBase() + k.kaslr().initTaskPa()));
			// linux_banner through the page tables.
			String banner = LinuxKernel.cString(k.virtual(), k.symbol("linux_banner"), 300);
			assertTrue(banner.startsWith("Linux version " + k.release()), banner);
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void snapshotOnlyGivesTheSameModel(String set) throws Exception {
		Btf btf = Samples.btf(set);
		SymbolTable map = Samples.systemMap(set);
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			LinuxKernel withMap = LinuxKernel.open(mem, btf, map, Progress.NONE);
			LinuxKernel alone = LinuxKernel.open(mem, btf, null, Progress.NONE);
			assertNull(alone.virtualShift());
			assertTrue(alone.topTableSource().startsWith("page table found"), alone.topTableSource());
			assertEquals(withMap.pageTables().topTable(), alone.pageTables().topTable());
			assertEquals(withMap.physBase(), alone.physBase());
			assertEquals(withMap.initTask(), alone.initTask());
			assertEquals(withMap.pageOffsetBase(), alone.pageOffsetBase());
			assertEquals(withMap.release(), alone.release());
			assertEquals(KaslrDetector.START_KERNEL_MAP, alone.initTask() & 0xffffffff80000000L);
		}
	}

	static Path samples(String set) {
		return Samples.dir(set);
	}
}
