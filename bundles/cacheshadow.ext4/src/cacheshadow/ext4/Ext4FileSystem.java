package cacheshadow.ext4;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import cacheshadow.ext4.jbd2.Jbd2Replay;
import cacheshadow.ext4.jbd2.JournalOverlayLayer;
import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.Layer;
import cacheshadow.layers.MissingReads;
import cacheshadow.layers.Progress;
import cacheshadow.layers.Zeros;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.FileType;
import cacheshadow.listing.Finding;
import cacheshadow.listing.GuestName;
import cacheshadow.listing.ManifestFormat;

/**
 * An ext2/ext3/ext4 file system read through any {@link Layer}, never written. Opened "as it lies" or, with
 * {@link Options#replayJournal()}, as a mount would see it after jbd2 recovery: committed journal blocks are
 * laid over the device in memory ({@link Jbd2Replay#overlay()}). Damage becomes {@link #findings()} and the
 * rest stays readable; only an unusable superblock or group descriptor table makes {@link #open} fail.
 */
public final class Ext4FileSystem implements AutoCloseable {
	public static final long ROOT_INODE = 2;
	static final int MAX_FINDINGS = 10_000;

	/**
	 * How to open: replay the journal in memory or read the image as it lies; with {@code backupSuperblock},
	 * an unusable primary superblock is replaced by the first readable backup (group 1 for the usual block
	 * sizes), reported as an ERROR finding.
	 */
	public record Options(boolean replayJournal, boolean backupSuperblock) {
		public static final Options AS_IT_LIES = new Options(false, false);
		public static final Options REPLAYED = new Options(true, false);

		public Options(boolean replayJournal) {
			this(replayJournal, false);
		}

		public Options withBackupSuperblock() {
			return new Options(replayJournal, true);
		}
	}

	private final Layer layer;
	private final Ext4Superblock sb;
	private final int blockSize;
	private final int csumSeed;
	private final GroupDescriptor[] groups;
	private final Set<Finding> findings = Collections.synchronizedSet(new LinkedHashSet<>());
	private Jbd2Replay replay;
	/** Block holding the superblock in use; the group descriptor table starts right after it. */
	private final long sbBlock;
	/** The blocks the descriptor table was read from, in table order. */
	private long[] descriptorBlocks;

	private Ext4FileSystem(Layer layer, boolean backup) throws IOException {
		this.layer = layer;
		byte[] b = new byte[Ext4Superblock.SIZE];
		Ext4Superblock parsed = null;
		long at = -1;
		IOException primaryProblem;
		try {
			layer.read(Ext4Superblock.OFFSET, b, 0, b.length);
			parsed = Ext4Superblock.parse(b);
			primaryProblem = null;
		} catch (EvidenceFormatException e) {
			primaryProblem = new EvidenceFormatException(layer.name(), e.getMessage());
		} catch (IOException e) {
			primaryProblem = new EvidenceFormatException(layer.name(), "no ext4 superblock readable at byte 1024: " + e.getMessage());
		}
		if (parsed == null && backup) {
			// backups sit at the start of group 1: block 8*bs (+1 for 1 KiB blocks), bs being unknown
			for (int bs = 1024; bs <= 65536 && parsed == null; bs <<= 1) {
				long blk = 8L * bs + (bs == 1024 ? 1 : 0);
				try {
					layer.read(blk * bs, b, 0, b.length);
					Ext4Superblock cand = Ext4Superblock.parse(b);
					if (cand.blockSize == bs) {
						parsed = cand;
						at = blk;
					}
				} catch (IOException e) {
					// try the next block size
				}
			}
			if (parsed != null) {
				finding(Finding.Severity.ERROR, "ext4-superblock", "superblock", primaryProblem.getMessage() + "; using the backup superblock in block " + at);
			}
		}
		if (parsed == null) throw primaryProblem;
		this.sb = parsed;
		this.blockSize = sb.blockSize;
		this.sbBlock = at >= 0 ? at : Ext4Superblock.OFFSET / blockSize;
		this.csumSeed = sb.checksumSeed();
		if (!sb.checksumValid()) {
			finding("ext4-csum", "superblock", String.format("superblock checksum 0x%08x, computed 0x%08x", sb.storedChecksum, sb.computedChecksum()));
		}
		if (sb.blocksCount > layer.size() / blockSize) {
			finding("ext4-size", "superblock", "file system has " + sb.blocksCount + " blocks but the device holds " + layer.size() / blockSize + " (truncated image?)");
		}
		if (sb.hasIncompat(Ext4Superblock.INCOMPAT_ENCRYPT)) finding("ext4-feature", "superblock", "encrypted file system: names and contents of encrypted directories are ciphertext");
		if (sb.hasIncompat(Ext4Superblock.INCOMPAT_COMPRESSION)) finding("ext4-feature", "superblock", "compression feature is not supported; compressed files read raw");
		this.groups = readGroupDescriptors();
	}

