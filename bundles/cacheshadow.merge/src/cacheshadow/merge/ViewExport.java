package cacheshadow.merge;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import cacheshadow.layers.AtomicFile;
import cacheshadow.layers.MissingBytesException;
import cacheshadow.layers.MissingReads;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.FileType;
import cacheshadow.listing.Finding;
import cacheshadow.listing.GuestName;
import cacheshadow.listing.GuestPath;
import cacheshadow.listing.ManifestFormat;

/**
 * Exports a subtree of one view as files (a directory or a pax tar) with each path's mode, owner, mtime (with
 * nanoseconds) and atime (seconds, the manifest's precision) — unlike tools that stamp every file with the export
 * time — hard links kept as links, plus a provenance sidecar (TSV: every byte range of every regular file and its
 * source) and a manifest sidecar (the exported paths in the ground-truth columns). A ctime cannot be set by any
 * user-space call: the manifest sidecar (and the tar's pax {@code ctime}) records it. Device nodes, fifos and
 * sockets are listed in the manifest sidecar but not created.
 *
 * <h2>The examiner's machine stays safe</h2>
 * The guest chose every name and every link target, so nothing it chose decides where a byte lands on the host:
 * <ul>
 * <li>every output path is built component by component under the target from the guest path's names, each
 * written as {@link GuestName#hostName}: the escaped text form (never empty, {@code .}, {@code ..}, never holding
 * {@code /} or NUL), shortened with a hash past the host's 255 bytes; a host path past {@code PATH_MAX} is not
 * written. A name not written as the guest's bytes gets a {@code export-name} finding and a {@code host-name} row
 * in the provenance sidecar (guest path, {@code -}, {@code -}, {@code host-name}, the path written relative to the
 * output);</li>
 * <li>a path is written only below a directory this export made (or found as a real directory) for its guest
 * parent: never through a symbolic link, neither one already on the host (an {@code export-host-symlink} finding;
 * that subtree is left out) nor one the export itself created from the guest (a guest path whose parent is a link
 * or not a directory: {@code export-skipped}). Every directory and file is made by its name relative to its open
 * parent directory ({@link HostDirectory}: {@code mkdirat}, {@code openat} with {@code O_NOFOLLOW}), never by a path,
 * so a directory of the export that a host process swaps for a link mid-export is not passed through (reopened by
 * name it is an {@code export-host-symlink}). Files are created with {@code O_CREAT|O_EXCL|O_NOFOLLOW}, an existing
 * leaf is unlinked (never followed) first, and owner, mode and times are set on the open file or without following;</li>
 * <li>modes are masked: no setuid, setgid, sticky or world-writable bit reaches the host (the manifest sidecar
 * keeps the guest's mode; an INFO {@code export-mode-masked} finding each);</li>
 * <li>in a tar, member names are the same relative host paths (never absolute, never a {@code ..}), every member's
 * parent is a directory member written before it, and each member whose name or mode changed carries a pax
 * {@code comment} record {@code cacheshadow: guest mode OOOO; guest path P} (the guest's permission bits, its path).</li>
 * </ul>
 * Nothing the export refuses stops it: the rest is written, and {@link Result#findings} says what was not.
 * <p>
 * A crash (a kill) in the middle: the tar and the sidecars appear whole or not at all ({@link AtomicFile}); a
 * directory is written in place, and exporting again into it replaces what is there (the command line marks a
 * finished export with a file written last).
 */
public final class ViewExport {
	/**
	 * What an export wrote. {@code notes} lists what could not be written or applied, one line each;
	 * {@code findings} the same and every name or mode that was written other than the guest has it.
	 */
	public record Result(int files, int directories, int symlinks, int hardLinks, long bytes, List<String> notes, List<Finding> findings) {
	}

	/** Longest absolute path the host's system calls take ({@code PATH_MAX} 4096 with its NUL). */
	static final int PATH_MAX = 4095;
	/** Permission bits that reach the host: no setuid, setgid, sticky or world-writable bit. */
	static final int HOST_MODE_MASK = 0775;

