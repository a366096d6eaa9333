package cacheshadow.merge;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import cacheshadow.ext4.BlockRun;
import cacheshadow.ext4.DirectoryEntry;
import cacheshadow.ext4.Ext4File;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.ext4.Ext4Inode;
import cacheshadow.ext4.jbd2.Jbd2Replay;
import cacheshadow.ext4.jbd2.JournalOverlayLayer;
import cacheshadow.journal.DiskAtInstant;
import cacheshadow.journal.DiskHistory;
import cacheshadow.journal.FileChanges;
import cacheshadow.journal.JournalIndex;
import cacheshadow.journal.ResolvedInstant;
import cacheshadow.journal.TimeQuality;
import cacheshadow.journal.Timeline;
import cacheshadow.journal.WriteLog;
import cacheshadow.layers.Progress;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.Finding;
import cacheshadow.listing.GuestPath;
import cacheshadow.listing.ManifestFormat;

/**
 * ext4 read as a mount would (jbd2 journal applied in memory unless {@code replayJournal} is false) from the disk as
 * the write journal says it stood at an instant ({@link DiskAtInstant}): the file tree behind the workbench's
 * timeline slider and the CLI's {@code replay --manifest} and {@code changes}.
 *
 * <p>Paths are guest paths below {@link #mountPrefix()} (the file system's root, e.g. {@code /mnt/disk}). Lazy: opening
 * reads the superblock, group descriptors and the jbd2 journal; a directory's blocks are read the first time a path
 * in it is asked for, and its entries' inodes with it; both are kept ({@link #directoriesRead()} counts the
 * directories read). {@link #listing} walks the whole tree as {@link Ext4FileSystem#listing} does, so its rows are
 * exactly the CLI's. A path with an empty, {@code .} or {@code ..} component, a NUL, or outside the prefix does not
 * exist here (null or empty answers, never an exception other than {@link IOException}). Safe for concurrent readers.
 */
public final class InstantTree implements FileTree, AutoCloseable {
	/**
	 * Bytes {@code [fileOffset, fileOffset+length)} of a file read from disk bytes {@code [diskOffset, ...)} (after the
	 * jbd2 replay: an overlaid block is read from its journal copy, and {@code diskOffset} says where that copy lies),
	 * last written by journal entry {@code entry} at or before the instant, or by none ({@code -1}: the base image's
	 * bytes). {@code epochNanos} is that entry's time ({@link WriteLog#NO_TIME} when unknown) and {@code quality} how
	 * it is known.
	 */
	public record LastWriter(long fileOffset, long length, long diskOffset, int entry, long epochNanos, TimeQuality quality) {
	}

	/** One path read so far: its inode and its manifest row (no hash). */
	private record Node(Ext4Inode inode, FileRecord record) {
	}

	/** One directory read so far: its entries' names (sorted as the manifest sorts) and inode numbers. */
	private record Dir(List<String> names, Map<String, Long> inodes) {
	}

	private final DiskHistory history;
	private final ResolvedInstant instant;
	private final String prefix;
	private final DiskAtInstant disk;
	private final Ext4FileSystem fs;
	private final NavigableMap<Long, JournalOverlayLayer.Copy> jbd2Copies;
	private final Map<String, Node> nodes = new ConcurrentHashMap<>();
	private final Map<String, Dir> dirs = new ConcurrentHashMap<>();
	private final Map<String, Ext4File> files = new ConcurrentHashMap<>();
	private final AtomicInteger directoriesRead = new AtomicInteger();

	private InstantTree(DiskHistory history, ResolvedInstant instant, String prefix, DiskAtInstant disk, Ext4FileSystem fs) {
		this.history = history;
		this.instant = instant;
		this.prefix = prefix;
		this.disk = disk;
		this.fs = fs;
		Jbd2Replay r = fs.journalReplay();
		this.jbd2Copies = r == null || fs.layer() != r.overlay() ? Collections.emptyNavigableMap() : r.overlay().copies();
	}

