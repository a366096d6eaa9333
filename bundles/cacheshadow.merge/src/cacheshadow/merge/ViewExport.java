package cacheshadow.merge;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import cacheshadow.listing.FileRecord;
import cacheshadow.listing.FileType;
import cacheshadow.listing.ManifestFormat;

/**
 * Exports a subtree of one view as files (a directory or a pax tar) with each path's mode, owner, mtime (with
 * nanoseconds) and atime (seconds, the manifest's precision) — unlike tools that stamp every file with the export
 * time — hard links kept as links, plus a provenance sidecar (TSV: every byte range of every regular file and its
 * source) and a manifest sidecar (the exported paths in the ground-truth columns). A ctime cannot be set by any
 * user-space call: the manifest sidecar (and the tar's pax {@code ctime}) records it. Device nodes, fifos and
 * sockets are listed in the manifest sidecar but not created.
 */
public final class ViewExport {
	/** What an export wrote. {@code notes} lists what could not be written or applied, one line each. */
	public record Result(int files, int directories, int symlinks, int hardLinks, long bytes, List<String> notes) {
	}

	private final ViewTree tree;
	private final String under;
	private final List<String> notes = new ArrayList<>();
	private int files, dirs, links, hardLinks;
	private long bytes;

	private ViewExport(ViewTree tree, String under) {
		this.tree = tree;
		this.under = ViewTree.normalize(under == null ? tree.root() : under);
	}

	/** The paths to export: {@code under} and everything below it, parents before children. */
	private List<String> paths() throws IOException {
		if (!tree.exists(under)) throw new java.nio.file.NoSuchFileException(under, null, "no such path in the " + tree.view().label() + " view");
		List<String> out = new ArrayList<>();
		for (String p : tree.paths()) if (p.equals(under) || under.equals("/") || p.startsWith(under + "/")) out.add(p);
		return out; // byte order puts every directory before its children
	}

	private static String relative(String p) {
		return p.equals("/") ? "." : p.substring(1);
	}

