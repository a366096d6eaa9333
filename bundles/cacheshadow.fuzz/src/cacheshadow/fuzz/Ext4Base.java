package cacheshadow.fuzz;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.zip.GZIPInputStream;

import cacheshadow.ext4.BlockMap;
import cacheshadow.ext4.BlockOwners;
import cacheshadow.ext4.BlockRun;
import cacheshadow.ext4.DirectoryEntry;
import cacheshadow.ext4.Ext4File;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.ext4.Ext4Inode;
import cacheshadow.layers.Layer;
import cacheshadow.layers.RawFileLayer;
import cacheshadow.testing.Ext4Workout;
import cacheshadow.testing.PatchedLayer;

/**
 * A small real ext4 image (made by {@code make-ext4-bases.sh}, kept beside these classes) that the ext4 and jbd2
 * targets lay their input over: the input replaces the bytes of chosen metadata structures ({@link Region}s, found
 * in the pristine image through the file system's own API), everything else stays the image's. Two bases: ext4 with
 * 4 KiB blocks (metadata_csum, inline data, ea_inode, a csum-v3 journal with committed transactions) and ext3 with
 * 1 KiB blocks (indirect blocks, meta_bg, crc16 descriptors, a v2 journal), so one input meets both layouts.
 */
final class Ext4Base {
	static final Ext4Base EXT4_4K = load("ext4-4k.img.gz");
	static final Ext4Base EXT3_1K = load("ext3-1k.img.gz");
	static final List<Ext4Base> ALL = List.of(EXT4_4K, EXT3_1K);

	/**
	 * Bytes of the image at {@code offset}, {@code length} long, that the next {@code slot} bytes of an input replace
	 * from their start (a slot wider than the region lets one input mean the same structures on both bases: a 4 KiB
	 * block's worth per block, 256 bytes per inode, whatever the base's block and inode sizes).
	 */
	record Region(long offset, int length, int slot) {
		Region(long offset, int length) {
			this(offset, length, length);
		}

		Region slot(int bytes) {
			return new Region(offset, Math.min(length, bytes), bytes);
		}
	}

	final String name;
	final Layer pristine;
	final Ext4FileSystem fs;
	final int blockSize;

	private Ext4Base(String name, Layer pristine) throws IOException {
		this.name = name;
		this.pristine = pristine;
		this.fs = Ext4FileSystem.open(pristine, Ext4FileSystem.Options.AS_IT_LIES);
		this.blockSize = fs.blockSize();
	}