	/** Opens the file system on {@code layer}; with {@code replayJournal} the committed journal is applied. */
	public static Ext4FileSystem open(Layer layer, Options options) throws IOException {
		Ext4FileSystem fs = new Ext4FileSystem(layer, options.backupSuperblock());
		if (!options.replayJournal() || !fs.sb.hasCompat(Ext4Superblock.COMPAT_HAS_JOURNAL)) return fs;
		Jbd2Replay r = Jbd2Replay.scan(fs.layer, fs.blockSize, fs::journalLocation);
		if (r.overlay().overlaidBlocks() == 0) {
			fs.replay = r;
			fs.findings.addAll(r.findings());
			return fs;
		}
		if (fs.sbBlock == Ext4Superblock.OFFSET / fs.blockSize && !fs.descriptorBlocksChangedBy(r.overlay())) {
			// the journal changes neither the superblock nor a descriptor block: what the open parsed stands (a forged
			// group count would otherwise have its whole descriptor table read and checksummed twice)
			List<Finding> kept = new ArrayList<>(fs.findings);
			kept.addAll(r.findings());
			return new Ext4FileSystem(fs, r.overlay(), r, kept);
		}
		Ext4FileSystem replayed = new Ext4FileSystem(r.overlay(), options.backupSuperblock());
		replayed.replay = r;
		for (Finding f : r.findings()) replayed.findings.add(f);
		return replayed;
	}

	private Ext4FileSystem(Ext4FileSystem of, Layer layer, Jbd2Replay replay, java.util.Collection<Finding> findings) {
		this.layer = layer;
		this.sb = of.sb;
		this.blockSize = of.blockSize;
		this.sbBlock = of.sbBlock;
		this.csumSeed = of.csumSeed;
		this.groups = of.groups;
		this.descriptorBlocks = of.descriptorBlocks;
		this.replay = replay;
		this.findings.addAll(findings);
	}

	/**
	 * This file system read through {@code device}, a layer holding the same bytes as the one it was opened on (a
	 * later copy of a disk nothing wrote to since, as a live refresh knows it): what {@link #open} parsed (super
	 * block, group descriptors, the journal's replay) is kept, not read again. {@code findings}: what the new one
	 * starts with (those of this one as they stood at a point its user chose, e.g. right after the open).
	 */
	public Ext4FileSystem over(Layer device, java.util.Collection<Finding> findings) {
		if (replay == null) return new Ext4FileSystem(this, device, null, findings);
		Jbd2Replay r = replay.over(device);
		return new Ext4FileSystem(this, layer == replay.overlay() ? r.overlay() : device, r, findings);
	}

	/** Where the internal journal lies: the journal inode's blocks and size; an external journal is not in the image. */
	private Jbd2Replay.JournalLocation journalLocation() throws IOException {
		if (sb.hasIncompat(Ext4Superblock.INCOMPAT_JOURNAL_DEV) || sb.journalInum == 0) {
			throw new EvidenceFormatException("jbd2", "external journal device (not in this image)");
		}
		Ext4Inode ji = inode(sb.journalInum);
		return new Jbd2Replay.JournalLocation(blockMap(ji), ji.size, blocksCount());
	}

	public static Ext4FileSystem open(Layer layer) throws IOException {
		return open(layer, Options.REPLAYED);
	}

	/** Whether {@code overlay} holds other bytes than this file system's device in the superblock's or a descriptor block. */
	private boolean descriptorBlocksChangedBy(JournalOverlayLayer overlay) throws IOException {
		Set<Long> copied = overlay.copies().keySet();
		byte[] a = new byte[blockSize], b = new byte[blockSize];
		for (int i = -1; i < descriptorBlocks.length; i++) {
			long blk = i < 0 ? sbBlock : descriptorBlocks[i];
			if (!copied.contains(blk)) continue;
			overlay.read(blk * blockSize, a, 0, blockSize);
			layer.read(blk * blockSize, b, 0, blockSize);
			if (!Arrays.equals(a, b)) return true;
		}
		return false;
	}

	private GroupDescriptor[] readGroupDescriptors() throws IOException {
		long n = sb.groupCount();
		int ds = sb.descSize;
		int perBlock = blockSize / ds;
		long gdtBlocks = (n + perBlock - 1) / perBlock;
		// the table must fit on the device before a descriptor is allocated for every group the superblock claims
		long devBlocks = layer.size() / blockSize;
		if (gdtBlocks > devBlocks) {
			throw new EvidenceFormatException(layer.name(), "superblock claims " + n + " block groups: their descriptor table ("
					+ gdtBlocks + " blocks) is larger than the device (" + devBlocks + " blocks)");
		}
		GroupDescriptor[] g = new GroupDescriptor[(int) n];
		descriptorBlocks = new long[(int) gdtBlocks];
		byte[] b = new byte[blockSize];
		boolean meta = sb.hasIncompat(Ext4Superblock.INCOMPAT_META_BG);
		// the superblock's features hold for the whole table: asked once, not for each of up to 2^32 groups
		boolean csum32 = sb.hasMetadataCsum(), crc16 = !csum32 && sb.hasRoCompat(Ext4Superblock.RO_COMPAT_GDT_CSUM);
		int bad = 0, outside = 0;
		for (long i = 0; i < gdtBlocks; i++) {
			long blk;
			if (!meta || i < sb.firstMetaBg) {
				blk = sbBlock + 1 + i;
			} else {
				long bg = i * perBlock;
				long hasSuper = sb.groupHasSuperblock(bg) ? 1 : 0;
				if (blockSize == 1024 && i == 0 && sb.firstDataBlock == 0) hasSuper++;
				blk = sb.firstDataBlock + bg * sb.blocksPerGroup + hasSuper;
			}
			descriptorBlocks[(int) i] = blk;
			try {
				layer.read(blk * blockSize, b, 0, blockSize);
			} catch (IOException e) {
				throw new EvidenceFormatException(layer.name(), "group descriptor block " + blk + " unreadable: " + e.getMessage());
			}
			for (int k = 0; k < perBlock; k++) {
				long grp = i * perBlock + k;
				if (grp >= n) break;
				GroupDescriptor d = GroupDescriptor.parse(grp, b, k * ds, ds);
				if (csum32 || crc16) {
					int c = csum32 ? GroupDescriptor.computeChecksum(csumSeed, grp, b, k * ds, ds)
							: GroupDescriptor.computeCrc16(sb.uuid, grp, b, k * ds, ds);
					if (c != d.checksum() && bad++ < 20) {
						finding("ext4-csum", "group " + grp, String.format("group descriptor checksum 0x%04x, computed 0x%04x", d.checksum(), c));
					}
				}
				// named per group up to a point: a forged group count would bury every later finding under these
				if ((d.inodeTable() == 0 || d.inodeTable() >= sb.blocksCount) && outside++ < 20) {
					finding("ext4-gdt", "group " + grp, "inode table at block " + d.inodeTable() + " lies outside the device");
				}
				g[(int) grp] = d;
			}
		}
		if (outside > 20) finding("ext4-gdt", "groups", outside + " of " + n + " groups have their inode table outside the device (the first 20 named)");
		if (bad > 20) finding("ext4-csum", "groups", bad + " of " + n + " group descriptors fail their checksum (the first 20 named)");
		return g;
	}

