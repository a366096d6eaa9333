package cacheshadow.merge;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import cacheshadow.layers.MissingBytesException;
import cacheshadow.layers.MissingReads;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.GuestPath;
import cacheshadow.listing.ManifestFormat;

/**
 * One view of the guest's file system as a tree of paths: each path's metadata, a directory's names, a regular
 * file's {@link FileContent}, a link's target. Built once by {@link MergedFileSystem}; immutable afterwards.
 */
public final class ViewTree implements FileTree {
	/** One path of the view. {@code origin} tells which side supplied the metadata. */
	record Node(String path, FileRecord attr, FileContent content, TreeSet<String> children, Origin origin, long superBlock) {
	}

	/** Where a node's metadata comes from. */
	enum Origin {
		CACHE, DISK
	}

	private final View view;
	private final String root;
	private final Map<String, Node> nodes;
	private final PathGaps gaps;

	ViewTree(View view, String root, Map<String, Node> nodes) {
		this(view, root, nodes, new PathGaps());
	}

	ViewTree(View view, String root, Map<String, Node> nodes, PathGaps gaps) {
		this.view = view;
		this.root = root;
		this.nodes = nodes;
		this.gaps = gaps;
		// children from the paths: every node under its parent (the root has none)
		for (Node n : nodes.values()) {
			if (n.path().equals(root)) continue;
			Node parent = nodes.get(GuestPath.parent(n.path()));
			if (parent != null && parent.children() != null) parent.children().add(n.path().substring(n.path().lastIndexOf('/') + 1));
		}
	}

	/** Every node, unordered (what a refresh of a running guest carries to the next). */
	Iterable<Node> nodes() {
		return nodes.values();
	}

	public View view() {
		return view;
	}

	@Override
	public String root() {
		return root;
	}

	Node node(String path) {
		return nodes.get(normalize(path));
	}

	static String normalize(String path) {
		if (path == null || path.isEmpty()) return "/";
		while (path.length() > 1 && path.endsWith("/")) path = path.substring(0, path.length() - 1);
		return path;
	}

	public boolean exists(String path) {
		return node(path) != null;
	}

	@Override
	public FileRecord getattr(String path) {
		Node n = node(path);
		return n == null ? null : n.attr();
	}

	@Override
	public List<String> readdir(String path) {
		Node n = node(path);
		if (n == null || n.children() == null) return null;
		List<String> names = new ArrayList<>(n.children());
		ManifestFormat.sortByPath(names, name -> name);
		return names;
	}

	@Override
	public int read(String path, long offset, byte[] buf, int off, int len) throws IOException {
		return content(path).read(offset, buf, off, len);
	}

	/** The content of a regular file. */
	public FileContent content(String path) throws NoSuchFileException {
		Node n = node(path);
		if (n == null || n.content() == null) throw new NoSuchFileException(path, null, n == null ? "no such path in the " + view.label() + " view" : "not a regular file");
		return n.content();
	}

	@Override
	public String readlink(String path) {
		Node n = node(path);
		return n == null ? null : n.attr().symlinkTarget();
	}

	@Override
	public List<ByteProvenance> provenance(String path) {
		Node n = node(path);
		return n == null || n.content() == null ? List.of() : n.content().provenance();
	}

	/** Every path of the view, sorted by byte order. */
	public List<String> paths() {
		List<String> sorted = this.sorted;
		if (sorted == null) {
			List<String> p = new ArrayList<>(nodes.keySet());
			ManifestFormat.sortByPath(p, n -> n);
			this.sorted = sorted = Collections.unmodifiableList(p);
		}
		return sorted;
	}

	private volatile List<String> sorted; // the tree does not change: sorted once for every listing and status

	/**
	 * The view as manifest rows sorted by path; with {@code hash}, {@code sha256} of every regular file whose every
	 * byte has a source (null where some are unknown, or missing from partial evidence: then its {@link #gaps()} say
	 * so).
	 */
	public List<FileRecord> listing(boolean hash) throws IOException {
		List<FileRecord> out = new ArrayList<>(nodes.size());
		for (String p : paths()) {
			Node n = nodes.get(p);
			FileRecord r = n.attr();
			if (hash && n.content() != null && r.type().isRegular()) {
				try (MissingReads.Watch w = MissingReads.watch()) {
					String sha;
					try {
						sha = n.content().sha256();
					} catch (MissingBytesException e) {
						sha = null;
					}
					if (w.touched()) gaps.add(p, PathGaps.Part.DATA, w.first());
					// bytes read where some were missing, or pages the cache may have had: not a hash of the file's data
					if (gaps.parts(p).contains(PathGaps.Part.DATA)) sha = null;
					r = r.withSha256(sha);
				}
			}
			out.add(r);
		}
		return out;
	}

	/** The paths of this view whose rows rest on bytes missing from partial evidence (complete once listed with hashes). */
	public PathGaps gaps() {
		return gaps;
	}

	/** Whether the path's metadata came from the guest's caches (else the disk). */
	public boolean fromCache(String path) {
		Node n = node(path);
		return n != null && n.origin() == Origin.CACHE;
	}

	static Map<String, Node> newMap() {
		return new HashMap<>();
	}
}