	/**
	 * Opens ext4 on the disk at {@code at}. {@link IllegalArgumentException} (one line) when the instant lies past the
	 * journal's end; an {@link IOException} naming the disk when it holds no usable ext4 at that instant.
	 *
	 * @param mountPrefix   the guest path of the file system's root ({@code /} or e.g. {@code /mnt/disk}; a trailing
	 *                      slash is dropped)
	 * @param replayJournal apply the committed jbd2 transactions in memory, as a mount would; else read as it lies
	 */
	public static InstantTree open(DiskHistory history, ResolvedInstant at, String mountPrefix, boolean replayJournal) throws IOException {
		String p = normalizePrefix(mountPrefix);
		DiskAtInstant d = history.at(at);
		Ext4FileSystem fs = Ext4FileSystem.open(d, replayJournal ? Ext4FileSystem.Options.REPLAYED : Ext4FileSystem.Options.AS_IT_LIES);
		return new InstantTree(history, at, p, d, fs);
	}

	/** {@code /} for null, empty or {@code /}; else the path without trailing slashes (a leading one added). */
	public static String normalizePrefix(String mountPrefix) {
		if (mountPrefix == null || mountPrefix.isEmpty()) return "/";
		String p = mountPrefix.startsWith("/") ? mountPrefix : "/" + mountPrefix;
		while (p.length() > 1 && p.endsWith("/")) p = p.substring(0, p.length() - 1);
		return p;
	}

	public ResolvedInstant instant() {
		return instant;
	}

	public DiskHistory history() {
		return history;
	}

	public String mountPrefix() {
		return prefix;
	}

	@Override
	public String root() {
		return prefix;
	}

	/** The disk at the instant (the layer ext4 is read from, below the jbd2 replay). */
	public DiskAtInstant disk() {
		return disk;
	}

	/** Whether the committed jbd2 transactions are applied (as a mount would). */
	public boolean replayed() {
		return fs.journalReplay() != null;
	}

	/** The ext4 reader (for callers that need more than the tree). */
	public Ext4FileSystem fileSystem() {
		return fs;
	}

	/** Directories whose blocks this tree has read so far (each once: they are kept). */
	public int directoriesRead() {
		return directoriesRead.get();
	}

	/** ext4 findings at this instant (those met so far: {@link #listing} meets them all). */
	public List<Finding> findings() {
		return fs.findings();
	}

	// ---- paths

	/** The path's components below the prefix, or null when it is not a well-formed path of this tree. */
	private String[] components(String path) {
		if (path == null || path.isEmpty() || path.charAt(0) != '/' || path.indexOf('\0') >= 0) return null;
		String p = path;
		while (p.length() > 1 && p.endsWith("/")) p = p.substring(0, p.length() - 1);
		String rel;
		if (prefix.equals("/")) rel = p.equals("/") ? "" : p.substring(1);
		else if (p.equals(prefix)) rel = "";
		else if (p.startsWith(prefix) && p.charAt(prefix.length()) == '/') rel = p.substring(prefix.length() + 1);
		else return null;
		if (rel.isEmpty()) return new String[0];
		String[] parts = rel.split("/", -1);
		for (String c : parts) if (c.isEmpty() || c.equals(".") || c.equals("..")) return null;
		return parts;
	}

	private String pathOf(String[] parts, int n) {
		if (n == 0) return prefix;
		StringBuilder sb = new StringBuilder(prefix.equals("/") ? "" : prefix);
		for (int i = 0; i < n; i++) sb.append('/').append(parts[i]);
		return sb.toString();
	}

	/** The canonical form of a path of this tree (trailing slashes dropped), or null. */
	String canonical(String path) {
		String[] parts = components(path);
		return parts == null ? null : pathOf(parts, parts.length);
	}

	/** The node of a path, reading the directories on the way (each once), or null when there is none. */
	private Node node(String path) throws IOException {
		String[] parts = components(path);
		if (parts == null) return null;
		String p = prefix;
		Node n = rootNode();
		for (int i = 0; i < parts.length && n != null; i++) {
			String c = pathOf(parts, i + 1);
			Node known = nodes.get(c);
			if (known != null) {
				n = known;
				p = c;
				continue;
			}
			Dir d = dir(p, n);
			if (d == null) return null;
			n = nodes.get(c); // dir() put every entry it could read
			p = c;
		}
		return n;
	}

	private Node rootNode() throws IOException {
		Node n = nodes.get(prefix);
		if (n == null) {
			Ext4Inode in = fs.inode(Ext4FileSystem.ROOT_INODE);
			n = new Node(in, fs.record(prefix, in, false));
			Node had = nodes.putIfAbsent(prefix, n);
			if (had != null) n = had;
		}
		return n;
	}