	private final ViewTree tree;
	private final String under;
	private final List<String> notes = new ArrayList<>();
	private final List<Finding> findings = new ArrayList<>();
	/** guest path → path written relative to the output, for every path whose own name was not written as it is. */
	private final Map<String, String> renamed = new LinkedHashMap<>();
	private int files, dirs, links, hardLinks;
	private long bytes;

	private ViewExport(ViewTree tree, String under) {
		this.tree = tree;
		this.under = ViewTree.normalize(under == null ? tree.root() : under);
	}

	/** The paths to export: {@code under} and everything below it, parents before children. */
	private List<String> paths() throws IOException {
		if (!tree.exists(under)) throw new NoSuchFileException(under, null, "no such path in the " + tree.view().label() + " view");
		List<String> out = new ArrayList<>();
		for (String p : tree.paths()) if (p.equals(under) || under.equals("/") || p.startsWith(under + "/")) out.add(p);
		return out; // byte order puts every directory before its children
	}

	/** Paths not written; what lies below one is left out without a finding of its own. */
	private final Set<String> skipped = new HashSet<>();

	private void refuse(String kind, String path, String why) {
		skipped.add(path);
		findings.add(new Finding(Finding.Severity.ANOMALY, kind, path, why));
		notes.add(path + ": " + why);
	}

	/** Whether {@code p} lies below a path already refused (then it is left out too, silently). */
	private boolean belowSkipped(String p) {
		if (p.equals(under) ? skipped.contains("") : skipped.contains(GuestPath.parent(p))) {
			skipped.add(p);
			return true;
		}
		return false;
	}

	/**
	 * The host name of the last name of {@code p} (guest path in text form); a rename is recorded. Null when the path
	 * has no valid last name (empty: a malformed path of the view).
	 */
	private String hostName(String p) {
		String name = GuestName.lastName(p);
		if (name.isEmpty()) return null;
		return GuestName.hostName(name);
	}

	private void noteRename(String p, String name, String host, String relative) {
		if (host.equals(name) && !GuestName.escaped(name)) return;
		renamed.put(p, relative);
		List<String> why = new ArrayList<>();
		if (!GuestName.validComponent(name)) why.add("not a valid name on the host");
		if (GuestName.shortened(host)) why.add("longer than " + GuestName.NAME_MAX + " bytes on the host, shortened");
		if (GuestName.escaped(name)) {
			try {
				why.addAll(GuestName.problems(name));
			} catch (IllegalArgumentException e) {
				why.add("not in the escaped text form");
			}
		}
		findings.add(new Finding(why.contains("contains a backslash") && why.size() == 1 ? Finding.Severity.INFO : Finding.Severity.WARNING,
				"export-name", p, "written as " + relative + " (" + String.join(", ", why) + "; provenance sidecar row host-name)"));
	}

	/** The guest path's directories above {@code under}, as host names joined by '/' ("" for none). */
	private List<String> ancestorNames() {
		List<String> out = new ArrayList<>();
		if (under.equals("/")) return out;
		String[] parts = under.substring(1).split("/", -1);
		for (int i = 0; i < parts.length - 1; i++) {
			if (parts[i].isEmpty()) continue;
			out.add(GuestName.hostName(parts[i]));
		}
		return out;
	}

	// ---- directory

	/**
	 * Exports into {@code dir} (created if needed): guest path {@code /a/b} becomes {@code dir/a/b} (names as
	 * {@link GuestName#hostName}); see the class comment for what is never done.
	 */
	public static Result toDirectory(ViewTree tree, String under, Path dir, Path provenanceSidecar, Path manifestSidecar) throws IOException {
		ViewExport x = new ViewExport(tree, under);
		List<String> paths = x.paths();
		try (HostDirectory root = HostDirectory.open(dir); OpenDirectories open = new OpenDirectories(root)) {
			x.writeDirectories(paths, root, open);
		}
		x.sidecars(paths, provenanceSidecar, manifestSidecar);
		return x.result();
	}

	/**
	 * The host directories an export made, by guest path: the examiner's folder ("/") and the most recently used
	 * {@link #HELD} open, any other opened again name by name from the nearest open one — never through a link
	 * ({@link HostDirectory#existingDirectory}), so one swapped for a link on the host meanwhile is refused, not followed.
	 */
	private static final class OpenDirectories implements AutoCloseable {
		static final int HELD = 64;