	/** Exports into {@code dir} (created if needed): guest path {@code /a/b} becomes {@code dir/a/b}. */
	public static Result toDirectory(ViewTree tree, String under, Path dir, Path provenanceSidecar, Path manifestSidecar) throws IOException {
		ViewExport x = new ViewExport(tree, under);
		List<String> paths = x.paths();
		Files.createDirectories(dir);
		Map<String, Path> firstOfInode = new HashMap<>();
		List<String> directories = new ArrayList<>();
		for (String p : paths) {
			FileRecord r = tree.getattr(p);
			Path target = p.equals("/") ? dir : dir.resolve(relative(p));
			if (!p.equals("/")) Files.createDirectories(target.getParent());
			String key = tree.node(p).superBlock() + ":" + r.inode();
			switch (r.type()) {
			case DIRECTORY -> {
				Files.createDirectories(target);
				directories.add(p);
				x.dirs++;
				continue; // attributes after the children are written
			}
			case SYMLINK -> {
				Files.deleteIfExists(target);
				Files.createSymbolicLink(target, Path.of(r.symlinkTarget()));
				x.links++;
			}
			case REGULAR, REGULAR_EMPTY -> {
				Path first = r.nlink() > 1 ? firstOfInode.get(key) : null;
				Files.deleteIfExists(target);
				if (first != null) {
					Files.createLink(target, first);
					x.hardLinks++;
					continue;
				}
				try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(target), 1 << 16)) {
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
		}
		// directories deepest first, so writing their children does not move their times again
		for (int i = directories.size() - 1; i >= 0; i--) {
			String p = directories.get(i);
			x.apply(p.equals("/") ? dir : dir.resolve(relative(p)), tree.getattr(p), false);
		}
		x.sidecars(paths, provenanceSidecar, manifestSidecar);
		return new Result(x.files, x.dirs, x.links, x.hardLinks, x.bytes, List.copyOf(x.notes));
	}

	/** Exports as a pax tar file; member names are guest paths without the leading slash. */
	public static Result toTar(ViewTree tree, String under, Path tarFile, Path provenanceSidecar, Path manifestSidecar) throws IOException {
		ViewExport x = new ViewExport(tree, under);
		List<String> paths = x.paths();
		Map<String, String> firstOfInode = new HashMap<>();
		try (TarWriter t = new TarWriter(new BufferedOutputStream(Files.newOutputStream(tarFile), 1 << 16))) {
			for (String p : paths) {
				FileRecord r = tree.getattr(p);
				String name = p.equals("/") ? "./" : relative(p);
				String key = tree.node(p).superBlock() + ":" + r.inode();
				switch (r.type()) {
				case DIRECTORY -> {
					t.entry(name + (name.endsWith("/") ? "" : "/"), TarWriter.DIRECTORY, r.mode(), r.uid(), r.gid(), 0, r.mtime(), r.mtimeNanos(), r.atime(), r.ctime(), null);
					x.dirs++;
				}
				case SYMLINK -> {
					t.entry(name, TarWriter.SYMLINK, r.mode(), r.uid(), r.gid(), 0, r.mtime(), r.mtimeNanos(), r.atime(), r.ctime(), r.symlinkTarget());
					x.links++;
				}
				case REGULAR, REGULAR_EMPTY -> {
					String first = r.nlink() > 1 ? firstOfInode.get(key) : null;
					if (first != null) {
						t.entry(name, TarWriter.HARDLINK, r.mode(), r.uid(), r.gid(), 0, r.mtime(), r.mtimeNanos(), r.atime(), r.ctime(), first);
						x.hardLinks++;
						continue;
					}
					t.entry(name, TarWriter.REGULAR, r.mode(), r.uid(), r.gid(), r.size(), r.mtime(), r.mtimeNanos(), r.atime(), r.ctime(), null);
					x.copy(p, r, t::data);
					t.endData();
					firstOfInode.put(key, name);
					x.files++;
				}
				case FIFO -> {
					t.entry(name, TarWriter.FIFO, r.mode(), r.uid(), r.gid(), 0, r.mtime(), r.mtimeNanos(), r.atime(), r.ctime(), null);
				}
				default -> x.notes.add(p + ": " + r.type().label() + " not archived (device numbers are not recovered; listed in the manifest sidecar)");
				}
			}
		}
		x.sidecars(paths, provenanceSidecar, manifestSidecar);
		return new Result(x.files, x.dirs, x.links, x.hardLinks, x.bytes, List.copyOf(x.notes));
	}

	private interface Sink {
		void write(byte[] b, int off, int len) throws IOException;
	}

	private void copy(String p, FileRecord r, Sink sink) throws IOException {
		byte[] buf = new byte[1 << 16];
		long pos = 0;
		while (pos < r.size()) {
			int k = tree.read(p, pos, buf, 0, (int) Math.min(buf.length, r.size() - pos));
			if (k <= 0) break;
			sink.write(buf, 0, k);
			pos += k;
		}
		if (pos < r.size()) notes.add(p + ": only " + pos + " of " + r.size() + " bytes readable");
		bytes += pos;
		for (ByteProvenance b : tree.provenance(p)) {
			if (b.source() == ByteProvenance.Source.UNKNOWN) {
				notes.add(p + ": bytes " + b.offset() + ".." + b.end() + " unknown in the evidence, written as zeros");
			}
		}
	}

	/** Owner, permission bits (setuid, setgid and sticky included) and times; what the OS refuses becomes a note. */
	private void apply(Path target, FileRecord r, boolean symlink) {
		LinkOption[] nofollow = { LinkOption.NOFOLLOW_LINKS };
		try {
			Files.setAttribute(target, "unix:uid", (int) r.uid(), nofollow);
			Files.setAttribute(target, "unix:gid", (int) r.gid(), nofollow);
		} catch (IOException | RuntimeException e) {
			notes.add(r.path() + ": owner " + r.uid() + ":" + r.gid() + " not applied (" + e.getMessage() + ")");
		}
		if (!symlink) {
			try {
				Files.setAttribute(target, "unix:mode", r.permissions());
			} catch (IOException | RuntimeException e) {
				notes.add(r.path() + ": mode " + Integer.toOctalString(r.permissions()) + " not applied (" + e.getMessage() + ")");
			}
		}
		try {
			Files.getFileAttributeView(target, BasicFileAttributeView.class, nofollow).setTimes(
					FileTime.from(Instant.ofEpochSecond(r.mtime(), r.mtimeNanos())), FileTime.from(Instant.ofEpochSecond(r.atime())), null);
		} catch (IOException | RuntimeException e) {
			notes.add(r.path() + ": times not applied (" + e.getMessage() + ")");
		}
	}

	private void sidecars(List<String> paths, Path provenance, Path manifest) throws IOException {
		if (provenance != null) {
			try (Writer w = Files.newBufferedWriter(provenance, StandardCharsets.UTF_8)) {
				w.write("path\toffset\tlength\tsource\tdisk_block\n");
				for (String p : paths) {
					for (ByteProvenance b : tree.provenance(p)) {
						w.write(p + "\t" + b.offset() + "\t" + b.length() + "\t" + b.source().label() + "\t" + (b.diskBlock() < 0 ? "-" : Long.toString(b.diskBlock())) + "\n");
					}
				}
			}
		}
		if (manifest != null) {
			java.util.Set<String> wanted = new java.util.HashSet<>(paths);
			List<FileRecord> rs = new ArrayList<>();
			for (FileRecord r : tree.listing(true)) if (wanted.contains(r.path())) rs.add(r);
			ManifestFormat.write(manifest, rs);
		}
	}
}