	/**
	 * The directory at {@code path} (node {@code n}), read once; entries whose inode cannot be read or is unused are
	 * left out, as {@link Ext4FileSystem#listing} leaves them out. Null when not a directory or unreadable.
	 */
	private Dir dir(String path, Node n) throws IOException {
		Dir d = dirs.get(path);
		if (d != null) return d;
		if (n == null || !n.inode().isDirectory()) return null;
		List<DirectoryEntry> entries;
		try {
			entries = fs.readDirectory(n.inode());
		} catch (IOException e) {
			return null; // the listing reports it as a finding
		}
		directoriesRead.incrementAndGet();
		List<String> names = new ArrayList<>(entries.size());
		Map<String, Long> inodes = new HashMap<>();
		for (DirectoryEntry e : entries) {
			if (e.isDotOrDotDot() || inodes.containsKey(e.name())) continue;
			String c = GuestPath.child(path, e.name());
			Node cn = nodes.get(c);
			if (cn == null) {
				Ext4Inode in;
				try {
					in = fs.inode(e.inode());
				} catch (IOException ex) {
					continue;
				}
				if (in.mode == 0) continue;
				cn = new Node(in, fs.record(c, in, false));
				Node had = nodes.putIfAbsent(c, cn);
				if (had != null) cn = had;
			}
			names.add(e.name());
			inodes.put(e.name(), e.inode());
		}
		ManifestFormat.sortByPath(names, s -> s);
		d = new Dir(Collections.unmodifiableList(names), inodes);
		Dir had = dirs.putIfAbsent(path, d);
		return had != null ? had : d;
	}

	/** The inode number a directory entry of {@code path} names, or -1 (for rename checks; reads the parent once). */
	long inodeNumber(String path) throws IOException {
		Node n = node(path);
		return n == null ? -1 : n.inode().number;
	}

	/** The inode's generation (ext4 {@code i_generation}: tells a reused inode number from the same file), or -1. */
	long generation(String path) throws IOException {
		Node n = node(path);
		return n == null ? -1 : n.inode().generation;
	}

	/** Names and inode numbers of a directory, or null (for {@link InstantComparison}'s rename check). */
	Map<String, Long> entryInodes(String dir) throws IOException {
		String c = canonical(dir);
		if (c == null) return null;
		Node n = node(c);
		Dir d = n == null ? null : dir(c, n);
		return d == null ? null : d.inodes();
	}

	// ---- FileTree

	@Override
	public FileRecord getattr(String path) throws IOException {
		Node n = node(path);
		return n == null ? null : n.record();
	}

	@Override
	public List<String> readdir(String path) throws IOException {
		String c = canonical(path);
		if (c == null) return null;
		Node n = node(c);
		Dir d = n == null ? null : dir(c, n);
		return d == null ? null : d.names();
	}

	private Ext4File file(String path) throws IOException {
		String c = canonical(path);
		Node n = c == null ? null : node(c);
		if (n == null || !n.inode().isRegular()) {
			throw new NoSuchFileException(path == null ? "null" : path.replace('\0', '?'), null,
					n == null ? "no such path at " + instant.spec() : "not a regular file");
		}
		Ext4File f = files.get(c);
		if (f == null) {
			f = fs.open(n.inode());
			Ext4File had = files.putIfAbsent(c, f);
			if (had != null) f = had;
		}
		return f;
	}

	@Override
	public int read(String path, long offset, byte[] buf, int off, int len) throws IOException {
		if (offset < 0) throw new IllegalArgumentException("negative offset " + offset);
		Ext4File f = file(path);
		int n = f.read(offset, buf, off, len);
		return Math.max(n, 0);
	}

	@Override
	public String readlink(String path) throws IOException {
		Node n = node(path);
		return n == null ? null : n.record().symlinkTarget();
	}

