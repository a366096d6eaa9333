package cacheshadow.kernel.tests;

import java.io.IOException;

import cacheshadow.kernel.Btf;
import cacheshadow.kernel.BtfParser;
import cacheshadow.kernel.SymbolTable;
import cacheshadow.testing.EvidenceSamples;

/** The evidence sample sets, as every test fragment reads them ({@link EvidenceSamples}), and their kernel files. */
public final class Samples extends EvidenceSamples {
	private Samples() {
	}

	/** The set's {@code kernel/vmlinux.btf}. */
	static Btf btf(String set) throws IOException {
		return BtfParser.parse(file(set, "kernel/vmlinux.btf"));
	}

	/** The set's {@code kernel/System.map}. */
	static SymbolTable systemMap(String set) throws IOException {
		return SymbolTable.readSystemMap(file(set, "kernel/System.map"));
	}
}
