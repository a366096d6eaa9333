package cacheshadow.layers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.zip.DataFormatException;

import io.airlift.compress.MalformedInputException;
import io.airlift.compress.lzo.LzoDecompressor;
import io.airlift.compress.snappy.SnappyDecompressor;

/**
 * The guest-physical address space of a compressed kdump file (makedumpfile's "diskdump" format, as QEMU's
 * {@code dump-guest-memory} writes it with {@code kdump-zlib}, {@code kdump-lzo}, {@code kdump-snappy}): a header
 * {@code "KDUMP   "}, the x86-64 sub-header (VMCOREINFO, notes, 64-bit page count), two page bitmaps (pages of RAM,
 * pages dumped), then a 24-byte descriptor {@code {u64 offset, u32 size, u32 flags, u64 page_flags}} per dumped page in
 * page order and the page data, each page compressed on its own (zlib by the JDK, LZO1X and Snappy by aircompressor)
 * or stored. Pages not dumped are holes. Read in place, whether reassembled or in makedumpfile's flattened form
 * ({@link FlattenedDump}).
 */
public final class KdumpLayer extends BlockImageLayer implements VmcoreInfoSource {
	public static final byte[] SIGNATURE = "KDUMP   ".getBytes(StandardCharsets.US_ASCII);
	private static final int ZLIB = 0x1, LZO = 0x2, SNAPPY = 0x4, ZSTD = 0x20;
	private static final int DESCRIPTOR = 24;
	private static final int MAX_RUNS = 1 << 20;
	/** The decoders keep no state between calls. */
	private static final LzoDecompressor LZO_DECODER = new LzoDecompressor();
	private static final SnappyDecompressor SNAPPY_DECODER = new SnappyDecompressor();
	/** A compressed page's bytes, read before decoding (a page's worth, grown for none: its size is checked first). */
	private static final ThreadLocal<byte[]> COMPRESSED = ThreadLocal.withInitial(() -> new byte[4096]);
	private static final ThreadLocal<byte[]> DESCRIPTOR_BUF = ThreadLocal.withInitial(() -> new byte[DESCRIPTOR]);

	/** A page as decoded from {@code length} bytes compressed by {@code flags}. */
	private record Decoded(long length, int flags, byte[] page) {
	}

	/** The dump's bytes: the file itself, or a flattened file read as reassembled. */
	private interface Dump {
		void read(long pos, byte[] buf, int off, int len) throws IOException;
	}

	private final Dump dump;
	private final long dumpSize;
	private final int pageSize;
	private final long[] dumped;
	private final int[] rank;
	/** Where the page descriptors start in the dump. */
	private final long descOff;
	private final String vmcoreinfo;
	private final DecodedBlocks<Decoded> pages;
	/** Fill pages stored again and again (QEMU shares only the zero page): decoded once. */
	private final DecodedByContent repeated = new DecodedByContent(256, 64);

	private KdumpLayer(MappedFile file, Dump dump, long dumpSize, boolean flattened, int pageSize, long[] dumped, long descOff,
			long size, List<Extent> extents, List<Extent> missing, String vmcoreinfo) {
		super(file, flattened ? "kdump compressed, flattened" : "kdump compressed", size, pageSize);
		coverage(extents, missing);
		this.dump = dump;
		this.dumpSize = dumpSize;
		this.pageSize = pageSize;
		this.dumped = dumped;
		this.rank = new int[dumped.length];
		int r = 0;
		for (int i = 0; i < dumped.length; i++) {
			rank[i] = r;
			r += Long.bitCount(dumped[i]);
		}
		this.descOff = descOff;
		this.vmcoreinfo = vmcoreinfo;
		this.pages = new DecodedBlocks<>(DecodedBlocks.entriesFor(CACHE_BYTES, pageSize));
	}

	public static KdumpLayer open(Path path) throws IOException {
		return open(path, false);
	}