	private static Ext4Base load(String resource) {
		try (InputStream in = Ext4Base.class.getResourceAsStream(resource)) {
			if (in == null) throw new IllegalStateException("base image " + resource + " missing beside " + Ext4Base.class.getName());
			Path f = Files.createTempFile(InputFile.dir(), resource.replace(".img.gz", ""), ".img");
			f.toFile().deleteOnExit();
			try (GZIPInputStream z = new GZIPInputStream(in)) {
				Files.copy(z, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
			}
			return new Ext4Base(resource, new RawFileLayer(f, "fuzz base"));
		} catch (IOException e) {
			throw new UncheckedIOException("base image " + resource, e);
		}
	}

	/** The image with {@code data} laid over {@code regions} in order: each takes the next bytes of the input. */
	Layer with(byte[] data, List<Region> regions) {
		PatchedLayer p = new PatchedLayer(pristine);
		int at = 0;
		for (Region r : regions) {
			if (at >= data.length) break;
			int n = Math.min(r.length(), data.length - at);
			if (n > 0) p.put(r.offset(), java.util.Arrays.copyOfRange(data, at, at + n));
			at += r.slot();
		}
		return p;
	}

	/**
	 * What a target's fuzzed structures reach on one base: the paths and inode numbers whose inodes, maps, contents,
	 * directories and xattrs are read from them, and which whole-image scans (descriptors, bitmaps, inode tables)
	 * depend on them. Asking only this, instead of everything the image holds (415 paths, 512 inodes: 20-40 ms an
	 * input on both bases, under 40 exec/s), keeps each target at the cost of parsing what it fuzzes.
	 */
	record Reach(List<String> paths, List<Long> inodes, Set<Scan> scans) {
	}

	/** Whole-image questions, each asked only by the targets whose structures they parse. */
	enum Scan {
		/** Deleted inodes: every initialised inode table, per the descriptors' flags and unused counts. */
		DELETED_INODES,
		/** Removed names in the slack of every directory reachable from the root. */
		DELETED_NAMES,
		/** Block owners: group metadata per descriptor and every in-use inode's maps. */
		BLOCK_OWNERS,
		/** Block bitmap bits of the first 64 blocks and inode bitmap bits of the first 32 inodes. */
		BITMAPS
	}

	/** The named paths of both bases: every kind of inode, map, directory and xattr they hold. */
	static final List<String> LANDMARKS = List.of("/", "/a.txt", "/d", "/d/inline40.txt", "/d/e", "/d/e/b.txt", "/frag.bin",
			"/indirect.bin", "/link", "/longlink", "/many", "/tiny", "/tiny/t1", "/orphan.txt", "/lost+found");

	/** Children of a directory read (inode, name checks) past its own parse: enough for every entry kind of the bases. */
	static final int CHILDREN = 32;
	/** Regular files up to this size are hashed whole as a listing does; larger ones read at their start, middle and end. */
	static final long HASHED = 64 << 10;

	/** One target's regions and reach on every base: an input is laid over each base in turn and what it reaches read. */
	static final class Overlay {
		private final List<Ext4Base> bases = ALL;
		private final List<List<Region>> regions;
		private final List<Reach> reach;

		Overlay(Function<Ext4Base, List<Region>> where, Function<Ext4Base, Reach> reached) {
			regions = bases.stream().map(where).toList();
			reach = bases.stream().map(reached).toList();
		}

		void openAndRead(byte[] data) {
			for (int i = 0; i < bases.size(); i++) Ext4Base.openAndRead(bases.get(i).with(data, regions.get(i)), reach.get(i));
		}

		/** The pristine bytes of the regions of base {@code i}, each in its slot: a seed that changes nothing there. */
		byte[] pristineInput(int i) throws IOException {
			List<Region> rs = regions.get(i);
			int total = 0;
			for (Region r : rs) total += r.slot();
			byte[] out = new byte[total];
			int at = 0;
			for (Region r : rs) {
				bases.get(i).pristine.read(r.offset(), out, at, r.length());
				at += r.slot();
			}
			return out;
		}
	}

	/**
	 * Opens the overlaid image (journal replayed, backup superblock when the primary is unusable) and asks it what
	 * {@code reach} names. An {@link IOException} of one question (the image refusing it) is expected and the next goes
	 * on; anything else escapes as a finding.
	 */
	static void openAndRead(Layer image, Reach reach) {
		Ext4FileSystem fs;
		try {
			fs = Ext4FileSystem.open(image, Ext4FileSystem.Options.REPLAYED.withBackupSuperblock());
		} catch (IOException refused) {
			return; // no usable superblock or descriptor table: a clear error
		}
		for (String p : reach.paths()) {
			long n;
			try {
				n = fs.lookup(p);
			} catch (IOException e) {
				continue; // a directory on the way refuses, or the name is gone
			}
			ask(fs, p, n);
		}
		for (long n : reach.inodes()) ask(fs, "/$inode/" + n, n);
		fs.orphanList();
		Set<Scan> scans = reach.scans();
		try {
			if (scans.contains(Scan.DELETED_NAMES)) fs.deletedNames("");
		} catch (IOException e) {
			// the root refuses
		}
		try {
			if (scans.contains(Scan.DELETED_INODES)) fs.deletedInodes();
		} catch (IOException e) {
			// refused
		}
		if (scans.contains(Scan.BLOCK_OWNERS)) {
			BlockOwners owners = BlockOwners.build(fs);
			for (long b = 0; b < Math.min(fs.blocksCount(), 64); b++) owners.owner(b);
		}
		if (scans.contains(Scan.BITMAPS)) Ext4Workout.readBitmaps(fs);
		if (fs.journalReplay() != null) fs.journalReplay().transactions().size();
		fs.findings();
	}

	/** Everything a listing and a reader ask of one inode: its record (content hashed), xattrs, map, entries and slack. */
	private static void ask(Ext4FileSystem fs, String path, long number) {
		Ext4Inode in;
		try {
			in = fs.inode(number);
		} catch (IOException e) {
			return;
		}
		try {
			fs.inodeAllocated(number);
		} catch (IOException e) {
			// bitmap outside the device
		}
		// hashing reads the whole file as a listing does; a forged size of more than HASHED is read at three places
		// instead (its refusals, negative or past what the map addresses, are cheap and still taken)
		boolean whole = in.size < 0 || in.size <= HASHED || in.size > fs.maxFileSize(in);
		fs.record(path, in, whole);
		if (!whole && !in.isDirectory()) {
			Ext4File f = fs.open(in);
			byte[] buf = new byte[4096];
			for (long at : new long[] { 0, in.size / 2, in.size - buf.length }) {
				try {
					f.read(Math.max(0, at), buf, 0, buf.length);
				} catch (IOException e) {
					// a block outside the device
				}
			}
		}
		fs.extendedAttributes(in);
		BlockMap map = fs.blockMap(in);
		for (BlockRun run : map.runs()) run.length();
		map.metadataBlocks();
		if (!in.isDirectory()) return;
		try {
			int children = 0;
			for (DirectoryEntry e : fs.readDirectory(in)) {
				if (e.isDotOrDotDot() || children++ >= CHILDREN) continue;
				String p = (path.equals("/") ? "" : path) + "/" + e.name();
				fs.nameFinding(p, in, e);
				try {
					fs.record(p, fs.inode(e.inode()), false);
				} catch (IOException x) {
					// entry names an inode out of range
				}
			}
		} catch (IOException e) {
			// directory unreadable
		}
		try {
			for (DirectoryEntry e : fs.deletedEntries(in)) e.name();
		} catch (IOException e) {
			// slack unreadable
		}
	}

	// ---- where things lie in the pristine image

	long inodeNumber(String path) {
		try {
			return fs.lookup(path);
		} catch (IOException e) {
			throw new IllegalStateException(name + ": " + path, e);
		}
	}

	Ext4Inode inode(long number) {
		try {
			return fs.inode(number);
		} catch (IOException e) {
			throw new IllegalStateException(name + ": inode " + number, e);
		}
	}

	/** The on-disk record of inode {@code number}. */
	Region inodeRecord(long number) {
		try {
			return new Region(fs.inodeOffset(number), fs.superblock().inodeSize);
		} catch (IOException e) {
			throw new IllegalStateException(name + ": inode " + number, e);
		}
	}

	/** The first inode holding an xattr value (ea_inode feature), or 0. */
	long eaInode() {
		for (long n = fs.superblock().firstIno; n <= fs.superblock().inodesCount; n++) {
			Ext4Inode in = inode(n);
			if (in.mode != 0 && (in.flags & Ext4Inode.FL_EA_INODE) != 0) return n;
		}
		return 0;
	}

	Region block(long block) {
		return new Region(block * blockSize, blockSize);
	}

	/** The file's mapped blocks in logical order, at most {@code max}. */
	List<Region> dataBlocks(String path, int max) {
		List<Region> out = new ArrayList<>();
		for (BlockRun r : fs.blockMap(inode(inodeNumber(path))).runs()) {
			for (long i = 0; i < r.length() && out.size() < max; i++) out.add(block(r.physical() + i));
		}
		return out;
	}

	/** The file's map blocks (extent tree nodes below the root, indirect blocks), at most {@code max}. */
	List<Region> mapBlocks(String path, int max) {
		List<Region> out = new ArrayList<>();
		for (long b : fs.blockMap(inode(inodeNumber(path))).metadataBlocks()) {
			if (out.size() < max) out.add(block(b));
		}
		return out;
	}

	@Override
	public String toString() {
		return name;
	}
}