	// ---- accessors

	public Layer layer() {
		return layer;
	}

	public Ext4Superblock superblock() {
		return sb;
	}

	public int blockSize() {
		return blockSize;
	}

	public long blocksCount() {
		return sb.blocksCount;
	}

	public List<GroupDescriptor> groupDescriptors() {
		return List.of(groups);
	}

	int checksumSeed() {
		return csumSeed;
	}

	/** The journal replay performed by {@link #open} (null when not requested or no journal). */
	public Jbd2Replay journalReplay() {
		return replay;
	}

	/** Anomalies met so far (checksums, corrupt structures), in the order found. */
	public List<Finding> findings() {
		synchronized (findings) {
			return new ArrayList<>(findings);
		}
	}

	private void finding(Finding.Severity severity, String kind, String location, String message) {
		if (findings.size() < MAX_FINDINGS) findings.add(new Finding(severity, kind, location, message));
	}

	void finding(String kind, String location, String message) {
		if (findings.size() < MAX_FINDINGS) {
			findings.add(new Finding(kind.endsWith("csum") ? Finding.Severity.WARNING : Finding.Severity.ANOMALY, kind, location, message));
		}
	}

	public byte[] readBlock(long block) throws IOException {
		if (block < 0 || block >= sb.blocksCount) throw new EvidenceFormatException(layer.name(), "block " + block + " outside the file system");
		byte[] b = new byte[blockSize];
		layer.read(block * blockSize, b, 0, blockSize);
		return b;
	}

	// ---- inodes

	/** Reads inode {@code number} (1-based); verifies its checksum under metadata_csum (mismatch → finding). */
	public Ext4Inode inode(long number) throws IOException {
		if (number < 1 || number > sb.inodesCount) {
			throw new EvidenceFormatException(layer.name(), "inode " + number + " out of range 1.." + sb.inodesCount);
		}
		long g = (number - 1) / sb.inodesPerGroup;
		long idx = (number - 1) % sb.inodesPerGroup;
		if (g >= groups.length) throw new EvidenceFormatException(layer.name(), "inode " + number + " in nonexistent group " + g);
		GroupDescriptor d = groups[(int) g];
		long tbl = d.inodeTable();
		if (tbl == 0 || tbl >= sb.blocksCount) throw new EvidenceFormatException(layer.name(), "inode " + number + ": inode table of group " + g + " lies outside the device");
		byte[] raw = new byte[sb.inodeSize];
		layer.read(tbl * blockSize + idx * sb.inodeSize, raw, 0, raw.length);
		Ext4Inode in = new Ext4Inode(number, raw, sb);
		if (sb.hasMetadataCsum() && !Zeros.allZero(raw)) {
			long computed = in.computeChecksum(csumSeed, sb.inodeSize) & 0xffffffffL;
			if (!in.hasChecksumHi()) computed &= 0xffff;
			if (computed != in.storedChecksum()) {
				finding("ext4-csum", "inode " + number, String.format("inode checksum 0x%08x, computed 0x%08x", in.storedChecksum(), computed));
			}
		}
		return in;
	}

	/**
	 * Byte offset in {@link #layer()} of inode {@code number}'s on-disk record ({@code inode_size} bytes): where inline
	 * data and fast symlink targets live.
	 */
	public long inodeOffset(long number) throws IOException {
		if (number < 1 || number > sb.inodesCount) {
			throw new EvidenceFormatException(layer.name(), "inode " + number + " out of range 1.." + sb.inodesCount);
		}
		long g = (number - 1) / sb.inodesPerGroup;
		if (g >= groups.length) throw new EvidenceFormatException(layer.name(), "inode " + number + " in nonexistent group " + g);
		return groups[(int) g].inodeTable() * blockSize + (number - 1) % sb.inodesPerGroup * sb.inodeSize;
	}

