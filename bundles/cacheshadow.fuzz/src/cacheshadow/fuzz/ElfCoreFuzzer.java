package cacheshadow.fuzz;

import java.io.IOException;

import cacheshadow.kernel.VmcoreInfo;
import cacheshadow.layers.ElfCoreLayer;
import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.Layers;
import cacheshadow.layers.UnmappedAddressException;

/**
 * ELF core memory snapshots (QEMU dump-guest-memory, kdump): program headers, PT_NOTE notes (VMCOREINFO text
 * included), PT_LOAD segments, opened the way the product opens a memory file, then read at the edges of every range.
 */
public final class ElfCoreFuzzer {
	private ElfCoreFuzzer() {
	}

	public static void fuzzerTestOneInput(byte[] data) throws IOException {
		try (var layer = Layers.openMemory(InputFile.of("core", data))) {
			if (layer instanceof ElfCoreLayer elf) {
				elf.vmcoreinfo().ifPresent(text -> {
					VmcoreInfo v = VmcoreInfo.parse(text);
					v.osRelease();
					v.kernelOffset();
					v.physBase();
					v.symbol("init_task");
				});
				elf.notes().forEach(n -> n.descAsText());
			}
			LayerReads.edges(layer);
		} catch (EvidenceFormatException | UnmappedAddressException expected) {
			// bad input, reported as such
		}
	}
}