		record Made(String parent, String name, String relative) {
		}

		/** A made directory that could not be opened again: {@code guest} is its guest path. */
		static final class Gone extends IOException {
			private static final long serialVersionUID = 1L;
			final String guest;

			Gone(String guest, IOException cause) {
				super(cause.getMessage(), cause);
				this.guest = guest;
			}
		}

		private final HostDirectory root;
		private final Map<String, Made> made = new HashMap<>();
		private final LinkedHashMap<String, HostDirectory> open = new LinkedHashMap<>(16, 0.75f, true);

		OpenDirectories(HostDirectory root) {
			this.root = root;
			made.put("/", new Made(null, null, ""));
		}

		boolean has(String guest) {
			return made.containsKey(guest);
		}

		/** The host path of {@code guest} relative to the output ("" for the output itself). */
		String relative(String guest) {
			return made.get(guest).relative();
		}

		/** Makes (or finds as a real directory) the directory {@code name} in {@code parent}'s for guest directory {@code guest}. */
		void make(String guest, String parent, String name) throws IOException {
			HostDirectory d = get(parent).directory(name);
			String pr = relative(parent);
			made.put(guest, new Made(parent, name, pr.isEmpty() ? name : pr + "/" + name));
			HostDirectory old = open.put(guest, d);
			if (old != null) old.close();
		}

		/** The open directory of {@code guest}, a directory made here; {@link Gone} when it cannot be opened again. */
		HostDirectory get(String guest) throws Gone {
			List<String> chain = new ArrayList<>();
			String g = guest;
			HostDirectory d;
			while ((d = g.equals("/") ? root : open.get(g)) == null) {
				chain.add(g);
				g = made.get(g).parent();
			}
			for (int i = chain.size() - 1; i >= 0; i--) {
				String c = chain.get(i);
				try {
					d = d.existingDirectory(made.get(c).name());
				} catch (IOException e) {
					throw new Gone(c, e);
				}
				open.put(c, d);
			}
			return d;
		}

		/** Closes the least recently used past {@link #HELD}; between paths, so no directory in use is closed. */
		void trim() {
			for (var i = open.values().iterator(); open.size() > HELD && i.hasNext();) {
				i.next().close();
				i.remove();
			}
		}

		@Override
		public void close() {
			open.values().forEach(HostDirectory::close);
			open.clear();
		}
	}