	/** Logical → device block map of an inode (empty for inline data, fast symlinks and device nodes). */
	public BlockMap blockMap(Ext4Inode inode) {
		if (inode.hasInlineData()) return BlockMap.EMPTY;
		int t = inode.type();
		if (t != Ext4Inode.S_IFREG && t != Ext4Inode.S_IFDIR && t != Ext4Inode.S_IFLNK) return BlockMap.EMPTY;
		if (inode.isFastSymlink()) return BlockMap.EMPTY;
		if (inode.hasExtents()) return ExtentTree.map(this, inode);
		return IndirectBlocks.map(this, inode);
	}

	/** A content reader over the inode. */
	public Ext4File open(Ext4Inode inode) {
		if (inode.hasInlineData()) {
			byte[] ib = inode.iBlock();
			byte[] data = ib;
			for (ExtendedAttribute a : extendedAttributes(inode)) {
				if (a.name().equals("system.data")) {
					data = Arrays.copyOf(ib, ib.length + a.value().length);
					System.arraycopy(a.value(), 0, data, ib.length, a.value().length);
				}
			}
			return new Ext4File(this, inode, BlockMap.EMPTY, data);
		}
		if (inode.isFastSymlink()) return new Ext4File(this, inode, BlockMap.EMPTY, inode.iBlock());
		return new Ext4File(this, inode, blockMap(inode), null);
	}

	public Ext4File open(long inodeNumber) throws IOException {
		return open(inode(inodeNumber));
	}

	public List<ExtendedAttribute> extendedAttributes(Ext4Inode inode) {
		return ExtendedAttributes.read(this, inode);
	}

	/** Entries of a directory inode, "." and ".." included, in on-disk order. */
	public List<DirectoryEntry> readDirectory(Ext4Inode dir) throws IOException {
		if (!dir.isDirectory()) throw new EvidenceFormatException(layer.name(), "inode " + dir.number + " is not a directory");
		ReadDirectory last;
		synchronized (recentDirectories) {
			last = recentDirectories.get(dir.number);
		}
		if (last != null && Arrays.equals(last.raw(), dir.rawNoCopy())) return new ArrayList<>(last.entries());
		List<DirectoryEntry> entries;
		boolean missing;
		try (MissingReads.Watch w = MissingReads.watch()) {
			entries = HtreeDirectory.read(this, dir);
			missing = w.touched();
		}
		// a listing that rests on bytes missing from the evidence is read again each time: a reader's watch (the
		// merge's gaps) learns so only from the read itself
		if (!missing && entries.size() <= RECENT_DIRECTORY_ENTRIES) {
			synchronized (recentDirectories) {
				recentDirectories.put(dir.number, new ReadDirectory(dir.raw(), List.copyOf(entries)));
			}
		}
		return entries;
	}

	/** A directory as read: its inode record then (same record, same device: same entries and findings) and entries. */
	private record ReadDirectory(byte[] raw, List<DirectoryEntry> entries) {
	}

	/**
	 * The directories read last: a lookup reads every directory on the path, so lookups of paths under one directory
	 * (a reader's, a mount's) read it once, not once a path. Small ones only, a few.
	 */
	private final java.util.Map<Long, ReadDirectory> recentDirectories = new java.util.LinkedHashMap<>(16, 0.75f, true) {
		@Override
		protected boolean removeEldestEntry(java.util.Map.Entry<Long, ReadDirectory> eldest) {
			return size() > RECENT_DIRECTORIES;
		}
	};
	private static final int RECENT_DIRECTORIES = 8, RECENT_DIRECTORY_ENTRIES = 4096;

	/**
	 * A {@code guest-name} finding for an entry whose name is shown escaped ({@link GuestName}: '/', NUL, a '.' or
	 * '..' that is not the directory's own, invalid UTF-8, control characters), at its path {@code p}; returns it
	 * when it is new (so a caller that meets names lazily, like a mount, can report each once), else null.
	 */
	public Finding nameFinding(String p, Ext4Inode dir, DirectoryEntry e) {
		if (!GuestName.escaped(e.name()) || findings.size() >= MAX_FINDINGS) return null;
		Finding f = GuestName.finding(p, "ext4 directory inode " + dir.number + ", entry naming inode " + e.inode());
		return f != null && findings.add(f) ? f : null;
	}

	/** Target of a fast or slow (or inline) symlink, in its {@link GuestName} text form. */
	public String symlinkTarget(Ext4Inode link) throws IOException {
		if (!link.isSymlink()) throw new EvidenceFormatException(layer.name(), "inode " + link.number + " is not a symlink");
		byte[] t = open(link).readAll(1 << 16);
		return GuestName.text(t);
	}

	/** Inode number of an absolute path inside the file system ({@code /} = root), without following symlinks. */
	public long lookup(String path) throws IOException {
		long ino = ROOT_INODE;
		for (String part : path.split("/")) {
			if (part.isEmpty()) continue;
			Ext4Inode d = inode(ino);
			long next = -1;
			for (DirectoryEntry e : readDirectory(d)) {
				if (e.name().equals(part)) {
					next = e.inode();
					break;
				}
			}
			if (next < 0) throw new java.nio.file.NoSuchFileException(path);
			ino = next;
		}
		return ino;
	}

