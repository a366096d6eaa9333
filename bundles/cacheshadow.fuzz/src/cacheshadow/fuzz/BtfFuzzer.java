package cacheshadow.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import cacheshadow.kernel.Btf;
import cacheshadow.kernel.BtfFormatException;
import cacheshadow.kernel.BtfParser;
import cacheshadow.kernel.BtfType;
import cacheshadow.kernel.KernelLayoutException;

/**
 * BTF blobs, as a vmlinux's (standalone) and as a module's split BTF over a fixed base, then the lookups the
 * walkers make: structs by name, dotted field paths through anonymous members, sizes through typedef and array
 * chains, enum values. A blob that parses must answer every lookup or refuse it with a KernelLayoutException.
 */
public final class BtfFuzzer {
	/** Types decoded per input, at most (a seed has a few hundred). */
	private static final int MAX_TYPES = 1024;
	/** A real vmlinux BTF cut down to the walkers' structs (the first seed): the base of split inputs. */
	private static final Btf BASE;

	static {
		try {
			Path seed = Path.of(System.getProperty("cacheshadow.fuzz.seeds", "bundles/cacheshadow.fuzz/seeds"), "BtfFuzzer", "debian-6.1-kaslr.structs.btf");
			BASE = BtfParser.parse(Files.readAllBytes(seed), seed.toString());
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private BtfFuzzer() {
	}

	public static void fuzzerTestOneInput(byte[] data) {
		try {
			lookups(BtfParser.parse(data, "fuzz input"));
		} catch (BtfFormatException expected) {
			// not well-formed BTF, reported as such
		}
		try {
			lookups(BtfParser.parseSplit(data, BASE, "fuzz input (split)"));
		} catch (BtfFormatException expected) {
			// not well-formed split BTF
		}
	}

	private static void lookups(Btf btf) {
		btf.enumValue("___GFP_LAST_BIT");
		btf.enumType("pageflags");
		int n = Math.min(btf.typeCount(), MAX_TYPES);
		for (int id = 0; id < n; id++) {
			BtfType t = btf.type(id);
			try {
				btf.resolved(id);
				btf.sizeOf(id);
			} catch (KernelLayoutException expected) {
				// a type without a size, or a chain that loops
			}
			if (t instanceof BtfType.Composite c && !c.name().isEmpty()) {
				try {
					btf.struct(c.name());
					btf.sizeOf(c.name());
				} catch (KernelLayoutException expected) {
					// e.g. a name shared with a forward declaration
				}
				int m = 0;
				for (BtfType.Member member : c.members()) {
					if (++m > 8) break;
					String path = member.name().isEmpty() ? "x" : member.name();
					btf.fieldOrNull(c.name(), path);
					btf.fieldOrNull(c.name(), path + ".len");
					try {
						btf.sizeOf(member.type());
					} catch (KernelLayoutException expected) {
						// a member of a type without a size
					}
				}
			}
		}
		for (String[] f : WALKED_FIELDS) btf.fieldOrNull(f[0], f[1]);
	}

	/** Field paths the cache and page-cache walkers look up (a sample of them, through anonymous members). */
	private static final String[][] WALKED_FIELDS = { { "dentry", "d_name.name" }, { "dentry", "d_name.len" },
			{ "dentry", "d_inode" }, { "dentry", "d_children" }, { "dentry", "d_subdirs" }, { "dentry", "d_sib" },
			{ "inode", "i_mode" }, { "inode", "i_size" }, { "inode", "i_mapping" }, { "inode", "i_sb" },
			{ "super_block", "s_inodes" }, { "xa_node", "slots" }, { "xarray", "xa_head" }, { "page", "mapping" },
			{ "task_struct", "comm" }, { "address_space", "i_pages" } };
}
