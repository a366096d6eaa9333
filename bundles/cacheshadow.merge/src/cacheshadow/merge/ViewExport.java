package cacheshadow.merge;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
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
 * or not a directory: {@code export-skipped}). Files are created with {@code O_CREAT|O_EXCL|O_NOFOLLOW}, an existing
 * leaf is unlinked (never followed) first, and owner, mode and times are set without following links;</li>
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
		if (p.equals(under) ? skipped.contains("") : skipped.contains(ViewTree.parent(p))) {
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
		Files.createDirectories(dir);
		Path root = dir.toRealPath(); // the examiner's folder, resolved once: below it nothing is followed
		Map<String, Path> madeDirs = new HashMap<>(); // guest directory → its host directory, verified real
		Path top = root;
		String topRel = "";
		for (String a : x.ancestorNames()) {
			top = top.resolve(a);
			topRel += a + "/";
			if (!x.ensureDirectory(top, "/" + topRel.substring(0, topRel.length() - 1))) {
				x.skipped.add("");
				top = null;
				break;
			}
		}
		Map<String, Path> firstOfInode = new HashMap<>();
		List<String> directories = new ArrayList<>();
		Map<String, FileRecord> attrs = new HashMap<>();
		for (String p : paths) {
			if (x.belowSkipped(p)) continue;
			FileRecord r = tree.getattr(p);
			if (r == null) {
				x.refuse("export-skipped", p, "listed by the view but without metadata; not written");
				continue;
			}
			Path parent = p.equals(x.under) ? top : madeDirs.get(ViewTree.parent(p));
			if (parent == null) {
				if (!p.equals(x.under)) {
					FileRecord pr = tree.getattr(ViewTree.parent(p));
					x.refuse("export-skipped", p, "its parent " + ViewTree.parent(p) + (pr == null ? " is not in the view"
							: pr.type() != FileType.DIRECTORY ? " is a " + pr.type().label() + " in the view" : " was not written")
							+ "; not written, nor anything below it (nothing is written through a link)");
				}
				continue;
			}
			Path target;
			String rel;
			if (p.equals("/")) {
				target = root;
				rel = ".";
			} else {
				String host = x.hostName(p);
				if (host == null) {
					x.refuse("export-skipped", p, "malformed path (empty name); not written");
					continue;
				}
				target = parent.resolve(host);
				rel = root.relativize(target).toString();
				x.noteRename(p, GuestName.lastName(p), host, rel);
			}
			if (target.toString().getBytes(StandardCharsets.UTF_8).length > PATH_MAX) {
				x.refuse("export-path-too-long", p, "host path of " + target.toString().getBytes(StandardCharsets.UTF_8).length + " bytes exceeds PATH_MAX; not written (the tar export keeps it)");
				continue;
			}
			String key = tree.node(p).superBlock() + ":" + r.inode();
			try {
				switch (r.type()) {
				case DIRECTORY -> {
					if (!x.ensureDirectory(target, p)) continue;
					madeDirs.put(p, target);
					directories.add(p);
					attrs.put(p, r);
					x.dirs++;
					continue; // attributes after the children are written
				}
				case SYMLINK -> {
					if (!x.clearLeaf(target, p)) continue;
					String t = r.symlinkTarget();
					if (t == null) {
						x.refuse("export-skipped", p, "symbolic link whose target is unknown in the evidence; not created");
						continue;
					}
					Path link;
					try {
						link = Path.of(t);
					} catch (InvalidPathException e) {
						x.refuse("export-skipped", p, "link target not representable on the host (" + e.getReason() + "); not created");
						continue;
					}
					// the target is data: the link is created, never followed by the export (nothing is written below a
					// link, attributes are set with NOFOLLOW)
					Files.createSymbolicLink(target, link);
					if (!link.toString().equals(t)) {
						x.findings.add(new Finding(Finding.Severity.INFO, "export-link-target", p, "link target written as " + link + " (the host's path syntax normalized it)"));
					}
					x.links++;
				}
				case REGULAR, REGULAR_EMPTY -> {
					Path first = r.nlink() > 1 ? firstOfInode.get(key) : null;
					if (!x.clearLeaf(target, p)) continue;
					if (first != null) {
						Files.createLink(target, first);
						x.hardLinks++;
						continue;
					}
					try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
							LinkOption.NOFOLLOW_LINKS), 1 << 16)) {
						x.copy(p, r, o::write);
					}
					firstOfInode.put(key, target);
					x.files++;
				}
				default -> {
					x.notes.add(p + ": " + r.type().label() + " not created (listed in the manifest sidecar)");
					continue;
				}
				}
				x.apply(target, r, r.type() == FileType.SYMLINK);
			} catch (IOException e) {
				x.refuse("export-failed", p, "not written: " + e);
			}
		}
		// directories deepest first, so writing their children does not move their times again
		for (int i = directories.size() - 1; i >= 0; i--) {
			String p = directories.get(i);
			x.apply(madeDirs.get(p), attrs.get(p), false);
		}
		x.sidecars(paths, provenanceSidecar, manifestSidecar);
		return x.result();
	}

	/**
	 * Makes {@code host} a directory, or finds it one already (a real directory, not a link to one): false, with a
	 * finding, when something else is there — that subtree is then left out.
	 */
	private boolean ensureDirectory(Path host, String p) {
		try {
			Files.createDirectory(host); // mkdir(2): an existing name, a symlink included, is EEXIST, never followed
			return true;
		} catch (FileAlreadyExistsException e) {
			if (Files.isDirectory(host, LinkOption.NOFOLLOW_LINKS)) return true;
			boolean link = Files.isSymbolicLink(host);
			refuse(link ? "export-host-symlink" : "export-skipped", p, host + (link ? " is a symbolic link on the host" : " exists and is not a directory")
					+ "; not followed, nothing written below it");
			return false;
		} catch (IOException e) {
			refuse("export-failed", p, "directory " + host + " not created: " + e);
			return false;
		}
	}

	/** Removes what is at {@code host} from an earlier export (unlinked, never followed); false for a directory. */
	private boolean clearLeaf(Path host, String p) throws IOException {
		BasicFileAttributes a;
		try {
			a = Files.readAttributes(host, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
		} catch (NoSuchFileException e) {
			return true;
		}
		if (a.isDirectory()) {
			refuse("export-skipped", p, host + " is a directory on the host; not replaced");
			return false;
		}
		Files.delete(host);
		return true;
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
			try (TarWriter t = new TarWriter(new BufferedOutputStream(file.stream(), 1 << 16))) {
				for (String p : paths) {
					if (x.belowSkipped(p)) continue;
					FileRecord r = tree.getattr(p);
					if (r == null) {
						x.refuse("export-skipped", p, "listed by the view but without metadata; not archived");
						continue;
					}
					String parent = p.equals(x.under) ? (top.isEmpty() ? "" : top + "/") : dirMembers.get(ViewTree.parent(p));
					if (parent == null) {
						FileRecord pr = tree.getattr(ViewTree.parent(p));
						x.refuse("export-skipped", p, "its parent " + ViewTree.parent(p) + (pr == null ? " is not in the view"
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
						t.entry(name, TarWriter.DIRECTORY, mode, r.uid(), r.gid(), 0, r.mtime(), r.mtimeNanos(), r.atime(), r.ctime(), null, extra);
						dirMembers.put(p, name);
						x.dirs++;
					}
					case SYMLINK -> {
						// The target is stored as data (linkpath), as the guest had it, absolute or with '..' included: a
						// link to /etc/passwd inside a tar harms nothing by itself. What would harm — a later member written
						// through the link — cannot happen: every member's parent is a directory member of this archive
						// (dirMembers), never a link, and GNU tar also defers such links until the end of extraction.
						t.entry(name, TarWriter.SYMLINK, mode, r.uid(), r.gid(), 0, r.mtime(), r.mtimeNanos(), r.atime(), r.ctime(), r.symlinkTarget(), extra);
						if (r.symlinkTarget() == null) x.notes.add(p + ": link target unknown in the evidence; archived without one");
						x.links++;
					}
					case REGULAR, REGULAR_EMPTY -> {
						String first = r.nlink() > 1 ? firstOfInode.get(key) : null;
						if (first != null) {
							t.entry(name, TarWriter.HARDLINK, mode, r.uid(), r.gid(), 0, r.mtime(), r.mtimeNanos(), r.atime(), r.ctime(), first, extra);
							x.hardLinks++;
							continue;
						}
						t.entry(name, TarWriter.REGULAR, mode, r.uid(), r.gid(), r.size(), r.mtime(), r.mtimeNanos(), r.atime(), r.ctime(), null, extra);
						x.copy(p, r, t::data);
						t.endData();
						firstOfInode.put(key, name);
						x.files++;
					}
					case FIFO -> {
						t.entry(name, TarWriter.FIFO, mode, r.uid(), r.gid(), 0, r.mtime(), r.mtimeNanos(), r.atime(), r.ctime(), null, extra);
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

	/**
	 * Owner, permission bits (masked: {@link #hostMode}) and times, none following a link; what the OS refuses
	 * becomes a note.
	 */
	private void apply(Path target, FileRecord r, boolean symlink) {
		LinkOption[] nofollow = { LinkOption.NOFOLLOW_LINKS };
		String p = r.path();
		try {
			Files.setAttribute(target, "unix:uid", (int) r.uid(), nofollow);
			Files.setAttribute(target, "unix:gid", (int) r.gid(), nofollow);
		} catch (IOException | RuntimeException e) {
			notes.add(p + ": owner " + r.uid() + ":" + r.gid() + " not applied (" + e.getMessage() + ")");
		}
		if (!symlink) {
			int mode = hostMode(p, r);
			try {
				Files.setAttribute(target, "unix:mode", mode, nofollow);
			} catch (IOException | RuntimeException e) {
				notes.add(p + ": mode " + Integer.toOctalString(mode) + " not applied (" + e.getMessage() + ")");
			}
		}
		try {
			Files.getFileAttributeView(target, BasicFileAttributeView.class, nofollow).setTimes(
					FileTime.from(Instant.ofEpochSecond(r.mtime(), r.mtimeNanos())), FileTime.from(Instant.ofEpochSecond(r.atime())), null);
		} catch (IOException | RuntimeException e) {
			notes.add(p + ": times not applied (" + e.getMessage() + ")");
		}
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