	// ---- listing

	/** Every path reachable from the root, sorted by path (byte order), regular files hashed. */
	public List<FileRecord> listing(String mountPrefix) throws IOException {
		return listing(mountPrefix, true);
	}

	/**
	 * Every path reachable from the root as the manifest lists it: the root is {@code mountPrefix} (or "/"),
	 * children {@code mountPrefix/name}. Unreadable entries become findings and are left out.
	 */
	public List<FileRecord> listing(String mountPrefix, boolean hash) throws IOException {
		return listing(mountPrefix, hash, Progress.NONE);
	}

	/**
	 * As {@link #listing(String, boolean)}, reporting one unit per path (estimated total: inodes in use per the
	 * superblock, which a live system updates lazily)
	 * and polling {@code progress} for cancellation.
	 */
	public List<FileRecord> listing(String mountPrefix, boolean hash, Progress progress) throws IOException {
		progress.begin("Listing " + layer.name(), Math.max(-1, sb.inodesCount - sb.freeInodesCount));
		String rootPath = mountPrefix == null || mountPrefix.isEmpty() || mountPrefix.equals("/") ? "/" : stripSlash(mountPrefix);
		List<FileRecord> out = new ArrayList<>();
		Set<Long> visitedDirs = new HashSet<>();
		Deque<Object[]> work = new ArrayDeque<>();
		Ext4Inode root = inode(ROOT_INODE);
		out.add(record(rootPath, root, hash));
		visitedDirs.add(ROOT_INODE);
		work.push(new Object[] { rootPath, root });
		while (!work.isEmpty()) {
			Object[] w = work.pop();
			String dirPath = (String) w[0];
			Ext4Inode dir = (Ext4Inode) w[1];
			List<DirectoryEntry> entries;
			try {
				entries = readDirectory(dir);
			} catch (IOException e) {
				finding("ext4-dir", dirPath, "directory unreadable: " + e.getMessage());
				continue;
			}
			for (DirectoryEntry e : entries) {
				if (e.isDotOrDotDot()) continue;
				progress.checkCanceled();
				progress.worked(1);
				String p = (dirPath.equals("/") ? "" : dirPath) + "/" + e.name();
				nameFinding(p, dir, e);
				Ext4Inode in;
				try {
					in = inode(e.inode());
				} catch (IOException ex) {
					finding("ext4-dirent", p, ex.getMessage());
					continue;
				}
				if (in.mode == 0) {
					finding("ext4-dirent", p, "entry names unused inode " + e.inode());
					continue;
				}
				out.add(record(p, in, hash));
				if (in.isDirectory()) {
					if (visitedDirs.add(in.number)) work.push(new Object[] { p, in });
					else finding("ext4-dirloop", p, "directory inode " + in.number + " reached twice; not descended again");
				}
			}
		}
		ManifestFormat.sortByPath(out, FileRecord::path);
		return out;
	}

	private static String stripSlash(String s) {
		while (s.length() > 1 && s.endsWith("/")) s = s.substring(0, s.length() - 1);
		return s;
	}

	/** The manifest record of one inode at {@code path}. */
	public FileRecord record(String path, Ext4Inode in, boolean hash) {
		FileType type = FileType.fromMode(in.mode, in.size);
		String sha = null, target = null;
		try {
			if (hash && type.isRegular() && (in.size < 0 || in.size > maxFileSize(in))) {
				finding("ext4-inode", path, "inode " + in.number + ": i_size " + Long.toUnsignedString(in.size) + " exceeds what its block map can address; not hashed");
			} else if (hash && type.isRegular()) {
				// holes hash as zeros at memory speed, but a forged i_size of terabytes over a few blocks would take hours:
				// more hole than the whole device is left unhashed, so a listing costs at most files x device size
				Ext4File f = open(in);
				long mapped = f.blockMap().mappedBlocks();
				long holes = in.size - Math.min(in.size, mapped > Long.MAX_VALUE / blockSize ? Long.MAX_VALUE : mapped * blockSize);
				if (!f.isInline() && holes > layer.size()) {
					finding("ext4-inode", path, "inode " + in.number + ": i_size " + in.size + " is holes but for " + mapped
							+ " mapped blocks, more than the whole device (" + layer.size() + " bytes); not hashed");
				} else sha = f.sha256();
			}
			if (type == FileType.SYMLINK) target = symlinkTarget(in);
		} catch (IOException e) {
			finding("ext4-content", path, "inode " + in.number + ": " + e.getMessage());
		}
		return new FileRecord(path, type, in.mode, in.uid, in.gid, in.size, in.linksCount, in.number, in.atime, in.mtime,
				in.ctime, in.mtimeNanos, sha, target);
	}

	/** Largest size the inode's mapping scheme can address ("Inode Size" limits): extents 2^32 blocks, else 12+p+p²+p³. */
	public long maxFileSize(Ext4Inode in) {
		if (in.hasInlineData()) return blockSize; // i_block + system.data never exceed a block
		if (in.hasExtents()) return (1L << 32) * blockSize;
		long p = blockSize / 4;
		return Math.multiplyHigh(p * p, p) != 0 ? Long.MAX_VALUE : (12 + p + p * p + p * p * p) * blockSize;
	}

