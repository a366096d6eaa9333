package cacheshadow.pagecache;

import java.io.IOException;

import cacheshadow.layers.BlockOverlayLayer;
import cacheshadow.layers.Layer;

/**
 * A disk as its guest last saw it: each 4 KiB page the block device's page cache holds with valid data (dirty or
 * clean, see {@link BlockDeviceCache}) is read from the memory snapshot, every other byte from the disk layer
 * below. The cache is never older than the disk, so file-system code reading through this layer sees the newest
 * metadata the guest had (directories, inode tables, bitmaps not yet written back). Offsets are the disk's; the
 * cached device starts at {@link BlockDeviceCache#startBytes()} on it.
 */
public final class BlockDeviceCacheOverlay extends BlockOverlayLayer {
	private static final int SECTOR = 512;
	private final BlockDeviceCache cache;

	public BlockDeviceCacheOverlay(Layer disk, BlockDeviceCache cache) {
		super(disk, CachedFile.PAGE, cache.startBytes());
		this.cache = cache;
	}

	public BlockDeviceCache cache() {
		return cache;
	}

	public Layer disk() {
		return base;
	}

	@Override
	public String name() {
		return base.name() + " + block-device cache";
	}

	/** Where the byte at disk offset {@code offset} comes from. */
	public Provenance provenance(long offset) {
		long dev = offset - cache.startBytes();
		if (!onDevice(dev)) return Provenance.ABSENT;
		return cache.pages().provenance(dev / CachedFile.PAGE);
	}

	/** True when the byte at {@code offset} is read from the memory snapshot. */
	public boolean fromMemory(long offset) {
		long dev = offset - cache.startBytes();
		if (!onDevice(dev)) return false;
		CachedPage p = cache.pages().page(dev / CachedFile.PAGE);
		return p != null && p.hasByte((int) (dev % CachedFile.PAGE));
	}

	private boolean onDevice(long dev) {
		return dev >= 0 && (cache.sizeBytes() < 0 || dev < cache.sizeBytes());
	}

	@Override
	protected boolean holdsAny(long firstPage, long lastPage) {
		return cache.pages().hasPageIn(firstPage, lastPage);
	}

	/**
	 * A cached page with valid data; a page valid only in part (buffers) is read sector by sector, the rest from the
	 * disk. So are the bytes of the device's last page past its end (a size that is not whole pages): the disk's, not
	 * the device's (the end is whole sectors, so a sector lies wholly on one side).
	 */
	@Override
	protected boolean readOverlaid(long page, int inPage, byte[] buf, int off, int len) throws IOException {
		if (!onDevice(page * CachedFile.PAGE + inPage)) return false;
		CachedPage p = cache.pages().page(page);
		if (p == null || !p.provenance().hasData() || p.physical() < 0) return false;
		Layer memory = cache.pages().physicalLayer();
		int onDevice = cache.sizeBytes() < 0 ? len : (int) Math.min(len, cache.sizeBytes() - page * CachedFile.PAGE - inPage);
		if (p.isWhole() && onDevice == len) {
			memory.read(p.physical() + inPage, buf, off, len);
			return true;
		}
		boolean any = false;
		for (int at = inPage; at < inPage + onDevice && !any; at = (at / SECTOR + 1) * SECTOR) any = p.hasByte(at);
		if (!any) return false;
		for (int at = inPage; at < inPage + len;) {
			int n = Math.min(inPage + len - at, SECTOR - (at % SECTOR));
			if (at < inPage + onDevice && p.hasByte(at)) memory.read(p.physical() + at, buf, off + at - inPage, n);
			else base.read(origin + page * CachedFile.PAGE + at, buf, off + at - inPage, n);
			at += n;
		}
		return true;
	}
}
