package cacheshadow.pagecache;

import java.io.IOException;
import java.util.List;

import cacheshadow.kernel.Btf;
import cacheshadow.kernel.KernelLayoutException;
import cacheshadow.kernel.LinuxKernel;
import cacheshadow.listing.Finding;

/**
 * The tree that maps a {@code struct address_space}'s page indices to its entries: the XArray {@code i_pages}
 * (4.20+, {@link XArrayWalker}) or, before it, the radix tree ({@code i_pages} 4.17–4.19, {@code page_tree}
 * earlier; {@link RadixTreeWalker}). BTF says which: {@link #of}. Both hand the same {@link Entry} to the same
 * resolution ({@link CachedFileReader}): a pointer entry is a {@code struct page}, a value entry a workingset shadow
 * or a shmem swap entry; mark/tag 0 is {@code PAGECACHE_TAG_DIRTY}, 1 {@code PAGECACHE_TAG_WRITEBACK}.
 */
public sealed interface PageIndexWalker permits XArrayWalker, RadixTreeWalker {
	/** Entries visited per tree before the walk stops with a finding (bounded time and memory). */
	long MAX_ENTRIES = 1L << 24;

	/**
	 * One present entry: indices {@code [index, index + span)}, the slot's raw content {@code value} (the
	 * {@code struct page} address for a pointer entry), whether it is a value entry and the integer it carries
	 * ({@code xa_to_value}, or the radix tree's exceptional entry shifted past its two tag bits), and the marks/tags
	 * of its canonical slot. {@code node} is 0 (and {@code slot} -1) for an entry held in the root itself.
	 */
	record Entry(long index, long span, long value, boolean isValue, long integer, boolean mark0, boolean mark1, long node, int slot) {
	}

	interface Visitor {
		void entry(Entry e) throws IOException;
	}

	/**
	 * Visits every entry of the tree whose root ({@code struct xarray} / {@code struct radix_tree_root}) is at
	 * {@code root}, in index order. Hostile trees end in findings, never in a loop.
	 * @return false when the walk was cut short (a finding says why)
	 */
	boolean walk(long root, Visitor visitor, List<Finding> findings) throws IOException;

	/**
	 * Learns where the root keeps mark/tag 0 ({@code __GFP_BITS_SHIFT}, no BTF type carries it on most kernels)
	 * from a tree whose root is a node with marked slots.
	 * @return true when known afterwards
	 */
	boolean calibrate(long root) throws IOException;

	/** Bit of mark/tag 0 in the root's flags ({@code xa_flags} / {@code gfp_mask}), or -1 while unknown. */
	int rootMarkShift();

	/** "XArray" or "radix tree", for messages. */
	String structure();

	/**
	 * A shmem swap entry's integer as {@code swp_entry_t} of the XArray era (type in the top 5 of 63 bits, see
	 * {@link CachedPage#swapType()}), whatever this tree's encoding.
	 */
	long swapEntry(long integer);

	/** The tree member of {@code struct address_space}: {@code i_pages} (4.17+), {@code page_tree} before. */
	static Btf.Field rootField(Btf b) throws KernelLayoutException {
		Btf.Field f = b.fieldOrNull("address_space", "i_pages");
		return f != null ? f : b.field("address_space", "page_tree");
	}

	/** The walker for this kernel's page cache, chosen by the type BTF gives the tree member. */
	static PageIndexWalker of(LinuxKernel kernel) throws IOException {
		Btf b = kernel.btf();
		String type = b.resolved(rootField(b).type()).name();
		return switch (type) {
		case "xarray" -> new XArrayWalker(kernel);
		case "radix_tree_root" -> new RadixTreeWalker(kernel);
		default -> throw new KernelLayoutException("address_space's page tree is struct " + type + ", neither xarray nor radix_tree_root");
		};
	}
}
