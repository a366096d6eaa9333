package cacheshadow.kernel.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import cacheshadow.kernel.LinuxKernel;
import cacheshadow.kernel.VmcoreInfo;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;
import cacheshadow.listing.Finding;

/** The samples carry no VMCOREINFO note; texts as the kernel writes them are checked against the real model. */
class VmcoreInfoTest {
	@Test
	void agreesWithTheModelOrBecomesAnAnomaly() throws Exception {
		String set = "debian-6.1-kaslr";
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			LinuxKernel k = LinuxKernel.open(mem, Samples.btf(set),
					Samples.systemMap(set), Progress.NONE);
			String good = "OSRELEASE=" + k.release() + "\nPAGESIZE=4096\nSYMBOL(init_top_pgt)=" + Long.toHexString(k.symbol("init_top_pgt"))
					+ "\nNUMBER(phys_base)=" + k.physBase() + "\nKERNELOFFSET=" + Long.toHexString(k.virtualShift()) + "\n";
			VmcoreInfo v = VmcoreInfo.parse(good);
			assertEquals(0x8800000L, v.kernelOffset());
			assertEquals(List.of(), v.crossCheck(k));
			String forged = good.replace("KERNELOFFSET=" + Long.toHexString(k.virtualShift()), "KERNELOFFSET=1000000");
			List<Finding> f = VmcoreInfo.parse(forged).crossCheck(k);
			assertEquals(1, f.size());
			assertEquals("vmcoreinfo-mismatch", f.get(0).kind());
			assertTrue(f.get(0).location().contains("KERNELOFFSET"));
		}
	}
}
