package cacheshadow.kernel;

import java.io.IOException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import cacheshadow.layers.Layer;

/**
 * The split BTF of loaded modules (ext4 is one on Debian, and vmlinux's BTF does not describe its structs), from the
 * kernel's own copies: {@code btf_modules} (kernel/bpf/btf.c) lists {@code struct btf_module}s whose
 * {@code struct btf} holds the blob ({@code data}, {@code data_size}) and the module name. The blobs are in vmalloc
 * memory, so they are read through the page tables.
 */
public final class ModuleBtfLoader {
	private static final long MAX_BLOB = 32L << 20;
	private static final int MAX_MODULES = 4096;

	private ModuleBtfLoader() {
	}

	/** Module name → its BTF (base types included); modules whose BTF cannot be read are left out. */
	public static Map<String, Btf> load(LinuxKernel kernel) throws IOException {
		return loadMatching(kernel, null);
	}

	/** The BTF of one module, or null when it is not loaded or its BTF cannot be read. */
	public static Btf load(LinuxKernel kernel, String module) throws IOException {
		return loadMatching(kernel, module).get(module);
	}

	/** {@code only}: a module name to parse alone, or null for all. */
	private static Map<String, Btf> loadMatching(LinuxKernel kernel, String only) throws IOException {
		Btf b = kernel.btf();
		Layer vm = kernel.virtual();
		long head = kernel.symbol("btf_modules");
		long listOff = b.field("btf_module", "list").offset(), btfOff = b.field("btf_module", "btf").offset();
		long dataOff = b.field("btf", "data").offset(), sizeOff = b.field("btf", "data_size").offset();
		long nameOff = b.field("btf", "name").offset();
		int nameLen = (int) b.sizeOf(b.field("btf", "name").type());
		long next = b.field("list_head", "next").offset();
		Map<String, Btf> out = new LinkedHashMap<>();
		Set<Long> seen = new HashSet<>();
		for (long p = vm.readU64(head + next); p != head; p = vm.readU64(p + next)) {
			if (!seen.add(p) || seen.size() > MAX_MODULES) break;
			long btf = vm.readU64(p - listOff + btfOff);
			String name = LinuxKernel.cString(vm, btf + nameOff, nameLen);
			if (only != null && !only.equals(name)) continue;
			long data = vm.readU64(btf + dataOff), size = vm.readU32(btf + sizeOff);
			if (data == 0 || size < 24 || size > MAX_BLOB) continue;
			byte[] blob = new byte[(int) size];
			try {
				vm.read(data, blob, 0, blob.length);
				out.put(name, BtfParser.parseSplit(blob, b, "BTF of module " + name + " in memory at 0x" + Long.toHexString(data)));
			} catch (IOException e) {
				// A module whose BTF pages are gone or damaged: the others are still useful.
			}
		}
		return out;
	}
}