	// ---- forensic extras

	/**
	 * Deleted inodes: a mode and a deletion time, and either no links or a clear bit in the inode bitmap (the
	 * kernel sets both; tools may leave the link count). Found by scanning every initialized inode table; each
	 * also becomes an {@code ext4-deleted} INFO finding. Their block maps may still point at the old data.
	 */
	public List<Ext4Inode> deletedInodes() throws IOException {
		List<Ext4Inode> out = new ArrayList<>();
		boolean csumGroups = sb.hasRoCompat(Ext4Superblock.RO_COMPAT_METADATA_CSUM | Ext4Superblock.RO_COMPAT_GDT_CSUM);
		long budget = inodeSlotsOnDevice();
		for (GroupDescriptor d : groups) {
			if (csumGroups && (d.flags() & GroupDescriptor.INODE_UNINIT) != 0) continue;
			long used = sb.inodesPerGroup;
			if (csumGroups) used -= Math.min(used, d.itableUnused());
			byte[] bitmap = null;
			try {
				if (d.inodeBitmap() > 0 && d.inodeBitmap() < sb.blocksCount) bitmap = readBlock(d.inodeBitmap());
			} catch (IOException e) {
				finding("ext4-gdt", "group " + d.group(), "inode bitmap unreadable: " + e.getMessage());
			}
			for (long i = 0; i < used; i++) {
				long n = d.group() * sb.inodesPerGroup + i + 1;
				if (n > sb.inodesCount) break;
				if (budget-- <= 0) {
					finding("ext4-gdt", "group " + d.group(), "inode tables hold more inodes than the device has room for (tables overlap); scan stopped");
					return out;
				}
				Ext4Inode in;
				try {
					in = inodeQuiet(n);
				} catch (IOException e) {
					break;
				}
				boolean allocated = bitmap == null || i / 8 >= bitmap.length || (bitmap[(int) (i / 8)] & (1 << (i % 8))) != 0;
				if (in.mode != 0 && in.dtime != 0 && (in.linksCount == 0 || !allocated)) {
					out.add(in);
					findings.add(new Finding(Finding.Severity.INFO, "ext4-deleted", "inode " + n,
							String.format("deleted inode (dtime %d, mode %o, size %d, links %d%s)", in.dtime, in.mode, in.size,
									in.linksCount, allocated ? ", still allocated: orphan?" : "")));
				}
			}
		}
		return out;
	}

	/**
	 * Inode records the device has room for: no real image has more in its tables (they lie on the device), so a scan
	 * of every table stops there when forged descriptors make tables overlap or a forged superblock multiplies them.
	 */
	long inodeSlotsOnDevice() {
		return layer.size() / sb.inodeSize;
	}

	private Ext4Inode inodeQuiet(long n) throws IOException {
		long g = (n - 1) / sb.inodesPerGroup, idx = (n - 1) % sb.inodesPerGroup;
		byte[] raw = new byte[sb.inodeSize];
		layer.read(groups[(int) g].inodeTable() * blockSize + idx * sb.inodeSize, raw, 0, raw.length);
		return new Ext4Inode(n, raw, sb);
	}

	/**
	 * Whether the block bitmap marks {@code block} in use (per cluster under bigalloc). A group still flagged
	 * BLOCK_UNINIT has no bitmap on disk: then only its own metadata (superblock copy, descriptors, bitmaps,
	 * inode table) counts as used. A bitmap checksum mismatch is a finding.
	 */
	public boolean blockAllocated(long block) throws IOException {
		if (block < sb.firstDataBlock || block >= sb.blocksCount) throw new EvidenceFormatException(layer.name(), "block " + block + " outside the file system");
		long rel = block - sb.firstDataBlock;
		long g = rel / sb.blocksPerGroup;
		GroupDescriptor d = groups[(int) g];
		long bit = (rel % sb.blocksPerGroup) >> sb.clusterBits();
		boolean csumGroups = sb.hasRoCompat(Ext4Superblock.RO_COMPAT_METADATA_CSUM | Ext4Superblock.RO_COMPAT_GDT_CSUM);
		if (csumGroups && (d.flags() & GroupDescriptor.BLOCK_UNINIT) != 0) {
			return block == d.blockBitmap() || block == d.inodeBitmap() || (block >= d.inodeTable()
					&& block < d.inodeTable() + (sb.inodesPerGroup * sb.inodeSize + blockSize - 1) / blockSize)
					|| rel % sb.blocksPerGroup < baseMetaBlocks(g);
		}
		byte[] bm = bitmap(d.blockBitmap(), "block", g, sb.clustersPerGroup / 8, d.blockBitmapCsum());
		return (bm[(int) (bit >>> 3)] & (1 << (bit & 7))) != 0;
	}

	/** Superblock copy, descriptor and reserved-GDT blocks at the start of group {@code g} ("Block Group Layout"). */
	private long baseMetaBlocks(long g) {
		int perBlock = blockSize / sb.descSize;
		long gdtBlocks = (groups.length + perBlock - 1) / perBlock;
		boolean meta = sb.hasIncompat(Ext4Superblock.INCOMPAT_META_BG);
		long n = 0;
		if (sb.groupHasSuperblock(g)) {
			n = 1;
			if (!meta) n += gdtBlocks + sb.reservedGdtBlocks;
			else n += Math.min(gdtBlocks, sb.firstMetaBg) + sb.reservedGdtBlocks;
		}
		if (meta && g / perBlock >= sb.firstMetaBg) {
			long idx = g % perBlock;
			if (idx == 0 || idx == 1 || idx == perBlock - 1) n++;
		}
		return n;
	}

