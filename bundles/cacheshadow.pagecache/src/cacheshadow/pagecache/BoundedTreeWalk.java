package cacheshadow.pagecache;

import java.io.IOException;
import java.util.List;

import cacheshadow.kernel.AddressSet;
import cacheshadow.layers.Layer;
import cacheshadow.listing.Finding;

/**
 * What one walk of a guest page-index tree owes hostile input, the same for the XArray and the radix tree: every
 * node read at most once (a second visit is a cycle or a shared subtree), unreadable nodes and forged levels
 * reported with their address, at most {@link PageIndexWalker#MAX_ENTRIES} entries. Finding kinds start with the
 * tree's prefix ({@code xarray-node-loop}, {@code radix-tree-node-loop}, ...).
 */
final class BoundedTreeWalk {
	private final Layer vm;
	private final String prefix, nodeType, structure;
	private final int nodeSize;
	private final List<Finding> findings;
	private final AddressSet seen = new AddressSet();
	private long entries;

	/**
	 * @param prefix    finding kind prefix, e.g. {@code "xarray"}
	 * @param nodeType  the node struct, e.g. {@code "xa_node"}
	 * @param structure the tree for messages, e.g. {@code "XArray"}
	 */
	BoundedTreeWalk(Layer vm, String prefix, String nodeType, String structure, int nodeSize, List<Finding> findings) {
		this.vm = vm;
		this.prefix = prefix;
		this.nodeType = nodeType;
		this.structure = structure;
		this.nodeSize = nodeSize;
		this.findings = findings;
	}

	/** The bytes of the node at {@code node}, or null (with a finding) when it was met before or is unreadable. */
	byte[] enter(long node) {
		if (!seen.add(node)) {
			findings.add(Finding.anomaly(prefix + "-node-loop", node, nodeType + " reached twice in one " + structure + " (a cycle or shared subtree); not walked again"));
			return null;
		}
		byte[] n = new byte[nodeSize];
		try {
			vm.read(node, n, 0, nodeSize);
		} catch (IOException e) {
			findings.add(Finding.anomaly(prefix + "-node-unreadable", node, nodeType + " not readable: " + e.getMessage()));
			return null;
		}
		return n;
	}

	/** Counts one entry; false (with a finding) past the limit, when the walk must stop. */
	boolean count(long node) {
		if (++entries <= PageIndexWalker.MAX_ENTRIES) return true;
		findings.add(Finding.anomaly(prefix + "-too-many-entries", node, "more than " + PageIndexWalker.MAX_ENTRIES + " entries; walk stopped"));
		return false;
	}

	/** A node whose level (shift or height) does not fit where it hangs. */
	void badLevel(long node, String detail) {
		findings.add(Finding.anomaly(prefix + "-bad-shift", node, nodeType + " " + detail));
	}

	/** Any other slot content the tree's encoding does not allow. */
	void badEntry(long node, String detail) {
		findings.add(Finding.anomaly(prefix + "-bad-entry", node, detail));
	}
}
