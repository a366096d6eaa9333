package cacheshadow.fuzz;

import java.util.Map;

import cacheshadow.kernel.KernelLayoutException;
import cacheshadow.kernel.SymbolTable;

/**
 * System.map and /proc/kallsyms captures ({@code ADDRESS TYPE NAME [\[module\]]} lines, SymbolListIndex), then
 * every lookup the kernel model makes: a symbol list that parses must answer for each name it holds (address read
 * back from its line, type) and for names it lacks.
 */
public final class SystemMapFuzzer {
	private static final String[] ASKED = { "_text", "init_task", "init_top_pgt", "linux_banner", "page_offset_base",
			"vmemmap_base", "super_blocks", "shmem_aops", "", "init_task " };

	private SystemMapFuzzer() {
	}

	public static void fuzzerTestOneInput(byte[] data) {
		SymbolTable t;
		try {
			t = SymbolTable.parse(data, false, "fuzz input");
		} catch (KernelLayoutException expected) {
			return; // not a symbol list, reported as such
		} catch (java.io.IOException e) {
			throw new AssertionError("parse declares IOException for bad text; only KernelLayoutException is expected", e);
		}
		for (String n : ASKED) {
			t.contains(n);
			t.addressOrNull(n);
			t.type(n);
		}
		int k = 0;
		for (Map.Entry<String, Long> e : t.all().entrySet()) {
			if (!e.getValue().equals(t.addressOrNull(e.getKey()))) throw new AssertionError("address of " + e.getKey() + " read back differently");
			if (t.type(e.getKey()) == null) throw new AssertionError("no type for " + e.getKey());
			if (++k > 256) break;
		}
		if (k == 0 || t.size() < 1) throw new AssertionError("a symbol list that parses holds a symbol");
	}
}