	private void writeDirectories(List<String> paths, HostDirectory root, OpenDirectories open) {
		// the guest directories above under, by their guest paths, then under's own parent
		String top = "/";
		if (!under.equals("/")) {
			for (String part : under.substring(1).split("/", -1)) {
				if (part.isEmpty()) continue;
				String g = (top.equals("/") ? "" : top) + "/" + part;
				if (g.equals(under)) break;
				if (!makeDirectory(open, g, top, GuestName.hostName(part), root)) {
					skipped.add("");
					break;
				}
				top = g;
			}
		}
		Map<String, String[]> firstOfInode = new HashMap<>(); // inode → guest parent and host name of its first path
		List<String> directories = new ArrayList<>();
		Map<String, FileRecord> attrs = new HashMap<>();
		for (String p : paths) {
			open.trim();
			if (belowSkipped(p)) continue;
			FileRecord r = tree.getattr(p);
			if (r == null) {
				refuse("export-skipped", p, "listed by the view but without metadata; not written");
				continue;
			}
			if (p.equals("/")) {
				if (r.type() != FileType.DIRECTORY) {
					refuse("export-skipped", p, "the root is a " + r.type().label() + " in the view; not written");
					continue;
				}
				directories.add(p);
				attrs.put(p, r);
				dirs++;
				continue;
			}
			String parentKey = p.equals(under) ? top : GuestPath.parent(p);
			if (!open.has(parentKey)) {
				if (!p.equals(under)) {
					FileRecord pr = tree.getattr(GuestPath.parent(p));
					refuse("export-skipped", p, "its parent " + GuestPath.parent(p) + (pr == null ? " is not in the view"
							: pr.type() != FileType.DIRECTORY ? " is a " + pr.type().label() + " in the view" : " was not written")
							+ "; not written, nor anything below it (nothing is written through a link)");
				}
				continue;
			}
			String host = hostName(p);
			if (host == null) {
				refuse("export-skipped", p, "malformed path (empty name); not written");
				continue;
			}
			String pr = open.relative(parentKey);
			String rel = pr.isEmpty() ? host : pr + "/" + host;
			noteRename(p, GuestName.lastName(p), host, rel);
			int length = (root + "/" + rel).getBytes(StandardCharsets.UTF_8).length;
			if (length > PATH_MAX) {
				refuse("export-path-too-long", p, "host path of " + length + " bytes exceeds PATH_MAX; not written (the tar export keeps it)");
				continue;
			}
			String key = tree.node(p).superBlock() + ":" + r.inode();
			try {
				switch (r.type()) {
				case DIRECTORY -> {
					if (!makeDirectory(open, p, parentKey, host, root)) continue;
					directories.add(p);
					attrs.put(p, r);
					dirs++;
				}
				case SYMLINK -> {
					HostDirectory parent = open.get(parentKey);
					if (!removeLeaf(parent, host, p)) continue;
					String t = r.symlinkTarget();
					if (t == null) {
						refuse("export-skipped", p, "symbolic link whose target is unknown in the evidence; not created");
						continue;
					}
					Path link;
					try {
						link = Path.of(t);
					} catch (InvalidPathException e) {
						refuse("export-skipped", p, "link target not representable on the host (" + e.getReason() + "); not created");
						continue;
					}
					// the target is data: the link is created, never followed by the export (nothing is written below a
					// link, its owner and times are set with AT_SYMLINK_NOFOLLOW)
					parent.symlink(link.toString(), host);
					if (!link.toString().equals(t)) {
						findings.add(new Finding(Finding.Severity.INFO, "export-link-target", p, "link target written as " + link + " (the host's path syntax normalized it)"));
					}
					links++;
					try {
						parent.linkAttributes(host, (int) r.uid(), (int) r.gid(), r.atime(), r.mtime(), r.mtimeNanos());
					} catch (IOException e) {
						notes.add(p + ": owner or times not applied (" + e.getMessage() + ")");
					}
				}
				case REGULAR, REGULAR_EMPTY -> {
					String[] first = r.nlink() > 1 ? firstOfInode.get(key) : null;
					HostDirectory parent = open.get(parentKey);
					if (!removeLeaf(parent, host, p)) continue;
					if (first != null) {
						parent.link(open.get(first[0]), first[1], host);
						hardLinks++;
						continue;
					}
					try (HostDirectory.HostFile f = parent.createFile(host)) {
						copy(p, r, f::write);
						try {
							f.attributes((int) r.uid(), (int) r.gid(), hostMode(p, r), r.atime(), r.mtime(), r.mtimeNanos());
						} catch (IOException e) {
							notes.add(p + ": " + e.getMessage());
						}
					}
					firstOfInode.put(key, new String[] { parentKey, host });
					files++;
				}
				default -> notes.add(p + ": " + r.type().label() + " not created (listed in the manifest sidecar)");
				}
			} catch (OpenDirectories.Gone e) {
				hostChanged(e, root, open);
				if (p.startsWith(e.guest + "/")) skipped.add(p);
				else refuse("export-failed", p, "not written: the directory of its first link, " + e.guest + ", was replaced on the host");
			} catch (IOException e) {
				refuse("export-failed", p, "not written: " + e);
			}
		}
		// directories deepest first, so writing their children does not move their times again
		for (int i = directories.size() - 1; i >= 0; i--) {
			open.trim();
			String p = directories.get(i);
			FileRecord r = attrs.get(p);
			try {
				open.get(p).attributes((int) r.uid(), (int) r.gid(), hostMode(p, r), r.atime(), r.mtime(), r.mtimeNanos());
			} catch (OpenDirectories.Gone e) {
				hostChanged(e, root, open);
			} catch (IOException e) {
				notes.add(p + ": " + e.getMessage());
			}
		}
	}