	/**
	 * @param partial a dump cut short keeps the pages whose descriptor and data it still holds, the rest of the
	 *                dumped pages are {@linkplain #missing() missing}; header and bitmaps must be whole
	 */
	public static KdumpLayer open(Path path, boolean partial) throws IOException {
		MappedFile f = MappedFile.open(path);
		byte[] h = new byte[Math.min(4096, (int) f.size())];
		f.read(0, h, 0, h.length);
		Dump d;
		long dumpSize;
		boolean flat = FlattenedDump.isFlattened(h, h.length);
		if (flat) {
			FlattenedDump fd = FlattenedDump.index(f);
			d = fd::read;
			dumpSize = fd.size();
		} else {
			d = f::read;
			dumpSize = f.size();
		}
		if (dumpSize < 512) throw new TruncatedEvidenceException(path, "kdump header of " + dumpSize + " bytes");
		byte[] dh = new byte[512];
		d.read(0, dh, 0, dh.length);
		if (!java.util.Arrays.equals(dh, 0, 8, SIGNATURE, 0, 8)) {
			throw new EvidenceFormatException(path, flat ? "a flattened dump that is not a compressed kdump (a flattened ELF? reassemble it with makedumpfile -R)" : "not a compressed kdump (no KDUMP signature)");
		}
		long version = LittleEndian.u32(dh, 8);
		long blockSize = LittleEndian.u32(dh, 428), subBlocks = LittleEndian.u32(dh, 432), bitmapBlocks = LittleEndian.u32(dh, 436);
		long maxMapnr = LittleEndian.u32(dh, 440);
		if (blockSize < 1024 || blockSize > (1 << 16) || Long.bitCount(blockSize) != 1) throw new EvidenceFormatException(path, "invalid kdump block size " + blockSize);
		long sub = blockSize;
		String vmcoreinfo = null;
		if (version >= 3) {
			if (sub + 104 > dumpSize) throw new TruncatedEvidenceException(path, "kdump sub-header past the end of the dump");
			byte[] sh = new byte[104];
			d.read(sub, sh, 0, sh.length);
			if (version >= 6) maxMapnr = LittleEndian.u64(sh, 96);
			long viOff = LittleEndian.u64(sh, 32), viSize = LittleEndian.u64(sh, 40);
			if (viSize > 0 && viSize <= (1 << 20) && viOff > 0 && viOff <= dumpSize - viSize) {
				byte[] vi = new byte[(int) viSize];
				d.read(viOff, vi, 0, vi.length);
				vmcoreinfo = new String(vi, StandardCharsets.UTF_8);
			}
		}
		long bitmapOff = (1 + subBlocks) * blockSize, bitmapLen = bitmapBlocks * blockSize;
		if (subBlocks > (1 << 20) || bitmapBlocks == 0 || bitmapOff + bitmapLen > dumpSize) {
			throw new TruncatedEvidenceException(path, String.format("the kdump page bitmaps (%d blocks at %d) run past the end of the dump (%d bytes)", bitmapBlocks, bitmapOff, dumpSize));
		}
		if (maxMapnr < 0 || maxMapnr > bitmapLen / 2 * 8) throw new EvidenceFormatException(path, String.format("kdump of %d pages with bitmaps of %d bytes", maxMapnr, bitmapLen));
		if (maxMapnr > Long.MAX_VALUE / blockSize) throw new EvidenceFormatException(path, "kdump of " + maxMapnr + " pages");
		// the second bitmap (pages dumped) says which pages have a descriptor
		long[] dumped = new long[(int) ((maxMapnr + 63) / 64)];
		byte[] bm = new byte[(int) Math.min(1 << 20, dumped.length * 8L)];
		for (long w = 0; w < dumped.length;) {
			int chunk = (int) Math.min(bm.length / 8, dumped.length - w);
			d.read(bitmapOff + bitmapLen / 2 + w * 8, bm, 0, chunk * 8);
			for (int i = 0; i < chunk; i++) dumped[(int) (w + i)] = LittleEndian.u64(bm, i * 8);
			w += chunk;
		}
		if (maxMapnr % 64 != 0 && dumped.length > 0) dumped[dumped.length - 1] &= (1L << (maxMapnr % 64)) - 1;
		long descOff = bitmapOff + bitmapLen;
		// every dumped page's descriptor and data must lie in the dump: one sequential pass over the descriptors
		List<Extent> ext = new ArrayList<>(), miss = new ArrayList<>();
		byte[] desc = new byte[DESCRIPTOR * 4096];
		long page = -1, seen = 0;
		for (int w = 0; w < dumped.length; w++) {
			long bits = dumped[w];
			while (bits != 0) {
				int b = Long.numberOfTrailingZeros(bits);
				bits &= bits - 1;
				page = (long) w * 64 + b;
				long dp = descOff + seen * DESCRIPTOR;
				boolean held;
				if (dp + DESCRIPTOR > dumpSize) {
					held = false;
				} else {
					int k = (int) (seen % 4096);
					if (k == 0) d.read(dp, desc, 0, (int) Math.min(desc.length, (dumpSize - dp) / DESCRIPTOR * DESCRIPTOR));
					long at = LittleEndian.u64(desc, k * DESCRIPTOR), len = LittleEndian.u32(desc, k * DESCRIPTOR + 8);
					held = at >= 0 && len <= dumpSize && at <= dumpSize - len;
				}
				seen++;
				addRange(held ? ext : miss, page * blockSize, blockSize);
				if (ext.size() + miss.size() > MAX_RUNS) throw new EvidenceFormatException(path, "more than " + MAX_RUNS + " runs of dumped pages");
			}
		}
		if (!miss.isEmpty() && !partial) {
			long bytes = 0;
			for (Extent e : miss) bytes += e.length();
			throw new TruncatedEvidenceException(path, String.format("%d bytes of memory (first at physical 0x%x) have their page descriptors or data past the end of the dump (%d bytes)",
					bytes, miss.get(0).start(), dumpSize));
		}
		return new KdumpLayer(f, d, dumpSize, flat, (int) blockSize, dumped, descOff, maxMapnr * blockSize, Collections.unmodifiableList(ext),
				Collections.unmodifiableList(miss), vmcoreinfo);
	}

