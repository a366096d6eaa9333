package cacheshadow.fuse;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import cacheshadow.listing.FileRecord;
import cacheshadow.listing.GuestName;

/**
 * A tree's names as the kernel can take them: each name is presented as {@link GuestName#hostName} — the tree's
 * names are already in the escaped text form (no {@code /}, NUL, {@code .} or {@code ..}), and one longer than the
 * kernel's 255 bytes is shortened with a hash of the whole name — and names are unique per directory (a second
 * entry that would show under a name already shown is left out and reported once). Paths the kernel asks for are
 * mapped back; a component that holds no backslash is one of the tree's names as it is, so only directories with
 * escaped or shortened names are ever listed for the mapping. The {@code path} attribute still gives the guest path.
 */
public final class HostNamedTree implements MountedTree {
	private final MountedTree tree;
	private final Consumer<String> problems;
	/** tree directory path → (host name → tree name), for directories whose names needed mapping. */
	private final Map<String, Map<String, String>> mapped = new ConcurrentHashMap<>();
	private final Set<String> reported = ConcurrentHashMap.newKeySet();

	public HostNamedTree(MountedTree tree, Consumer<String> problems) {
		this.tree = tree;
		this.problems = problems;
	}

	/** Wraps {@code tree} unless it already is one (or serves generations that each are one). */
	public static MountedTree of(MountedTree tree, Consumer<String> problems) {
		return tree instanceof HostNamedTree || tree instanceof LiveMountTree ? tree : new HostNamedTree(tree, problems);
	}

	/** host name → tree name of one directory of the tree, in the tree's order; null when not a directory. */
	private Map<String, String> names(String treeDir) throws IOException {
		Map<String, String> m = mapped.get(treeDir);
		if (m != null) return m;
		List<String> names = tree.readdir(treeDir);
		if (names == null) return null;
		m = new LinkedHashMap<>();
		for (String n : names) {
			if (n.isEmpty()) {
				report("an empty name in " + treeDir + " is not shown");
				continue;
			}
			String host = GuestName.hostName(n);
			if (m.putIfAbsent(host, n) != null) report(GuestName.printable(treeDir) + ": a second entry shown as " + host + " is not shown");
		}
		mapped.put(treeDir, m);
		return m;
	}

	private void report(String message) {
		if (reported.add(message)) problems.accept(message);
	}

	/** The tree path of a host path, or null when some component names nothing. */
	String toTree(String hostPath) throws IOException {
		if (hostPath.indexOf('\\') < 0) return hostPath; // plain names are the tree's own
		StringBuilder out = new StringBuilder();
		for (String c : hostPath.split("/")) {
			if (c.isEmpty()) continue;
			String dir = out.length() == 0 ? "/" : out.toString();
			String name = c;
			if (c.indexOf('\\') >= 0) {
				Map<String, String> m = names(dir);
				name = m == null ? null : m.get(c);
				if (name == null) return null;
			}
			out.append('/').append(name);
		}
		return out.length() == 0 ? "/" : out.toString();
	}

	@Override
	public FileRecord getattr(String path) throws IOException {
		String p = toTree(path);
		return p == null ? null : tree.getattr(p);
	}

	@Override
	public List<String> readdir(String path) throws IOException {
		String p = toTree(path);
		if (p == null) return null;
		List<String> names = tree.readdir(p);
		if (names == null) return null;
		boolean plain = true;
		Set<String> seen = new HashSet<>();
		for (String n : names) {
			if (n.isEmpty() || !n.equals(GuestName.hostName(n)) || !seen.add(n)) {
				plain = false;
				break;
			}
		}
		if (plain) return names;
		return new ArrayList<>(names(p).keySet());
	}

	@Override
	public int read(String path, long offset, byte[] buf, int off, int len) throws IOException {
		String p = toTree(path);
		if (p == null) throw new java.nio.file.NoSuchFileException(path);
		return tree.read(p, offset, buf, off, len);
	}

	@Override
	public OpenFile open(String path) throws IOException {
		String p = toTree(path);
		if (p == null) throw new java.nio.file.NoSuchFileException(path);
		return tree.open(p);
	}

	@Override
	public String readlink(String path) throws IOException {
		String p = toTree(path);
		return p == null ? null : tree.readlink(p);
	}

	@Override
	public long[] capacity() {
		return tree.capacity();
	}

	@Override
	public List<String> attributeNames(String path) throws IOException {
		String p = toTree(path);
		return p == null ? List.of() : tree.attributeNames(p);
	}

	@Override
	public String attribute(String path, String name) throws IOException {
		String p = toTree(path);
		return p == null ? null : tree.attribute(p, name);
	}

	/** The tree served. */
	public MountedTree tree() {
		return tree;
	}
}