	/** A directory this export made was replaced on the host (a link now, or gone): refused once, with what is below it. */
	private void hostChanged(OpenDirectories.Gone e, HostDirectory root, OpenDirectories open) {
		if (skipped.contains(e.guest)) return;
		boolean link = e.getCause() instanceof HostDirectory.LinkFound;
		refuse(link ? "export-host-symlink" : "export-failed", e.guest, root + "/" + open.relative(e.guest) + (link ? " was made by this export and is a symbolic link on the host now"
				: " was made by this export and cannot be opened now (" + e.getMessage() + ")") + "; not followed, nothing more written below it");
	}

	/**
	 * Makes the directory {@code host} for {@code p}, or finds it a real directory already (not a link to one): false,
	 * with a finding, when something else is there — that subtree is then left out.
	 */
	private boolean makeDirectory(OpenDirectories open, String p, String parent, String host, HostDirectory root) {
		String shown = root + "/" + (open.relative(parent).isEmpty() ? "" : open.relative(parent) + "/") + host;
		try {
			open.make(p, parent, host); // mkdirat(2): an existing name, a symlink included, is EEXIST, never followed
			return true;
		} catch (OpenDirectories.Gone e) {
			hostChanged(e, root, open);
			skipped.add(p);
		} catch (HostDirectory.LinkFound e) {
			refuse("export-host-symlink", p, shown + " is a symbolic link on the host; not followed, nothing written below it");
		} catch (java.nio.file.NotDirectoryException e) {
			refuse("export-skipped", p, shown + " exists and is not a directory; not followed, nothing written below it");
		} catch (IOException e) {
			refuse("export-failed", p, "directory " + shown + " not created: " + e);
		}
		return false;
	}

	/** Removes what is at {@code host} from an earlier export (unlinked, never followed); false for a directory. */
	private boolean removeLeaf(HostDirectory parent, String host, String p) throws IOException {
		if (parent.removeLeaf(host)) return true;
		refuse("export-skipped", p, parent + "/" + host + " is a directory on the host; not replaced");
		return false;
	}

	// ---- tar

	/**
	 * Exports as a pax tar file; member names are the guest paths without the leading slash, names as
	 * {@link GuestName#hostName} (the same relative paths a directory export writes).
	 */
	public static Result toTar(ViewTree tree, String under, Path tarFile, Path provenanceSidecar, Path manifestSidecar) throws IOException {
		ViewExport x = new ViewExport(tree, under);
		List<String> paths = x.paths();
		Map<String, String> firstOfInode = new HashMap<>();
		Map<String, String> dirMembers = new HashMap<>(); // guest directory → its member name (with '/')
		String top = String.join("/", x.ancestorNames());
		Set<String> names = new HashSet<>();
		try (AtomicFile file = AtomicFile.create(tarFile)) { // an interrupted export leaves no tar that ends early
			try (PaxTarStream t = new PaxTarStream(new BufferedOutputStream(file.stream(), 1 << 16))) {
				for (String p : paths) {
					if (x.belowSkipped(p)) continue;
					FileRecord r = tree.getattr(p);
					if (r == null) {
						x.refuse("export-skipped", p, "listed by the view but without metadata; not archived");
						continue;
					}
					String parent = p.equals(x.under) ? (top.isEmpty() ? "" : top + "/") : dirMembers.get(GuestPath.parent(p));
					if (parent == null) {
						FileRecord pr = tree.getattr(GuestPath.parent(p));
						x.refuse("export-skipped", p, "its parent " + GuestPath.parent(p) + (pr == null ? " is not in the view"
								: pr.type() != FileType.DIRECTORY ? " is a " + pr.type().label() + " in the view" : " was not archived")
								+ "; not archived, nor anything below it (no member is placed below a link)");
						continue;
					}
					String name;
					if (p.equals("/")) {
						name = "./";
					} else {
						String host = x.hostName(p);
						if (host == null) {
							x.refuse("export-skipped", p, "malformed path (empty name); not archived");
							continue;
						}
						name = (parent.equals("./") ? host : parent + host) + (r.type() == FileType.DIRECTORY ? "/" : "");
						x.noteRename(p, GuestName.lastName(p), host, name);
					}
					if (!names.add(name)) {
						x.refuse("export-skipped", p, "a member named " + name + " was already archived; not archived twice");
						continue;
					}
					String key = tree.node(p).superBlock() + ":" + r.inode();
					Map<String, String> extra = x.guestRecords(p, name, r);
					int mode = x.hostMode(p, r);
					switch (r.type()) {
					case DIRECTORY -> {
						t.entry(name, PaxTarStream.DIRECTORY, mode, r.uid(), r.gid(), 0, r.mtime(), r.mtimeNanos(), r.atime(), r.ctime(), null, extra);
						dirMembers.put(p, name);
						x.dirs++;
					}
					case SYMLINK -> {
						// The target is stored as data (linkpath), as the guest had it, absolute or with '..' included: a
						// link to /etc/passwd inside a tar harms nothing by itself. What would harm — a later member written
						// through the link — cannot happen: every member's parent is a directory member of this archive
						// (dirMembers), never a link, and GNU tar also defers such links until the end of extraction.
						t.entry(name, PaxTarStream.SYMLINK, mode, r.uid(), r.gid(), 0, r.mtime(), r.mtimeNanos(), r.atime(), r.ctime(), r.symlinkTarget(), extra);
						if (r.symlinkTarget() == null) x.notes.add(p + ": link target unknown in the evidence; archived without one");
						x.links++;
					}
					case REGULAR, REGULAR_EMPTY -> {
						String first = r.nlink() > 1 ? firstOfInode.get(key) : null;
						if (first != null) {
							t.entry(name, PaxTarStream.HARDLINK, mode, r.uid(), r.gid(), 0, r.mtime(), r.mtimeNanos(), r.atime(), r.ctime(), first, extra);
							x.hardLinks++;
							continue;
						}
						t.entry(name, PaxTarStream.REGULAR, mode, r.uid(), r.gid(), r.size(), r.mtime(), r.mtimeNanos(), r.atime(), r.ctime(), null, extra);
						x.copy(p, r, t::data);
						t.endData();
						firstOfInode.put(key, name);
						x.files++;
					}
					case FIFO -> {
						t.entry(name, PaxTarStream.FIFO, mode, r.uid(), r.gid(), 0, r.mtime(), r.mtimeNanos(), r.atime(), r.ctime(), null, extra);
					}
					default -> x.notes.add(p + ": " + r.type().label() + " not archived (device numbers are not recovered; listed in the manifest sidecar)");
					}
				}
			}
			file.commit();
		}
		x.sidecars(paths, provenanceSidecar, manifestSidecar);
		return x.result();
	}