	@Override
	public Optional<String> vmcoreinfo() {
		return Optional.ofNullable(vmcoreinfo);
	}

	/**
	 * A stored page is copied from the dump as it is; a compressed one is decoded once and kept under its place in the
	 * dump, with the length and method it was decoded with: QEMU writes one copy of the zero page, and all the zero
	 * pages (two thirds of a small guest) point at it.
	 */
	@Override
	protected void readBlock(long pfn, int in, byte[] buf, int off, int n) throws IOException {
		int w = (int) (pfn >>> 6);
		if ((dumped[w] & (1L << (pfn & 63))) == 0) throw new UnmappedAddressException(name(), pfn * pageSize + in);
		long index = rank[w] + Long.bitCount(dumped[w] & ((1L << (pfn & 63)) - 1));
		byte[] desc = DESCRIPTOR_BUF.get();
		dump.read(descOff + index * DESCRIPTOR, desc, 0, DESCRIPTOR);
		long at = LittleEndian.u64(desc, 0), len = LittleEndian.u32(desc, 8);
		int flags = LittleEndian.s32(desc, 12);
		if (len == 0 || len > pageSize || at < 0 || at > dumpSize - len) {
			throw new EvidenceFormatException(file.path(), String.format("page descriptor of physical 0x%x places %d bytes at dump offset %d", pfn * pageSize, len, at));
		}
		if ((flags & (ZLIB | LZO | SNAPPY | ZSTD)) == 0) {
			if (len != pageSize) throw new EvidenceFormatException(file.path(), String.format("uncompressed page of physical 0x%x is %d bytes, not %d", pfn * pageSize, len, pageSize));
			dump.read(at + in, buf, off, n);
			return;
		}
		Decoded d = pages.find(at);
		if (d == null || d.length() != len || d.flags() != flags) d = pages.keep(at, new Decoded(len, flags, decode(pfn, at, (int) len, flags)));
		System.arraycopy(d.page(), in, buf, off, n);
	}

	/** The page of {@code pfn} compressed in {@code len} bytes at {@code at}. */
	private byte[] decode(long pfn, long at, int len, int flags) throws IOException {
		byte[] data = COMPRESSED.get();
		if (data.length < len) COMPRESSED.set(data = new byte[len]);
		dump.read(at, data, 0, len);
		DecodedByContent.Block b = repeated.find(data, len, flags);
		if (b == null) {
			byte[] out = new byte[pageSize];
			int got;
			try {
				if ((flags & ZLIB) != 0) got = Deflate.inflate(data, len, out, true);
				else if ((flags & LZO) != 0) got = LZO_DECODER.decompress(data, 0, len, out, 0, out.length);
				else if ((flags & SNAPPY) != 0) got = SNAPPY_DECODER.decompress(data, 0, len, out, 0, out.length);
				else throw new EvidenceFormatException(file.path(), String.format("page of physical 0x%x is zstd-compressed, which this reader does not decode", pfn * pageSize));
			} catch (DataFormatException | MalformedInputException | IllegalArgumentException e) {
				// aircompressor: MalformedInputException for bad data, IllegalArgumentException for a length past the page
				throw new EvidenceFormatException(file.path(), String.format("corrupt compressed page of physical 0x%x: %s", pfn * pageSize, e.getMessage()));
			}
			b = repeated.keep(data, len, flags, new DecodedByContent.Block(out, got));
		}
		if (b.length() != pageSize) throw new EvidenceFormatException(file.path(), String.format("compressed page of physical 0x%x decompresses to %d bytes, not %d", pfn * pageSize, b.length(), pageSize));
		return b.bytes();
	}
}
