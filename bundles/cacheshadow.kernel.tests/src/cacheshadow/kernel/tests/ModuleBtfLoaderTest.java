package cacheshadow.kernel.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import cacheshadow.kernel.Btf;
import cacheshadow.kernel.LinuxKernel;
import cacheshadow.kernel.ModuleBtfLoader;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;

class ModuleBtfLoaderTest {
	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void loadsExt4sSplitBtfFromMemory(String set) throws Exception {
		Btf vmlinux = Samples.btf(set);
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			LinuxKernel k = LinuxKernel.open(mem, vmlinux, Samples.systemMap(set), Progress.NONE);
			Map<String, Btf> modules = ModuleBtfLoader.load(k);
			System.out.printf("%s: module BTF for %s%n", set, modules.keySet());
			for (String m : Samples.info(set, "modules").trim().split(" ")) assertTrue(modules.containsKey(m.replace('-', '_')) || modules.containsKey(m), m);
			Btf ext4 = modules.get("ext4");
			assertNotNull(ext4);
			assertTrue(ext4.typeCount() > vmlinux.typeCount());
			assertEquals(vmlinux, ext4.base());
			assertTrue(ext4.hasField("ext4_inode_info", "i_data"));
			assertTrue(ext4.hasField("ext4_inode_info", "vfs_inode"));
			assertTrue(ext4.hasField("ext4_sb_info", "s_first_ino"));
			// Base types resolve through the split BTF as well.
			assertEquals(vmlinux.field("inode", "i_mode"), ext4.field("inode", "i_mode"));
			assertEquals(60, ext4.sizeOf(ext4.field("ext4_inode_info", "i_data").type()));
		}
	}
}