	/**
	 * A pax {@code comment} record (which extractors ignore, silently) for a member written other than the guest has
	 * it: {@code cacheshadow: guest mode OOOO; guest path P} (either part alone; the path last, whole).
	 */
	private Map<String, String> guestRecords(String p, String member, FileRecord r) {
		List<String> parts = new ArrayList<>();
		if (r.type() != FileType.SYMLINK && (r.permissions() & ~HOST_MODE_MASK) != 0) parts.add("guest mode " + Integer.toOctalString(r.permissions()));
		if (renamed.containsKey(p)) parts.add("guest path " + p);
		return parts.isEmpty() ? Map.of() : Map.of("comment", "cacheshadow: " + String.join("; ", parts));
	}

	/** The permission bits written to the host: masked by {@link #HOST_MODE_MASK}, with a finding when that changed them. */
	private int hostMode(String p, FileRecord r) {
		if (r.type() == FileType.SYMLINK) return r.permissions(); // a link's own mode means nothing on Linux
		int m = r.permissions() & HOST_MODE_MASK;
		if (m != r.permissions()) {
			findings.add(new Finding(Finding.Severity.INFO, "export-mode-masked", p, "mode " + Integer.toOctalString(r.permissions()) + " written as "
					+ Integer.toOctalString(m) + " (no setuid, setgid, sticky or world-writable bit on the host; the manifest sidecar has the guest's)"));
		}
		return m;
	}

	private Result result() {
		return new Result(files, dirs, links, hardLinks, bytes, List.copyOf(notes), List.copyOf(findings));
	}

	private interface Sink {
		void write(byte[] b, int off, int len) throws IOException;
	}