	/** Whether the inode bitmap marks inode {@code number} in use (INODE_UNINIT groups: none is). */
	public boolean inodeAllocated(long number) throws IOException {
		if (number < 1 || number > sb.inodesCount) throw new EvidenceFormatException(layer.name(), "inode " + number + " out of range 1.." + sb.inodesCount);
		long g = (number - 1) / sb.inodesPerGroup, bit = (number - 1) % sb.inodesPerGroup;
		GroupDescriptor d = groups[(int) g];
		boolean csumGroups = sb.hasRoCompat(Ext4Superblock.RO_COMPAT_METADATA_CSUM | Ext4Superblock.RO_COMPAT_GDT_CSUM);
		if (csumGroups && (d.flags() & GroupDescriptor.INODE_UNINIT) != 0) return false;
		byte[] bm = bitmap(d.inodeBitmap(), "inode", g, sb.inodesPerGroup / 8, d.inodeBitmapCsum());
		return (bm[(int) (bit >>> 3)] & (1 << (bit & 7))) != 0;
	}

	/** The inode bitmap of a group, or null when the group is INODE_UNINIT or its bitmap unusable. */
	byte[] inodeBitmapOf(long g) {
		GroupDescriptor d = groups[(int) g];
		boolean csumGroups = sb.hasRoCompat(Ext4Superblock.RO_COMPAT_METADATA_CSUM | Ext4Superblock.RO_COMPAT_GDT_CSUM);
		if (csumGroups && (d.flags() & GroupDescriptor.INODE_UNINIT) != 0) return null;
		if (d.inodeBitmap() == 0 || d.inodeBitmap() >= sb.blocksCount) return null; // refused by bitmap() too, without an exception per group
		try {
			return bitmap(d.inodeBitmap(), "inode", g, sb.inodesPerGroup / 8, d.inodeBitmapCsum());
		} catch (IOException e) {
			return null;
		}
	}

	/** Reads a bitmap block; under metadata_csum verifies crc32c(seed, first {@code bytes} bytes) ("Bitmaps"). */
	private byte[] bitmap(long blk, String what, long group, long bytes, long stored) throws IOException {
		if (blk == 0 || blk >= sb.blocksCount) throw new EvidenceFormatException(layer.name(), what + " bitmap of group " + group + " lies outside the device");
		byte[] b = readBlock(blk);
		if (sb.hasMetadataCsum()) {
			long c = Crc32c.update(csumSeed, b, 0, (int) Math.min(bytes, b.length)) & 0xffffffffL;
			if (sb.descSize < 64) c &= 0xffff;
			if (c != stored) finding("ext4-csum", "block " + blk, String.format("%s bitmap of group %d: checksum 0x%08x, computed 0x%08x", what, group, stored, c));
		}
		return b;
	}

	/** Removed names still legible in a directory's leaf blocks (inode 0 when the inode field was cleared). */
	public List<DirectoryEntry> deletedEntries(Ext4Inode dir) throws IOException {
		if (!dir.isDirectory()) throw new EvidenceFormatException(layer.name(), "inode " + dir.number + " is not a directory");
		return HtreeDirectory.deletedEntries(this, dir);
	}

	/** A removed name found in directory slack: full path, the inode it named, and that inode now. */
	public record DeletedName(String path, long inode, int fileType, Ext4Inode current) {
		/** The inode number now belongs to a live file (or was never read): the name's old content is gone. */
		public boolean inodeReused() {
			return current == null || (current.linksCount > 0 && current.dtime == 0);
		}
	}

	/**
	 * Every removed name legible in the slack of directories reachable from the root, with paths built like
	 * {@link #listing(String)}'s. Each also becomes an {@code ext4-deleted-name} INFO finding.
	 */
	public List<DeletedName> deletedNames(String mountPrefix) throws IOException {
		String rootPath = mountPrefix == null || mountPrefix.isEmpty() || mountPrefix.equals("/") ? "/" : stripSlash(mountPrefix);
		List<DeletedName> out = new ArrayList<>();
		Set<Long> visited = new HashSet<>();
		Deque<Object[]> work = new ArrayDeque<>();
		work.push(new Object[] { rootPath, ROOT_INODE });
		visited.add(ROOT_INODE);
		while (!work.isEmpty() && out.size() < HtreeDirectory.MAX_DELETED) {
			Object[] w = work.pop();
			String dirPath = (String) w[0];
			Ext4Inode dir;
			List<DirectoryEntry> live;
			try {
				dir = inode((Long) w[1]);
				live = readDirectory(dir);
			} catch (IOException e) {
				continue;
			}
			String base = dirPath.equals("/") ? "" : dirPath;
			for (DirectoryEntry e : deletedEntries(dir)) {
				Ext4Inode cur = null;
				try {
					if (e.inode() > 0) cur = inode(e.inode());
				} catch (IOException ex) {
					// out of range: keep the name, no inode
				}
				DeletedName d = new DeletedName(base + "/" + e.name(), e.inode(), e.fileType(), cur);
				nameFinding(d.path(), dir, e);
				out.add(d);
				findings.add(new Finding(Finding.Severity.INFO, "ext4-deleted-name", d.path(), "removed entry naming inode "
						+ e.inode() + (d.inodeReused() ? " (inode since reused)" : "")));
			}
			for (DirectoryEntry e : live) {
				if (e.isDotOrDotDot() || e.fileType() != 2 && e.fileType() != 0) continue;
				try {
					Ext4Inode c = inode(e.inode());
					if (c.isDirectory() && visited.add(c.number)) work.push(new Object[] { base + "/" + e.name(), c.number });
				} catch (IOException ex) {
					// reported by listing()
				}
			}
		}
		return out;
	}

