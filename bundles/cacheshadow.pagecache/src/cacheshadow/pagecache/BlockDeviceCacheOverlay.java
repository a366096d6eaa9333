package cacheshadow.pagecache;

import java.io.IOException;
import java.util.List;

import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;

/**
 * A disk as its guest last saw it: each 4 KiB page the block device's page cache holds with valid data (dirty or
 * clean, see {@link BlockDeviceCache}) is read from the memory snapshot, every other byte from the disk layer
 * below. The cache is never older than the disk, so file-system code reading through this layer sees the newest
 * metadata the guest had (directories, inode tables, bitmaps not yet written back). Offsets are the disk's; the
 * cached device starts at {@link BlockDeviceCache#startBytes()} on it.
 */
public final class BlockDeviceCacheOverlay implements Layer {
	private final Layer disk;
	private final BlockDeviceCache cache;

	public BlockDeviceCacheOverlay(Layer disk, BlockDeviceCache cache) {
		this.disk = disk;
		this.cache = cache;
	}

	public BlockDeviceCache cache() {
		return cache;
	}

	public Layer disk() {
		return disk;
	}

	@Override
	public String name() {
		return disk.name() + " + block-device cache";
	}

	@Override
	public String source() {
		return disk.name();
	}

	@Override
	public long size() {
		return disk.size();
	}

	@Override
	public List<Extent> extents() {
		return disk.extents();
	}

	/** Where the byte at disk offset {@code offset} comes from. */
	public Provenance provenance(long offset) {
		long dev = offset - cache.startBytes();
		if (dev < 0 || (cache.sizeBytes() >= 0 && dev >= cache.sizeBytes())) return Provenance.ABSENT;
		return cache.pages().provenance(dev / CachedFile.PAGE);
	}

	/** True when the byte at {@code offset} is read from the memory snapshot. */
	public boolean fromMemory(long offset) {
		long dev = offset - cache.startBytes();
		if (dev < 0 || (cache.sizeBytes() >= 0 && dev >= cache.sizeBytes())) return false;
		CachedPage p = cache.pages().page(dev / CachedFile.PAGE);
		return p != null && p.hasByte((int) (dev % CachedFile.PAGE));
	}

	@Override
	public void read(long offset, byte[] buf, int off, int len) throws IOException {
		if (offset < 0 || len < 0 || offset + len > size()) disk.read(offset, buf, off, len); // the disk reports it
		int done = 0;
		while (done < len) {
			long at = offset + done;
			long dev = at - cache.startBytes();
			int n = (int) Math.min(len - done, CachedFile.PAGE - Math.floorMod(dev, CachedFile.PAGE));
			CachedPage p = dev < 0 || (cache.sizeBytes() >= 0 && dev >= cache.sizeBytes()) ? null : cache.pages().page(dev / CachedFile.PAGE);
			if (p != null && !p.isWhole()) n = (int) Math.min(n, 512 - (dev & 511)); // per buffer: sector by sector
			if (p != null && p.hasByte((int) (dev % CachedFile.PAGE))) {
				cache.pages().physicalLayer().read(p.physical() + dev % CachedFile.PAGE, buf, off + done, n);
			} else {
				disk.read(at, buf, off + done, n);
			}
			done += n;
		}
	}

	@Override
	public void close() {
		// the disk layer and the snapshot belong to the caller
	}
}
