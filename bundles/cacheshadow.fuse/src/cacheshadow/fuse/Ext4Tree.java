package cacheshadow.fuse;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import cacheshadow.ext4.DirectoryEntry;
import cacheshadow.ext4.Ext4File;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.ext4.Ext4Inode;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.Finding;

/**
 * The disk-only view: an ext4 file system (as opened, e.g. with the journal replayed) as a {@link MountedTree}.
 * Evidence does not change, so resolved paths, directory contents and records are kept once looked up.
 */
public final class Ext4Tree implements MountedTree {
	private final Ext4FileSystem fs;
	private final Map<String, Long> inodes = new ConcurrentHashMap<>();
	private final Map<Long, Map<String, Long>> directories = new ConcurrentHashMap<>();
	private final Map<String, FileRecord> records = new ConcurrentHashMap<>();
	private final Map<Long, Ext4File> files = new ConcurrentHashMap<>();
	private final Consumer<Finding> report;

	public Ext4Tree(Ext4FileSystem fs) {
		this(fs, f -> {
		});
	}

	/**
	 * {@code report} gets each guest-name finding once, when a directory holding the name is first read: the mount
	 * reads directories as the host asks, so the findings come as they are met, not from a walk up front.
	 */
	public Ext4Tree(Ext4FileSystem fs, Consumer<Finding> report) {
		this.fs = fs;
		this.report = report;
		inodes.put("/", Ext4FileSystem.ROOT_INODE);
	}

	public Ext4FileSystem fileSystem() {
		return fs;
	}

	/** Inode number of the path, or -1 if no such entry. */
	public long inodeOf(String path) throws IOException {
		Long known = inodes.get(path);
		if (known != null) return known;
		int slash = path.lastIndexOf('/');
		if (slash < 0) return -1;
		String parentPath = slash == 0 ? "/" : path.substring(0, slash);
		long parent = inodeOf(parentPath);
		if (parent < 0) return -1;
		Map<String, Long> entries = entries(parent, parentPath);
		Long ino = entries == null ? null : entries.get(path.substring(slash + 1));
		if (ino == null) return -1;
		inodes.put(path, ino);
		return ino;
	}

	/** Name → inode of a directory inode at {@code dirPath} (without "." and ".."), or null if not a directory. */
	private Map<String, Long> entries(long dirInode, String dirPath) throws IOException {
		Map<String, Long> m = directories.get(dirInode);
		if (m != null) return m;
		Ext4Inode dir = fs.inode(dirInode);
		if (!dir.isDirectory()) return null;
		m = new LinkedHashMap<>();
		for (DirectoryEntry e : fs.readDirectory(dir)) {
			if (e.isDotOrDotDot()) continue;
			m.putIfAbsent(e.name(), e.inode());
			Finding f = fs.nameFinding(dirPath.equals("/") ? "/" + e.name() : dirPath + "/" + e.name(), dir, e);
			if (f != null) report.accept(f);
		}
		directories.put(dirInode, m);
		return m;
	}

	@Override
	public FileRecord getattr(String path) throws IOException {
		FileRecord r = records.get(path);
		if (r != null) return r;
		long ino = inodeOf(path);
		if (ino < 0) return null;
		Ext4Inode in = fs.inode(ino);
		if (in.mode == 0) return null; // an entry naming an unused inode (the listing leaves it out too)
		r = fs.record(path, in, false);
		records.put(path, r);
		return r;
	}

	@Override
	public List<String> readdir(String path) throws IOException {
		long ino = inodeOf(path);
		if (ino < 0) return null;
		Map<String, Long> m = entries(ino, path);
		return m == null ? null : new ArrayList<>(m.keySet());
	}

	@Override
	public int read(String path, long offset, byte[] buf, int off, int len) throws IOException {
		return open(path).read(offset, buf, off, len);
	}

	@Override
	public OpenFile open(String path) throws IOException {
		long ino = inodeOf(path);
		if (ino < 0) throw new java.nio.file.NoSuchFileException(path);
		Ext4File f = files.get(ino);
		if (f == null) {
			f = fs.open(ino);
			files.put(ino, f);
		}
		Ext4File file = f;
		return (offset, buf, off, len) -> Math.max(0, file.read(offset, buf, off, len));
	}

	@Override
	public String readlink(String path) throws IOException {
		long ino = inodeOf(path);
		if (ino < 0) return null;
		Ext4Inode in = fs.inode(ino);
		return in.isSymlink() ? fs.symlinkTarget(in) : null;
	}

	/**
	 * {@code user.cacheshadow.inode} and, for regular files, {@code .blocks}: the file's block runs, one line each
	 * ({@code logical+count at block physical [unwritten]}, in file-system blocks).
	 */
	@Override
	public List<String> attributeNames(String path) throws IOException {
		FileRecord r = getattr(path);
		if (r == null) return List.of();
		return r.type().isRegular() ? List.of("inode", "blocks") : List.of("inode");
	}

	@Override
	public String attribute(String path, String name) throws IOException {
		FileRecord r = getattr(path);
		if (r == null) return null;
		if (name.equals("inode")) return Long.toString(r.inode());
		if (!name.equals("blocks") || !r.type().isRegular()) return null;
		StringBuilder b = new StringBuilder();
		for (cacheshadow.ext4.BlockRun run : fs.blockMap(fs.inode(r.inode())).runs()) {
			b.append(run.logical()).append('+').append(run.length()).append(" at block ").append(run.physical())
					.append(run.unwritten() ? " unwritten\n" : "\n");
		}
		return b.toString();
	}

	@Override
	public long[] capacity() {
		return new long[] { fs.blockSize(), fs.blocksCount(), fs.superblock().inodesCount };
	}
}
