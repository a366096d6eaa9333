package cacheshadow.caches;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;

import cacheshadow.kernel.AddressSet;
import cacheshadow.kernel.Btf;
import cacheshadow.kernel.LinuxKernel;
import cacheshadow.layers.Layer;
import cacheshadow.layers.MissingReads;
import cacheshadow.listing.Finding;
import cacheshadow.listing.GuestName;
import cacheshadow.listing.GuestPath;

/**
 * Walks the cached dentry tree below a mount's root. Children hang off their parent either on a list
 * ({@code d_subdirs}, linked through {@code d_child}, up to 6.7) or an hlist ({@code d_children} through
 * {@code d_sib}, from 6.8): which one is taken from the BTF. The walk is iterative (no recursion depth), remembers
 * every dentry it visited, checks that each child's {@code d_parent} is the directory it hangs under, and limits
 * list lengths and depth; anything wrong becomes a {@link Finding} and that branch is left, the rest goes on.
 * Dentries with an empty name are libfs readdir cursors, not names, and are skipped. Names are decoded into their
 * {@link GuestName} text form (a name holding {@code /}, NUL, invalid UTF-8 or control bytes, or being {@code .} or
 * {@code ..}, is shown escaped, with a {@code guest-name} finding naming its path), so paths stay unambiguous.
 */
public final class DentryWalker {
	/** Deepest directory nesting followed (PATH_MAX 4096 allows at most 2048 levels of one-letter names). */
	static final int MAX_DEPTH = 2048;
	/** Longest name read (longer ones are cut here); past {@code NAME_MAX} a name is flagged but still shown. */
	static final int MAX_NAME = 4096;
	/** {@code NAME_MAX} of include/uapi/linux/limits.h: no file system hands the dcache a longer name. */
	static final int NAME_MAX = 255;

	private final Layer vm;
	private final InodeReader inodes;
	private final List<Finding> findings;
	private final StructBuffer buf;
	private final boolean hlistChildren;
	private final long childHeadOff, siblingOff, parentOff, nameLenOff, nameOff, inodeOff, hashPprevOff, listNextOff;
	/** Offset of the first-child pointer inside the head, and of the next pointer inside a sibling link. */
	private final long headFirstOff, nextOff;
	private final long maxDentries;
	private final WalkGaps gaps;

	public DentryWalker(LinuxKernel kernel, List<Finding> findings) throws IOException {
		this(kernel, new InodeReader(kernel, findings), findings, new WalkGaps());
	}

	DentryWalker(LinuxKernel kernel, InodeReader inodes, List<Finding> findings, WalkGaps gaps) throws IOException {
		Btf b = kernel.btf();
		this.vm = kernel.virtual();
		this.inodes = inodes;
		this.findings = findings;
		this.gaps = gaps;
		this.buf = new StructBuffer(vm, b.sizeOf("dentry"));
		hlistChildren = b.hasField("dentry", "d_children");
		if (hlistChildren) {
			childHeadOff = b.field("dentry", "d_children").offset();
			siblingOff = b.field("dentry", "d_sib").offset();
		} else {
			childHeadOff = b.field("dentry", "d_subdirs").offset();
			siblingOff = b.field("dentry", "d_child").offset();
		}
		listNextOff = b.field("list_head", "next").offset();
		headFirstOff = hlistChildren ? b.field("hlist_head", "first").offset() : listNextOff;
		nextOff = hlistChildren ? b.field("hlist_node", "next").offset() : listNextOff;
		parentOff = b.field("dentry", "d_parent").offset();
		nameLenOff = b.field("dentry", "d_name.len").offset();
		nameOff = b.field("dentry", "d_name.name").offset();
		inodeOff = b.field("dentry", "d_inode").offset();
		hashPprevOff = b.field("dentry", "d_hash.pprev").offset();
		maxDentries = Math.max(1 << 16, kernel.physical().size() / b.sizeOf("dentry"));
	}

