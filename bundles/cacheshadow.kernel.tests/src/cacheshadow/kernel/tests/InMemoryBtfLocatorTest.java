package cacheshadow.kernel.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import cacheshadow.kernel.Btf;
import cacheshadow.kernel.BtfParser;
import cacheshadow.kernel.InMemoryBtfLocator;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;

class InMemoryBtfLocatorTest {
	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void findsTheKernelsOwnBtfEqualToTheFile(String set) throws Exception {
		byte[] file = Files.readAllBytes(Samples.file(set, "kernel/vmlinux.btf"));
		Btf fromFile = BtfParser.parse(file, "file");
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			long t0 = System.nanoTime();
			InMemoryBtfLocator.Found f = InMemoryBtfLocator.find(mem, Progress.NONE);
			System.out.printf("%s: BTF found in memory at 0x%x in %.0f ms%n", set, f.physicalAddress(), (System.nanoTime() - t0) / 1e6);
			byte[] inMem = new byte[file.length];
			mem.read(f.physicalAddress(), inMem, 0, inMem.length);
			assertArrayEquals(file, inMem);
			assertEquals(fromFile.typeCount(), f.btf().typeCount());
			assertEquals(fromFile.field("inode", "i_mode"), f.btf().field("inode", "i_mode"));
		}
	}
}