	private void copy(String p, FileRecord r, Sink sink) throws IOException {
		byte[] buf = new byte[1 << 16];
		long pos = 0;
		List<long[]> missing = new ArrayList<>();
		try (MissingReads.Watch w = MissingReads.watch()) {
			while (pos < r.size()) {
				int want = (int) Math.min(buf.length, r.size() - pos);
				int k;
				try {
					k = tree.read(p, pos, buf, 0, want);
				} catch (MissingBytesException e) {
					k = readAroundMissing(p, pos, buf, want, missing);
				}
				if (k <= 0) break;
				sink.write(buf, 0, k);
				pos += k;
			}
			if (w.touched()) tree.gaps().add(p, PathGaps.Part.DATA, w.first());
		}
		for (long[] m : missing) notes.add(p + ": bytes " + m[0] + ".." + m[1] + " missing from the evidence (cut short), written as zeros");
		if (pos < r.size()) notes.add(p + ": only " + pos + " of " + r.size() + " bytes readable");
		bytes += pos;
		for (ByteProvenance b : tree.provenance(p)) {
			if (b.source() == ByteProvenance.Source.UNKNOWN) {
				notes.add(p + ": bytes " + b.offset() + ".." + b.end() + " unknown in the evidence, written as zeros");
			}
		}
	}

	/**
	 * Reads {@code want} bytes at {@code pos} a page at a time: pages whose bytes are missing from partial evidence are
	 * zeros in {@code buf} and added to {@code missing} ({start, end} file offsets, adjacent ones joined).
	 */
	private int readAroundMissing(String p, long pos, byte[] buf, int want, List<long[]> missing) throws IOException {
		int at = 0;
		while (at < want) {
			int n = (int) Math.min(want - at, FileContent.PAGE - (pos + at) % FileContent.PAGE);
			try {
				int got = tree.read(p, pos + at, buf, at, n);
				if (got <= 0) break;
				at += got;
				continue;
			} catch (MissingBytesException e) {
				java.util.Arrays.fill(buf, at, at + n, (byte) 0);
			}
			long[] last = missing.isEmpty() ? null : missing.get(missing.size() - 1);
			if (last != null && last[1] == pos + at) last[1] += n;
			else missing.add(new long[] { pos + at, pos + at + n });
			at += n;
		}
		return at;
	}

	/** The sidecars, each whole or not at all ({@link AtomicFile}). */
	private void sidecars(List<String> paths, Path provenance, Path manifest) throws IOException {
		if (provenance != null) {
			AtomicFile.writeText(provenance, w -> {
				w.write("path\toffset\tlength\tsource\tdisk_block\n");
				for (String p : paths) {
					String host = renamed.get(p);
					// a name not written as the guest's bytes: the path it was written under, relative to the output
					if (host != null) w.write(p + "\t-\t-\thost-name\t" + host + "\n");
					for (ByteProvenance b : tree.provenance(p)) {
						w.write(p + "\t" + b.offset() + "\t" + b.length() + "\t" + b.source().label() + "\t" + (b.diskBlock() < 0 ? "-" : Long.toString(b.diskBlock())) + "\n");
					}
				}
			});
		}
		Set<String> wanted = new HashSet<>(paths);
		List<FileRecord> rs = new ArrayList<>();
		// listed with hashes: what of each row rests on bytes missing from partial evidence is complete from here
		if (manifest != null) for (FileRecord r : tree.listing(true)) if (wanted.contains(r.path())) rs.add(r);
		List<String> unsure = new ArrayList<>();
		for (String p : paths) if (!tree.gaps().parts(p).isEmpty()) unsure.add(p);
		for (String p : unsure) {
			findings.add(new Finding(Finding.Severity.WARNING, "evidence-missing", p, "exported, but rests on bytes missing from the evidence: "
					+ tree.gaps().column(p) + " (first: " + tree.gaps().first(p) + "); it may not be what the guest had"));
		}
		if (manifest != null) {
			// with partial evidence, the column the analysis writes too (listing/FORMAT.md): what of each row is unsure
			List<String> columns = unsure.isEmpty() ? List.of() : List.of("missing");
			AtomicFile.writeText(manifest, w -> {
				w.write(ManifestFormat.header(columns));
				w.write('\n');
				for (FileRecord r : rs) {
					w.write(ManifestFormat.line(r, columns.isEmpty() ? List.of() : List.of(tree.gaps().column(r.path()))));
					w.write('\n');
				}
			});
		}
	}
}