	/**
	 * A deleted or orphan inode as a listing row: {@code record.path()} is {@code <prefix>/$Deleted/<inode>} (or
	 * {@code $Orphan}), {@code recoveredPath} a removed name found in directory slack that named it, or null.
	 * Content hashes cover whatever the block map still points at (ext4 usually clears it on deletion).
	 */
	public record DeletedFile(FileRecord record, String recoveredPath, boolean orphan) {
	}

	/** Deleted inodes and orphans, with names recovered from directory slack where possible. */
	public List<DeletedFile> deletedListing(String mountPrefix, boolean hash) throws IOException {
		String base = mountPrefix == null || mountPrefix.isEmpty() || mountPrefix.equals("/") ? "" : stripSlash(mountPrefix);
		java.util.Map<Long, String> names = new java.util.HashMap<>();
		for (DeletedName n : deletedNames(mountPrefix)) if (n.inode() > 0) names.putIfAbsent(n.inode(), n.path());
		List<DeletedFile> out = new ArrayList<>();
		Set<Long> orphans = new HashSet<>(orphanList());
		Set<Long> done = new HashSet<>();
		for (Ext4Inode in : deletedInodes()) {
			boolean orphan = orphans.contains(in.number);
			done.add(in.number);
			out.add(new DeletedFile(record(base + (orphan ? "/$Orphan/" : "/$Deleted/") + in.number, in, hash), names.get(in.number), orphan));
		}
		for (long n : orphans) {
			if (done.contains(n)) continue;
			try {
				out.add(new DeletedFile(record(base + "/$Orphan/" + n, inode(n), hash), names.get(n), true));
			} catch (IOException e) {
				// reported by orphanList()
			}
		}
		ManifestFormat.sortByPath(out, d -> d.record().path());
		return out;
	}

	/**
	 * Orphan inodes (open but unlinked, or mid-truncate when the image was taken): the list from
	 * {@code s_last_orphan} through each inode's {@code i_dtime} ("Orphan List"), then the entries of the
	 * orphan file (orphan_file feature: blocks of le32 inode numbers, tail magic 0x0b10ca04). A loop or bad link
	 * ends the walk with a finding; each orphan is also an {@code ext4-orphan} INFO finding.
	 */
	public List<Long> orphanList() {
		List<Long> out = new ArrayList<>();
		Set<Long> seen = new HashSet<>();
		long n = sb.lastOrphan;
		while (n != 0) {
			if (!seen.add(n)) {
				finding("ext4-orphan", "inode " + n, "orphan list loops");
				break;
			}
			Ext4Inode in;
			try {
				in = inode(n);
			} catch (IOException e) {
				finding("ext4-orphan", "inode " + n, "orphan list link unusable: " + e.getMessage());
				break;
			}
			out.add(n);
			orphanFinding(in, "orphan list");
			n = in.dtime;
		}
		if (sb.hasCompat(Ext4Superblock.COMPAT_ORPHAN_FILE) && sb.orphanFileInum != 0) {
			try {
				Ext4Inode of = inode(sb.orphanFileInum);
				Ext4File f = open(of);
				byte[] b = new byte[blockSize];
				for (BlockRun r : f.blockMap().runs()) {
					for (long i = 0; i < r.length() && out.size() < 1_000_000; i++) {
						layer.read((r.physical() + i) * blockSize, b, 0, blockSize);
						if (cacheshadow.layers.LittleEndian.u32(b, blockSize - 8) != 0x0b10ca04L) {
							finding("ext4-orphan", "block " + (r.physical() + i), "orphan file block without its tail magic");
							continue;
						}
						for (int off = 0; off < blockSize - 8; off += 4) {
							long ino = cacheshadow.layers.LittleEndian.u32(b, off);
							if (ino == 0 || !seen.add(ino)) continue;
							out.add(ino);
							try {
								orphanFinding(inode(ino), "orphan file");
							} catch (IOException e) {
								finding("ext4-orphan", "inode " + ino, "orphan file entry unusable: " + e.getMessage());
							}
						}
					}
				}
			} catch (IOException e) {
				finding("ext4-orphan", "inode " + sb.orphanFileInum, "orphan file unreadable: " + e.getMessage());
			}
		}
		return out;
	}

	private void orphanFinding(Ext4Inode in, String where) {
		findings.add(new Finding(Finding.Severity.INFO, "ext4-orphan", "inode " + in.number,
				String.format("orphan inode in the %s (links %d, size %d)", where, in.linksCount, in.size)));
	}

	@Override
	public void close() throws IOException {
		// the layer belongs to the caller
	}
}