	/** Whether children are on an hlist ({@code d_children}, 6.8+) rather than a list ({@code d_subdirs}). */
	public boolean hlistChildren() {
		return hlistChildren;
	}

	/** A dentry to visit, with the fields read when its parent listed it (one read per dentry, not one per field). */
	private record Pending(long dentry, String path, int depth, long inode, boolean hashed, long head) {
	}

	/**
	 * Every name below {@code mount}'s root, the root itself included (with the mount's path).
	 *
	 * @param skip dentries not to enter (mount points of other mounts: the guest sees the mounted root there)
	 * @param ext4 whether the mount is ext4 (symlink fallback)
	 */
	public List<CachedEntry> walk(Mount mount, Set<Long> skip, boolean ext4) {
		List<CachedEntry> out = new ArrayList<>();
		AddressSet visited = new AddressSet();
		Deque<Pending> todo = new ArrayDeque<>();
		try (MissingReads.Watch w = MissingReads.watch()) {
			try {
				StructBuffer r = buf.load(mount.root());
				todo.push(new Pending(mount.root(), mount.path(), 0, r.u64(inodeOff), r.u64(hashPprevOff) != 0, r.u64(childHeadOff + headFirstOff)));
			} catch (IOException e) {
				findings.add(Finding.anomaly("dentry-unreadable", mount.root(), mount.path() + ": " + e.getMessage()));
			}
			if (w.touched()) {
				gaps.entry(mount.path(), "dentry", w.first());
				gaps.children(mount.path(), w.first());
			}
			if (todo.isEmpty()) return out;
		}
		visited.add(mount.root());
		while (!todo.isEmpty()) {
			Pending p = todo.pop();
			long d = p.dentry, inode = p.inode;
			boolean hashed = p.hashed;
			CachedInode ci = null;
			if (inode != 0) {
				try (MissingReads.Watch w = MissingReads.watch()) {
					try {
						ci = inodes.read(inode, ext4);
					} catch (IOException e) {
						findings.add(Finding.anomaly("inode-unreadable", inode, p.path + ": " + e.getMessage()));
					}
					String first = w.touched() ? w.first() : inodes.missedBy(inode);
					if (first != null) {
						// its record is unsure, or it is not listed at all (and the disk may show an older one)
						gaps.entry(p.path, ci == null ? "inode" : "link target", first);
						if (ci == null && p.depth > 0) gaps.children(GuestPath.parent(p.path), first);
					}
				}
			}
			CachedEntry.State state = inode == 0 ? CachedEntry.State.NEGATIVE
					: hashed || p.depth == 0 ? CachedEntry.State.POSITIVE : CachedEntry.State.UNHASHED;
			if (inode == 0 || ci != null) out.add(new CachedEntry(p.path, state, d, ci, mount));
			if (ci == null || !ci.isDirectory()) continue;
			if (p.depth >= MAX_DEPTH) {
				findings.add(Finding.anomaly("dentry-too-deep", d, p.path + ": deeper than " + MAX_DEPTH + " levels"));
				continue;
			}
			try (MissingReads.Watch w = MissingReads.watch()) {
				walkChildren(p, skip, visited, todo, mount);
				if (w.touched()) gaps.children(p.path, w.first());
			}
			if (visited.size() > maxDentries) return out;
		}
		return out;
	}