	/**
	 * One range per run of a regular file: {@link ByteProvenance.Source#JOURNAL_ENTRY} where a journal entry at or
	 * before the instant last wrote the bytes, {@link ByteProvenance.Source#BASE_IMAGE} where none did, and
	 * {@link ByteProvenance.Source#HOLE} for holes and unwritten extents; {@code diskBlock} the file-system block of the
	 * range's first byte (-1 for inline data, kept in the inode).
	 */
	@Override
	public List<ByteProvenance> provenance(String path) throws IOException {
		FileRecord r = getattr(path);
		if (r == null || !r.type().isRegular()) return List.of();
		Ext4File f = file(path);
		List<ByteProvenance> out = new ArrayList<>();
		long size = f.size();
		if (size == 0) return out;
		if (f.isInline()) {
			for (Piece p : pieces(f)) add(out, new ByteProvenance(p.fileOffset, p.length, p.entry >= 0 ? ByteProvenance.Source.JOURNAL_ENTRY
					: ByteProvenance.Source.BASE_IMAGE, -1));
			return out;
		}
		long pos = 0;
		for (Piece p : pieces(f)) {
			if (p.fileOffset > pos) add(out, new ByteProvenance(pos, p.fileOffset - pos, ByteProvenance.Source.HOLE, -1));
			ByteProvenance.Source s = p.unwritten ? ByteProvenance.Source.HOLE
					: p.entry == OFF_DISK ? ByteProvenance.Source.UNKNOWN
					: p.entry >= 0 ? ByteProvenance.Source.JOURNAL_ENTRY : ByteProvenance.Source.BASE_IMAGE;
			add(out, new ByteProvenance(p.fileOffset, p.length, s, s == ByteProvenance.Source.HOLE || s == ByteProvenance.Source.UNKNOWN ? -1 : p.fsBlock));
			pos = p.fileOffset + p.length;
		}
		if (pos < size) add(out, new ByteProvenance(pos, size - pos, ByteProvenance.Source.HOLE, -1));
		return out;
	}

	/** Appends, merging with the previous range when source and block run continue it. */
	private void add(List<ByteProvenance> out, ByteProvenance b) {
		if (!out.isEmpty()) {
			ByteProvenance last = out.get(out.size() - 1);
			int bs = fs.blockSize();
			boolean continues = last.end() == b.offset() && last.source() == b.source() && (b.diskBlock() < 0 ? last.diskBlock() < 0
					: last.diskBlock() >= 0 && last.diskBlock() + (b.offset() / bs - last.offset() / bs) == b.diskBlock());
			if (continues) {
				out.set(out.size() - 1, new ByteProvenance(last.offset(), last.length() + b.length(), last.source(), last.diskBlock()));
				return;
			}
		}
		out.add(b);
	}

	/**
	 * For each run of the regular file's blocks (up to its size; holes and unwritten extents, which read as zeros,
	 * have none): which journal entry last wrote those bytes at or before this instant ({@code -1} = the base image),
	 * with that entry's time when the journal or its timing sidecar gives one. Inline data is attributed to the bytes
	 * of the inode that hold it. Empty for a path that is not a regular file.
	 */
	public List<LastWriter> lastWriters(String path) throws IOException {
		FileRecord r = getattr(path);
		if (r == null || !r.type().isRegular()) return List.of();
		List<LastWriter> out = new ArrayList<>();
		for (Piece p : pieces(file(path))) {
			if (p.unwritten || p.entry == OFF_DISK) continue;
			long[] t = entryTime(p.entry);
			LastWriter w = new LastWriter(p.fileOffset, p.length, p.diskOffset, p.entry, t[0], TimeQuality.values()[(int) t[1]]);
			LastWriter last = out.isEmpty() ? null : out.get(out.size() - 1);
			if (last != null && last.entry() == w.entry() && last.fileOffset() + last.length() == w.fileOffset()
					&& last.diskOffset() + last.length() == w.diskOffset()) {
				out.set(out.size() - 1, new LastWriter(last.fileOffset(), last.length() + w.length(), last.diskOffset(), last.entry(), last.epochNanos(), last.quality()));
			} else out.add(w);
		}
		return out;
	}

	/** {time, quality ordinal} of entry {@code e}'s completion. */
	private long[] entryTime(int e) {
		if (e < 0) return new long[] { WriteLog.NO_TIME, TimeQuality.NONE.ordinal() };
		WriteLog log = history.journal();
		long own = log.epochNanos(e);
		if (own != WriteLog.NO_TIME) return new long[] { own, log.timeQuality(e).ordinal() };
		Timeline tl = history.timeline();
		if (tl != null) {
			Timeline.EntryTime et = tl.timeOfEntry(e);
			return new long[] { et.estimateNanos(), et.quality().ordinal() };
		}
		return new long[] { WriteLog.NO_TIME, TimeQuality.NONE.ordinal() };
	}

