package cacheshadow.fuzz;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import cacheshadow.kernel.KallsymsScanner;
import cacheshadow.kernel.KaslrDetector;
import cacheshadow.kernel.KernelLayoutException;
import cacheshadow.kernel.SymbolTable;
import cacheshadow.layers.LittleEndian;
import cacheshadow.layers.Progress;
import cacheshadow.layers.RawFileLayer;

/**
 * The kernel's in-memory kallsyms tables (token table and index, names, markers, offsets, relative base; both the
 * 6.1 and the later layout), as KallsymsScanner finds and decodes them without a System.map. Input: u64 the
 * init_task address the tables must reproduce, then physical memory from address 0 (init_task's page: the scan is
 * centred there). The seeds are the samples' own tables cut to their first 1023 symbols and init_task. A scan
 * gives a table or a KernelLayoutException, in bounded time.
 */
public final class KallsymsFuzzer {
	private KallsymsFuzzer() {
	}

	public static void fuzzerTestOneInput(byte[] data) throws IOException {
		if (data.length < 8) return;
		long initTaskVa = LittleEndian.u64(data, 0);
		KaslrDetector.Result kaslr = new KaslrDetector.Result(null, 0, initTaskVa, 0, "fuzz input", List.of());
		try (RawFileLayer memory = new RawFileLayer(InputFile.of("kallsyms", Arrays.copyOfRange(data, 8, data.length)), "raw memory")) {
			SymbolTable t = KallsymsScanner.scan(memory, kaslr, Progress.NONE);
			if (!Long.valueOf(initTaskVa).equals(t.addressOrNull("init_task"))) throw new AssertionError("a table that does not place init_task was accepted");
			t.all().size();
		} catch (KernelLayoutException expected) {
			// no tables there, reported as such
		}
	}
}
