package cacheshadow.pagecache;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import cacheshadow.caches.Mount;
import cacheshadow.kernel.Btf;
import cacheshadow.kernel.LinuxKernel;
import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.Layer;
import cacheshadow.listing.Finding;

/**
 * The page cache of a block device's inode: where a disk file system's metadata (super block, group descriptors,
 * bitmaps, inode tables, directory blocks, the jbd2 journal) is read and modified through buffer heads before
 * write-back. Found from a mounted super block: {@code sb->s_bdev} ({@code struct block_device}), whose mapping
 * is {@code bd_mapping} on kernels that have it, else {@code bd_inode->i_mapping}. Page index {@code i} holds the
 * device's bytes {@code [i*4096, (i+1)*4096)} relative to the start of the block device (a partition's own start,
 * {@code bd_start_sect}).
 */
public final class BlockDeviceCache {
	private final long blockDevice, startBytes, sizeBytes;
	private final int dev;
	private final CachedFile pages;

	private BlockDeviceCache(long blockDevice, int dev, long startBytes, long sizeBytes, CachedFile pages) {
		this.blockDevice = blockDevice;
		this.dev = dev;
		this.startBytes = startBytes;
		this.sizeBytes = sizeBytes;
		this.pages = pages;
	}

	/** The block device under a mounted file system, or null when the super block has none (tmpfs, proc...). */
	public static BlockDeviceCache of(CachedFileReader reader, Mount mount, List<Finding> findings) throws IOException {
		return ofSuperBlock(reader, mount.superBlock(), findings);
	}

	public static BlockDeviceCache ofSuperBlock(CachedFileReader reader, long superBlock, List<Finding> findings) throws IOException {
		LinuxKernel k = reader.pageArray().kernel();
		Btf b = k.btf();
		Layer vm = k.virtual();
		long bdev = vm.readU64(superBlock + b.field("super_block", "s_bdev").offset());
		if (bdev == 0) return null;
		return ofBlockDevice(reader, bdev, findings);
	}

	/** The cache of the {@code struct block_device} at {@code bdev}. */
	public static BlockDeviceCache ofBlockDevice(CachedFileReader reader, long bdev, List<Finding> findings) throws IOException {
		LinuxKernel k = reader.pageArray().kernel();
		Btf b = k.btf();
		Layer vm = k.virtual();
		long mapping = mappingOf(reader, bdev);
		long startSect = vm.readU64(bdev + b.field("block_device", "bd_start_sect").offset());
		if (startSect < 0 || startSect > Long.MAX_VALUE / 512) { // its byte offset would not fit: no disk has a partition there
			findings.add(Finding.anomaly("bdev-bad-start", bdev, "bd_start_sect " + Long.toUnsignedString(startSect)));
			throw new EvidenceFormatException("block device at " + String.format("0x%x", bdev), "bd_start_sect "
					+ Long.toUnsignedString(startSect) + " lies past any disk: its cache cannot be placed on the disk");
		}
		long start = startSect * 512;
		long sectors = vm.readU64(bdev + b.field("block_device", "bd_nr_sectors").offset());
		int dev = (int) vm.readU32(bdev + b.field("block_device", "bd_dev").offset());
		long size = sectors * 512;
		if (sectors < 0 || sectors > Long.MAX_VALUE / 512) {
			findings.add(Finding.anomaly("bdev-bad-size", bdev, "bd_nr_sectors " + sectors));
			size = -1;
		}
		List<Finding> local = new ArrayList<>();
		CachedFile f = reader.mapping(mapping, size, false, local);
		findings.addAll(local);
		return new BlockDeviceCache(bdev, dev, start, size, f);
	}

	/** The page cache ({@code struct address_space}) of the block device at {@code bdev}: {@code bd_mapping} (6.10+) or its inode's. */
	static long mappingOf(CachedFileReader reader, long bdev) throws IOException {
		LinuxKernel k = reader.pageArray().kernel();
		Btf b = k.btf();
		Layer vm = k.virtual();
		if (b.hasField("block_device", "bd_mapping")) return vm.readU64(bdev + b.field("block_device", "bd_mapping").offset());
		long inode = vm.readU64(bdev + b.field("block_device", "bd_inode").offset());
		return inode == 0 ? 0 : reader.mappingOf(inode);
	}

	/**
	 * Learns where tree roots keep marks ({@link CachedFileReader#calibrateMapping}) from the mounted block devices'
	 * caches first: they hold dirty metadata in trees with nodes, and trying them before any file makes what is
	 * learned independent of the order files are met in.
	 */
	static void calibrate(CachedFileReader reader, List<cacheshadow.caches.Mount> mounts) {
		LinuxKernel k = reader.pageArray().kernel();
		for (cacheshadow.caches.Mount m : mounts) {
			try {
				long bdev = k.virtual().readU64(m.superBlock() + k.btf().field("super_block", "s_bdev").offset());
				if (bdev != 0 && reader.calibrateMapping(mappingOf(reader, bdev))) return;
			} catch (IOException e) {
				// an unreadable super block or device: the files may still tell
			}
		}
	}

	/** The {@code struct block_device}. */
	public long blockDevice() {
		return blockDevice;
	}

	/** {@code bd_dev}: major in the high 12 bits, minor in the low 20 ({@code MKDEV}). */
	public int dev() {
		return dev;
	}

	/** Byte offset of this block device on its disk (0 for a whole disk). */
	public long startBytes() {
		return startBytes;
	}

	/** Size in bytes ({@code bd_nr_sectors * 512}), or -1. */
	public long sizeBytes() {
		return sizeBytes;
	}

	/** The cached pages, indexed by {@code device offset / 4096}. */
	public CachedFile pages() {
		return pages;
	}

	/** Provenance of the bytes of block {@code block} of {@code blockSize} bytes (the page holding it). */
	public Provenance provenance(long block, int blockSize) {
		return pages.provenance(block * blockSize / CachedFile.PAGE);
	}

	/** Numbers of the {@code blockSize}-byte blocks whose page has (at least partly) data in the snapshot, ascending. */
	public long[] cachedBlocks(int blockSize) {
		return blocks(blockSize, false);
	}

	/** Numbers of the blocks whose page is dirty or journaled (newer than the disk), ascending. */
	public long[] dirtyBlocks(int blockSize) {
		return blocks(blockSize, true);
	}

	private long[] blocks(int blockSize, boolean dirtyOnly) {
		if (blockSize <= 0 || (blockSize & (blockSize - 1)) != 0) throw new IllegalArgumentException("block size " + blockSize);
		List<Long> out = new ArrayList<>();
		for (CachedPage p : pages.pages()) {
			if (!p.provenance().hasData() || (dirtyOnly && p.provenance() != Provenance.DIRTY && p.provenance() != Provenance.JOURNALED)) continue;
			long first = p.index() * CachedFile.PAGE / blockSize;
			long n = Math.max(1, CachedFile.PAGE / blockSize);
			for (long i = 0; i < n; i++) out.add(first + i);
		}
		return out.stream().mapToLong(Long::longValue).toArray();
	}

	/** A layer over {@code disk} (the whole disk image) with this device's cached pages laid over it. */
	public BlockDeviceCacheOverlay overlay(Layer disk) {
		return new BlockDeviceCacheOverlay(disk, this);
	}
}
