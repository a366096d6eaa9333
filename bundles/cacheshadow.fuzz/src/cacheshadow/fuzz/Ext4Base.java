package cacheshadow.fuzz;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

import cacheshadow.ext4.BlockRun;
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

	/** One target's regions on every base: an input is laid over each base in turn and each image read through. */
	static final class Overlay {
		private final List<Ext4Base> bases = ALL;
		private final List<List<Region>> regions;

		Overlay(java.util.function.Function<Ext4Base, List<Region>> where) {
			regions = bases.stream().map(where).toList();
		}

		void openAndReadEverything(byte[] data) {
			for (int i = 0; i < bases.size(); i++) Ext4Base.openAndReadEverything(bases.get(i).with(data, regions.get(i)));
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

	/** Opens the overlaid image (journal replayed, backup superblock when the primary is unusable) and asks it everything. */
	static void openAndReadEverything(Layer image) {
		Ext4FileSystem fs;
		try {
			fs = Ext4FileSystem.open(image, Ext4FileSystem.Options.REPLAYED.withBackupSuperblock());
		} catch (IOException refused) {
			return; // no usable superblock or descriptor table: a clear error
		}
		Ext4Workout.readEverything(fs);
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
