package cacheshadow.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import cacheshadow.caches.Mount;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.kernel.Btf;
import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.listing.Finding;
import cacheshadow.pagecache.BlockDeviceCache;
import cacheshadow.pagecache.BlockDeviceCacheOverlay;
import cacheshadow.pagecache.CachedFile;
import cacheshadow.pagecache.CachedPage;
import cacheshadow.pagecache.PageCache;
import cacheshadow.pagecache.CachedFileReader;
import cacheshadow.testing.EvidenceSamples;

/**
 * The block-device cache laid over the disk ({@link BlockDeviceCacheOverlay}, a {@code BlockOverlayLayer}): over a
 * real snapshot and its real disk, the input (first byte: which sample) is laid over the {@code struct block_device}
 * of the ext4 mount ({@code bd_start_sect}, {@code bd_nr_sectors}: where the device starts on the disk, how long it
 * is) and the {@code struct page} of each of its first cached pages (flags, private buffer heads: whether a page is
 * dirty, up to date, valid in part only). Every read through the overlay must equal a byte model (a byte comes from
 * the snapshot exactly when its page holds it, from the disk otherwise, offsets shifted by the device's start), its
 * provenance answers must agree, and ext4 must open and list through it or refuse with an IOException. A device
 * start past any disk must be refused with an {@link EvidenceFormatException}.
 */
public final class BlockCacheOverlayFuzzer {
	static final String MOUNT = "/mnt/disk";
	/** Cached pages whose struct page the input reaches; reads are checked at every cached page. */
	static final int PAGES = 24;

	private record Subject(SampleSnapshot snapshot, CachedFileReader reader, long bdev, Layer disk, Overlay overlay) {
	}

	private static final Subject[] SUBJECTS = EvidenceSamples.SETS.stream().map(BlockCacheOverlayFuzzer::subject).toArray(Subject[]::new);

	private BlockCacheOverlayFuzzer() {
	}

	private static Subject subject(String set) {
		try {
			SampleSnapshot s = SampleSnapshot.of(set);
			PageCache pc = new PageCache(s.clean);
			Mount m = s.clean.mounts().stream().filter(x -> x.path().equals(MOUNT)).findFirst().orElseThrow();
			Btf b = s.kernel.btf();
			long bdev = s.kernel.u64(m.superBlock() + b.field("super_block", "s_bdev").offset());
			BlockDeviceCache clean = BlockDeviceCache.ofBlockDevice(pc.reader(), bdev, new ArrayList<>());
			List<long[]> regions = new ArrayList<>();
			regions.add(new long[] { bdev + b.field("block_device", "bd_start_sect").offset(), 8 });
			regions.add(new long[] { bdev + b.field("block_device", "bd_nr_sectors").offset(), 8 });
			long pageSize = b.sizeOf("page");
			int n = 0;
			for (CachedPage p : clean.pages().pages()) {
				if (p.page() == 0 || n++ >= PAGES) continue;
				regions.add(new long[] { p.page(), pageSize });
			}
			return new Subject(s, pc.reader(), bdev, Layers.openDisk(EvidenceSamples.file(set, "disk.img")), s.overlay(regions));
		} catch (IOException e) {
			throw new UncheckedIOException("sample " + set, e);
		}
	}

	/** The seed of sample {@code i}: the real fields and struct pages. */
	static byte[] seed(int i) {
		return SeedBytes.withSelector(i, SUBJECTS[i].overlay.original());
	}

	/** Opens the samples and disks before fuzzing starts (their loading is not an input's time). */
	public static void fuzzerInitialize() {
		// calling it initializes the class, whose SUBJECTS open them
	}

	public static void fuzzerTestOneInput(byte[] data) throws IOException {
		if (data.length == 0) return;
		Subject x = SUBJECTS[(data[0] & 0xff) % SUBJECTS.length];
		x.overlay.apply(Arrays.copyOfRange(data, 1, data.length));
		List<Finding> findings = new ArrayList<>();
		BlockDeviceCache cache;
		try {
			cache = BlockDeviceCache.ofBlockDevice(x.reader, x.bdev, findings);
		} catch (EvidenceFormatException unplaceable) {
			return; // a device start past any disk, said so
		}
		BlockDeviceCacheOverlay o = cache.overlay(x.disk);
		long size = o.size();
		List<long[]> reads = new ArrayList<>(); // {offset, length}: every cached page, whole and across its edges
		reads.add(new long[] { 0, 64 << 10 });
		for (CachedPage p : cache.pages().pages()) {
			long at = cache.startBytes() + p.index() * CachedFile.PAGE;
			if (at < 0 || at >= size || reads.size() > 256) continue;
			reads.add(new long[] { at, CachedFile.PAGE });
			reads.add(new long[] { at - 700, 1400 });
			reads.add(new long[] { at + 3000, 5000 });
		}
		for (long[] r : reads) {
			long off = Math.max(0, r[0]), len = Math.min(r[1], size - off);
			if (len <= 0) continue;
			byte[] got = new byte[(int) len];
			o.read(off, got, 0, got.length);
			byte[] want = model(cache, o, x.disk, off, (int) len);
			int m = Arrays.mismatch(got, want);
			if (m >= 0) throw new IllegalStateException("overlay read at " + off + "+" + len + " differs from the byte model at " + (off + m));
		}
		try {
			Ext4FileSystem fs = Ext4FileSystem.open(o, Ext4FileSystem.Options.AS_IT_LIES);
			fs.listing(MOUNT, false);
		} catch (IOException refused) {
			// metadata the fuzzed cache makes unusable (or a cached frame outside the snapshot), said so
		}
	}

	/**
	 * Sector by sector (the unit a page is valid in): the snapshot's bytes where the cached page holds valid data for
	 * them, else the disk's; {@code fromMemory} must say the same.
	 */
	private static byte[] model(BlockDeviceCache cache, BlockDeviceCacheOverlay o, Layer disk, long off, int len) throws IOException {
		byte[] out = new byte[len];
		disk.read(off, out, 0, len);
		Layer memory = cache.pages().physicalLayer();
		for (int i = 0; i < len;) {
			long dev = off + i - cache.startBytes();
			int n = (int) Math.min(len - i, 512 - Math.floorMod(dev, 512)); // up to the next sector boundary
			boolean onDevice = dev >= 0 && (cache.sizeBytes() < 0 || dev < cache.sizeBytes());
			CachedPage p = onDevice ? cache.pages().page(dev / CachedFile.PAGE) : null;
			boolean fromMemory = p != null && p.hasByte((int) (dev % CachedFile.PAGE));
			if (o.fromMemory(off + i) != fromMemory) throw new IllegalStateException("fromMemory(" + (off + i) + ") is " + !fromMemory);
			if (onDevice && cache.sizeBytes() >= 0) n = (int) Math.min(n, cache.sizeBytes() - dev);
			if (fromMemory) memory.read(p.physical() + dev % CachedFile.PAGE, out, i, n);
			i += n;
		}
		return out;
	}
}
