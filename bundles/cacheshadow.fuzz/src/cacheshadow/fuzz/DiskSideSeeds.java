package cacheshadow.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

import cacheshadow.ext4.BlockRun;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.ext4.Ext4Inode;
import cacheshadow.layers.Layer;
import cacheshadow.layers.RawFileLayer;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.FileType;

/**
 * Writes the seed inputs of the ext4 and jbd2 targets: for each base image, the bytes the target lays over it as they
 * are (an input that changes nothing), and the same kinds of structures cut from the real sample disks
 * ({@code disk.img} of each set in the samples directory: superblock, descriptors, inode records, an extent tree,
 * directory blocks, the journal with a real kernel's transactions). Run from the repository root:
 * {@code java -cp build/fuzz/classes:... cacheshadow.fuzz.DiskSeeds build/samples bundles/cacheshadow.fuzz/seeds}.
 */
public final class DiskSeeds {
	private DiskSeeds() {
	}

	public static void main(String[] args) throws IOException {
		Path samples = Path.of(args[0]), seeds = Path.of(args[1]);
		pristine(seeds, "Ext4SuperblockFuzzer", Ext4SuperblockFuzzer.OVERLAY);
		pristine(seeds, "Ext4GroupDescriptorFuzzer", Ext4GroupDescriptorFuzzer.OVERLAY);
		pristine(seeds, "Ext4InodeFuzzer", Ext4InodeFuzzer.OVERLAY);
		pristine(seeds, "Ext4BlockMapFuzzer", Ext4BlockMapFuzzer.OVERLAY);
		pristine(seeds, "Ext4HtreeFuzzer", Ext4HtreeFuzzer.OVERLAY);
		pristine(seeds, "Ext4XattrFuzzer", Ext4XattrFuzzer.OVERLAY);
		pristine(seeds, "Ext4InlineDataFuzzer", Ext4InlineDataFuzzer.OVERLAY);
		pristine(seeds, "Jbd2Fuzzer", Jbd2Fuzzer.OVERLAY);
		try (var sets = Files.list(samples)) {
			for (Path set : sets.filter(Files::isDirectory).sorted().toList()) {
				Path disk = set.resolve("disk.img");
				if (Files.isRegularFile(disk)) fromSample(seeds, set.getFileName().toString(), disk);
			}
		}
	}

	private static void pristine(Path seeds, String target, Ext4Base.Overlay overlay) throws IOException {
		for (int i = 0; i < Ext4Base.ALL.size(); i++) {
			write(seeds, target, "base-" + Ext4Base.ALL.get(i).name.replace(".img.gz", ""), overlay.pristineInput(i));
		}
	}

	/** The sample's structures, in the slots the targets use (4 KiB per block, 256 bytes per inode). */
	private static void fromSample(Path seeds, String set, Path disk) throws IOException {
		try (Layer l = new RawFileLayer(disk)) {
			Ext4FileSystem fs = Ext4FileSystem.open(l, Ext4FileSystem.Options.AS_IT_LIES);
			int bs = fs.blockSize();
			List<FileRecord> all = fs.listing("");
			write(seeds, "Ext4SuperblockFuzzer", set, bytes(l, 1024, 1024));
			write(seeds, "Ext4GroupDescriptorFuzzer", set, bytes(l, (1024 / bs + 1L) * bs, 4 * fs.superblock().descSize));
			// one inode of each kind there is, then the largest files, up to the target's 17 records
			List<Long> inodes = new ArrayList<>();
			for (FileType t : FileType.values()) all.stream().filter(r -> r.type() == t).findFirst().ifPresent(r -> inodes.add(r.inode()));
			inodes.add(fs.superblock().journalInum);
			all.stream().sorted(Comparator.comparingLong(FileRecord::size).reversed()).map(FileRecord::inode).filter(n -> !inodes.contains(n))
					.limit(17 - inodes.size()).forEach(inodes::add);
			write(seeds, "Ext4InodeFuzzer", set, concat(inodes, n -> bytes(l, offset(fs, n), fs.superblock().inodeSize), 256));
			// the file with the deepest extent tree: i_block and its map blocks
			FileRecord mapped = all.stream().filter(r -> r.type() == FileType.REGULAR)
					.max(Comparator.comparingInt((FileRecord r) -> mapBlocks(fs, r.inode()).size()).thenComparingLong(FileRecord::size)).orElseThrow();
			List<byte[]> bm = new ArrayList<>();
			bm.add(bytes(l, offset(fs, mapped.inode()) + Ext4Inode.I_BLOCK_OFFSET, Ext4Inode.I_BLOCK_SIZE));
			List<Long> mb = mapBlocks(fs, mapped.inode());
			for (int i = 0; i < 3; i++) bm.add(i < mb.size() ? bytes(l, mb.get(i) * bs, bs) : new byte[bs]);
			write(seeds, "Ext4BlockMapFuzzer", set, concat(bm));
			// the root's first block, then the first blocks of the largest directory
			FileRecord dir = all.stream().filter(r -> r.type() == FileType.DIRECTORY).max(Comparator.comparingLong(FileRecord::size)).orElseThrow();
			List<byte[]> db = new ArrayList<>();
			db.add(bytes(l, fs.blockMap(fs.inode(Ext4FileSystem.ROOT_INODE)).physical(0) * bs, bs));
			for (BlockRun r : fs.blockMap(fs.inode(dir.inode())).runs()) {
				for (long i = 0; i < r.length() && db.size() < 7; i++) db.add(bytes(l, (r.physical() + i) * bs, bs));
			}
			write(seeds, "Ext4HtreeFuzzer", set, concat(db));
			// the journal as the kernel left it (the samples need recovery)
			List<byte[]> jb = new ArrayList<>();
			for (BlockRun r : fs.blockMap(fs.inode(fs.superblock().journalInum)).runs()) {
				for (long i = 0; i < r.length() && jb.size() < Jbd2Fuzzer.BLOCKS; i++) jb.add(bytes(l, (r.physical() + i) * bs, bs));
			}
			write(seeds, "Jbd2Fuzzer", set, concat(jb));
		}
	}

	private static List<Long> mapBlocks(Ext4FileSystem fs, long inode) {
		try {
			return fs.blockMap(fs.inode(inode)).metadataBlocks();
		} catch (IOException e) {
			return List.of();
		}
	}

	private static long offset(Ext4FileSystem fs, long inode) {
		try {
			return fs.inodeOffset(inode);
		} catch (IOException e) {
			throw new IllegalStateException(e);
		}
	}

	private static byte[] bytes(Layer l, long offset, int n) {
		byte[] b = new byte[n];
		try {
			l.read(offset, b, 0, n);
		} catch (IOException e) {
			throw new IllegalStateException(e);
		}
		return b;
	}

	private static byte[] concat(List<Long> items, Function<Long, byte[]> get, int slot) {
		byte[] out = new byte[items.size() * slot];
		for (int i = 0; i < items.size(); i++) {
			byte[] b = get.apply(items.get(i));
			System.arraycopy(b, 0, out, i * slot, Math.min(slot, b.length));
		}
		return out;
	}

	private static byte[] concat(List<byte[]> parts) {
		int n = 0;
		for (byte[] p : parts) n += p.length;
		byte[] out = new byte[n];
		int at = 0;
		for (byte[] p : parts) {
			System.arraycopy(p, 0, out, at, p.length);
			at += p.length;
		}
		return out;
	}

	private static void write(Path seeds, String target, String name, byte[] data) throws IOException {
		Path d = Files.createDirectories(seeds.resolve(target));
		Files.write(d.resolve(name), data);
	}
}
