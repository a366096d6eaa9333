package cacheshadow.caches;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import cacheshadow.listing.Finding;

/**
 * What of a cache walk rests on bytes missing from a partial snapshot ({@link cacheshadow.layers.MissingReads}): the
 * directories whose cached children may not all be listed, the names whose own record is unsure or could not be read,
 * the super blocks whose inode list may lack cached inodes, and whether the mount list itself is unsure. Empty for a
 * whole snapshot. Each gap is also an {@code evidence-missing} finding.
 */
public final class WalkGaps {
	/** Kind of the findings of gaps; the merge flags the paths it shows with it too. */
	public static final String FINDING = "evidence-missing";

	private final Set<String> children = new LinkedHashSet<>();
	private final Map<String, String> entries = new LinkedHashMap<>();
	private final Set<Long> superBlocks = new LinkedHashSet<>();
	private final Set<Long> inodes = new java.util.HashSet<>();
	private boolean mounts;
	private final List<Finding> findings = new ArrayList<>();

	void children(String directory, String first) {
		if (children.add(directory)) {
			findings.add(new Finding(Finding.Severity.WARNING, FINDING, directory,
					"its cached children met bytes missing from the snapshot (" + first + "): names may be left out"));
		}
	}

	void entry(String path, String what, String first) {
		if (entries.putIfAbsent(path, what) == null) {
			findings.add(new Finding(Finding.Severity.WARNING, FINDING, path, "its " + what + " met bytes missing from the snapshot (" + first + ")"));
		}
	}

	void superBlock(long sb, String first) {
		if (superBlocks.add(sb)) {
			findings.add(new Finding(Finding.Severity.WARNING, FINDING, String.format("0x%x", sb),
					"the inode list of this super block met bytes missing from the snapshot (" + first + "): cached inodes without a name may be left out"));
		}
	}

	void inode(long address) {
		inodes.add(address);
	}

	void mounts(String first) {
		if (!mounts) {
			mounts = true;
			findings.add(new Finding(Finding.Severity.ERROR, FINDING, "mounts",
					"the mount tree met bytes missing from the snapshot (" + first + "): mounts may be left out, and every path is unsure"));
		}
	}

	/** Directories whose cached children may not all be listed. */
	public Set<String> children() {
		return Collections.unmodifiableSet(children);
	}

	/** Names whose own record rests on missing bytes ({@code inode}, {@code link target}, {@code dentry}), by path. */
	public Map<String, String> entries() {
		return Collections.unmodifiableMap(entries);
	}

	/** Super blocks whose inode list met missing bytes. */
	public Set<Long> superBlocks() {
		return Collections.unmodifiableSet(superBlocks);
	}

	/** Cached inodes ({@code struct inode} addresses) whose decoding met missing bytes (a link target, say). */
	public Set<Long> inodes() {
		return Collections.unmodifiableSet(inodes);
	}

	/** Whether the mount tree met missing bytes (then nothing the walk found is sure). */
	public boolean mounts() {
		return mounts;
	}

	public boolean isEmpty() {
		return children.isEmpty() && entries.isEmpty() && superBlocks.isEmpty() && inodes.isEmpty() && !mounts;
	}

	/** The gaps as {@code evidence-missing} findings, in the order they were met. */
	List<Finding> findings() {
		return findings;
	}

	/**
	 * Whether a cached name at {@code path}, or what the disk shows there in its stead, may be missing or out of date
	 * because of a gap: the path itself, or a directory above it whose children met missing bytes.
	 */
	public boolean unsure(String path) {
		if (mounts || entries.containsKey(path)) return true;
		if (children.isEmpty()) return false;
		for (int i = path.lastIndexOf('/'); i >= 0; i = path.lastIndexOf('/', i - 1)) {
			if (children.contains(i == 0 ? "/" : path.substring(0, i))) return true;
			if (i == 0) break;
		}
		return false;
	}
}