	/** Queues the children of the directory {@code p} (one read of each child's dentry). */
	private void walkChildren(Pending p, Set<Long> skip, AddressSet visited, Deque<Pending> todo, Mount mount) {
		long d = p.dentry;
		KernelListWalk children = children(d, p.head, p.path);
		for (int i = children.count() - 1; i >= 0; i--) {
			long c = children.node(i) - siblingOff;
			if (skip.contains(c)) continue;
			if (!visited.add(c)) {
				findings.add(Finding.anomaly("dentry-revisited", c, "dentry under " + p.path + " was already reached elsewhere (cycle)"));
				continue;
			}
			if (visited.size() > maxDentries) {
				findings.add(Finding.anomaly("dentry-count", d, "more than " + maxDentries + " dentries under " + mount.path() + "; walk stopped"));
				return;
			}
			String name;
			StructBuffer cs;
			try {
				cs = buf.load(c);
				if (cs.u64(parentOff) != d) {
					findings.add(Finding.anomaly("dentry-parent-mismatch", c, "child of " + p.path + " whose d_parent points elsewhere"));
					continue;
				}
				long len = cs.u32(nameLenOff);
				if (len == 0) continue; // readdir cursor
				name = name(cs, nameOff, len);
				if (len > NAME_MAX) {
					findings.add(Finding.anomaly("dentry-name-length", c, "name of " + len + " bytes under " + p.path
							+ (len > MAX_NAME ? " (shown cut to " + MAX_NAME + ")" : "")));
				}
				if (GuestName.escaped(name)) {
					// '/', NUL, '.', '..', invalid UTF-8, controls: the name is in its escaped text form; say so, with the path
					Finding f = GuestName.finding(GuestPath.child(p.path, name), String.format("dentry 0x%x", c));
					if (f != null) findings.add(f);
				}
			} catch (IOException e) {
				findings.add(Finding.anomaly("dentry-unreadable", c, "child of " + p.path + ": " + e.getMessage()));
				continue;
			}
			todo.push(new Pending(c, GuestPath.child(p.path, name), p.depth + 1, cs.u64(inodeOff), cs.u64(hashPprevOff) != 0,
					cs.u64(childHeadOff + headFirstOff)));
		}
	}

	/**
	 * The sibling links of the children in list order (the child dentry is {@code node - siblingOff}); a loop or an
	 * unreadable link ends the list with a finding.
	 */
	private KernelListWalk children(long d, long first, String path) {
		long head = d + childHeadOff;
		KernelListWalk list = KernelListWalk.walk(first, hlistChildren ? 0 : head, node -> vm.readU64(node + nextOff),
				(int) Math.min(maxDentries, Integer.MAX_VALUE - 8));
		switch (list.outcome()) {
		case CYCLE -> findings.add(Finding.anomaly("dentry-child-list-cycle", list.at(), "child list of " + path + " loops"));
		case TOO_LONG -> findings.add(Finding.anomaly("dentry-child-list-length", head, "child list of " + path + " longer than " + maxDentries));
		case BROKEN -> findings.add(Finding.anomaly("dentry-child-list-broken", list.at(), "child list of " + path + ": " + list.problem()));
		case END -> {
		}
		}
		return list;
	}

	/**
	 * The name of the dentry in {@code s}, in its {@link GuestName} text form: short names sit inline in the dentry
	 * ({@code d_iname}, where the pointer then points), so they come from the buffer without another read.
	 */
	private String name(StructBuffer s, long nameField, long len) throws IOException {
		long ptr = s.u64(nameField);
		int n = (int) Math.min(len, MAX_NAME);
		long off = ptr - s.address();
		// compared without adding: a planted pointer just below 2^63 past the dentry made off + n wrap negative
		if (off >= 0 && off <= s.size() - n) return s.name(off, n);
		return nameAt(vm, ptr, len);
	}

	/**
	 * A {@code qstr} name: {@code nameField} holds the pointer to {@code len} bytes (cut at {@link #MAX_NAME}), in its
	 * {@link GuestName} text form.
	 */
	static String name(Layer vm, long nameField, long len) throws IOException {
		return nameAt(vm, vm.readU64(nameField), len);
	}

	private static String nameAt(Layer vm, long ptr, long len) throws IOException {
		byte[] b = new byte[(int) Math.min(len, MAX_NAME)];
		vm.read(ptr, b, 0, b.length);
		return GuestName.of(b);
	}
}