	/** A stretch of a file's bytes read from consecutive disk bytes last written by one entry. */
	private record Piece(long fileOffset, long length, long diskOffset, long fsBlock, int entry, boolean unwritten) {
	}

	/** The file's mapped bytes below its size, split by where they are read from and which entry wrote them last. */
	private List<Piece> pieces(Ext4File f) throws IOException {
		List<Piece> out = new ArrayList<>();
		JournalIndex idx = disk.index();
		int limit = disk.entryCount();
		long size = f.size();
		if (f.isInline()) {
			// the bytes live in the inode record (i_block, then the system.data attribute in its extra space): the
			// newest entry that wrote any byte of the record wrote them, as far as the journal can tell
			long at = fs.inodeOffset(f.inode().number);
			long diskAt = overlaid(at);
			int e = idx.latestWrite(diskAt, fs.superblock().inodeSize, limit);
			out.add(new Piece(0, size, diskAt + Ext4Inode.I_BLOCK_OFFSET, at / fs.blockSize(), e, false));
			return out;
		}
		int bs = fs.blockSize();
		for (BlockRun r : f.blockMap().runs()) {
			long fStart = r.logical() * bs;
			if (fStart >= size) break;
			long fEnd = Math.min(size, r.logicalEnd() * bs);
			if (r.unwritten()) {
				out.add(new Piece(fStart, fEnd - fStart, r.physical() * bs, r.physical(), -1, true));
				continue;
			}
			// consecutive blocks read from consecutive disk bytes: split where the jbd2 replay substitutes a journal copy;
			// blocks past the end of the disk (corrupt or hostile map) hold nothing the disk can give
			long b = 0, blocks = (fEnd - fStart + bs - 1) / bs;
			long onDisk = Math.max(0, Math.min(blocks, disk.size() / bs - r.physical()));
			Piece offDisk = null;
			if (onDisk < blocks) {
				long from = fStart + onDisk * bs;
				offDisk = new Piece(from, fEnd - from, (r.physical() + onDisk) * bs, r.physical() + onDisk, OFF_DISK, false);
				fEnd = from;
				blocks = onDisk;
			}
			while (b < blocks) {
				long phys = r.physical() + b;
				long diskStart = overlaid(phys * bs);
				long e = b + 1;
				if (jbd2Copies.isEmpty()) e = blocks;
				else {
					while (e < blocks && overlaid((r.physical() + e) * bs) == diskStart + (e - b) * bs) e++;
				}
				long fs0 = fStart + b * bs, fs1 = Math.min(fEnd, fStart + e * bs);
				for (JournalIndex.WriteRun w : idx.lastWrites(diskStart, fs1 - fs0, limit)) {
					long fo = fs0 + (w.offset() - diskStart);
					out.add(new Piece(fo, w.length(), w.offset(), r.physical() + (fo - fStart) / bs, w.entry(), false));
				}
				b = e;
			}
			if (offDisk != null) out.add(offDisk);
		}
		return out;
	}

	/** {@link Piece#entry} of bytes whose blocks lie past the end of the disk. */
	private static final int OFF_DISK = -2;

	/** Where the byte at file-system offset {@code fsOffset} is read from after the jbd2 replay (a journal copy, or itself). */
	private long overlaid(long fsOffset) {
		if (jbd2Copies.isEmpty()) return fsOffset;
		int bs = fs.blockSize();
		JournalOverlayLayer.Copy c = jbd2Copies.get(fsOffset / bs);
		return c == null ? fsOffset : c.baseOffset() + fsOffset % bs;
	}

	// ---- whole tree

	/** Every path as manifest rows, sorted by path: the same rows as {@code replay --manifest}. */
	public List<FileRecord> listing(boolean hash, Progress p) throws IOException {
		return fs.listing(prefix, hash, p == null ? Progress.NONE : p);
	}

	/** File contents by path at this instant, for {@link FileChanges#diff}. */
	public FileChanges.Content content() {
		return (path, offset, buf, off, len) -> read(path, offset, buf, off, len);
	}

	@Override
	public void close() throws IOException {
		fs.close();
		disk.close();
	}

	@Override
	public String toString() {
		return "ext4 of " + disk.name() + " at " + prefix;
	}
}
