package cacheshadow.layers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A Microsoft VHD (Virtual PC / Hyper-V, "Virtual Hard Disk Image Format Specification" 1.0), read-only: fixed (the
 * disk's bytes, then a 512-byte footer) and dynamic (footer copy, dynamic header, block allocation table, blocks
 * each behind a sector bitmap). Fields are big-endian. A sector whose bitmap bit is clear, and an unallocated block,
 * read as zeros. Differencing disks (with a parent) are refused.
 */
public final class VhdLayer extends BlockImageLayer {
	public static final byte[] COOKIE = "conectix".getBytes(StandardCharsets.US_ASCII);
	private static final int FIXED = 2, DYNAMIC = 3, DIFFERENCING = 4;
	private static final long UNUSED = 0xffffffffL;

	private final long[] bat;
	private final int bitmapBytes;
	private final DecodedBlocks<byte[]> bitmaps;

	private VhdLayer(MappedFile f, long size, long blockSize, long[] bat, int bitmapBytes) {
		super(f, bat == null ? "VHD fixed" : "VHD dynamic", size, blockSize);
		this.bat = bat;
		this.bitmapBytes = bitmapBytes;
		this.bitmaps = new DecodedBlocks<>(DecodedBlocks.entriesFor(CACHE_BYTES / 8, bitmapBytes));
	}

	/** Whether {@code footer} (512 bytes) is a VHD footer of a fixed disk: the only thing telling such a file from a raw disk. */
	public static boolean isFixedFooter(byte[] footer) {
		return Arrays.equals(footer, 0, 8, COOKIE, 0, 8) && BigEndian.u32(footer, 60) == FIXED;
	}

	public static VhdLayer open(Path path) throws IOException {
		return open(path, false);
	}

	/** As {@link #open(Path)}; {@code partial} opens a dynamic image cut short, its blocks past the end missing. */
	public static VhdLayer open(Path path, boolean partial) throws IOException {
		MappedFile f = MappedFile.open(path);
		if (f.size() < 512) throw new TruncatedEvidenceException(path, "VHD of " + f.size() + " bytes (no footer)");
		byte[] ft = new byte[512];
		f.read(0, ft, 0, 512);
		boolean atStart = Arrays.equals(ft, 0, 8, COOKIE, 0, 8);
		if (!atStart || BigEndian.u32(ft, 60) == FIXED) f.read(f.size() - 512, ft, 0, 512);
		if (!Arrays.equals(ft, 0, 8, COOKIE, 0, 8)) {
			if (atStart) throw new TruncatedEvidenceException(path, "dynamic VHD without the footer at its end (cut short?)");
			throw new EvidenceFormatException(path, "not a VHD (no conectix footer)");
		}
		long checksum = BigEndian.u32(ft, 64), sum = 0;
		for (int i = 0; i < 512; i++) if (i < 64 || i >= 68) sum += ft[i] & 0xff;
		if ((~sum & 0xffffffffL) != checksum) throw new EvidenceFormatException(path, String.format("VHD footer checksum 0x%08x, computed 0x%08x", checksum, ~sum & 0xffffffffL));
		long size = BigEndian.u64(ft, 48);
		long type = BigEndian.u32(ft, 60);
		if (size < 0 || size % 512 != 0) throw new EvidenceFormatException(path, "invalid VHD disk size " + size);
		if (type == FIXED) {
			if (size > f.size() - 512) {
				if (!partial) throw new TruncatedEvidenceException(path, String.format("the fixed VHD declares %d bytes, the file holds %d", size, f.size() - 512));
				throw new EvidenceFormatException(path, "a fixed VHD cut short has lost its footer: open it as a raw disk with --partial");
			}
			return new VhdLayer(f, size, 1L << 21, null, 0);
		}
		if (type == DIFFERENCING) throw new EvidenceFormatException(path, "a differencing VHD: its parent disk is not read; open a merged image");
		if (type != DYNAMIC) throw new EvidenceFormatException(path, "unsupported VHD disk type " + type);
		long dynOff = BigEndian.u64(ft, 16);
		if (dynOff < 512 || dynOff > f.size() - 1024) throw new TruncatedEvidenceException(path, "the VHD dynamic header (at " + dynOff + ") lies outside the file");
		byte[] dh = new byte[1024];
		f.read(dynOff, dh, 0, dh.length);
		if (!new String(dh, 0, 8, StandardCharsets.US_ASCII).equals("cxsparse")) throw new EvidenceFormatException(path, "VHD dynamic header without its cxsparse cookie");
		long batOff = BigEndian.u64(dh, 16), entries = BigEndian.u32(dh, 28), blockSize = BigEndian.u32(dh, 32);
		if (blockSize < 512 || blockSize > (256 << 20) || Long.bitCount(blockSize) != 1) throw new EvidenceFormatException(path, "invalid VHD block size " + blockSize);
		if (entries * blockSize < size) throw new EvidenceFormatException(path, String.format("VHD table of %d blocks of %d bytes cannot hold a disk of %d bytes", entries, blockSize, size));
		long need = (size + blockSize - 1) / blockSize;
		if (batOff < 0 || batOff > f.size() || batOff + need * 4 > f.size()) {
			throw new TruncatedEvidenceException(path, "the VHD block allocation table (" + need + " entries at " + batOff + ") runs past the end of the file");
		}
		byte[] raw = new byte[(int) (need * 4)];
		f.read(batOff, raw, 0, raw.length);
		long[] bat = new long[(int) need];
		for (int i = 0; i < bat.length; i++) bat[i] = BigEndian.u32(raw, i * 4);
		int bitmapBytes = (int) (((blockSize / 512 + 7) / 8 + 511) / 512 * 512);
		VhdLayer l = new VhdLayer(f, size, blockSize, bat, bitmapBytes);
		List<Extent> past = new ArrayList<>();
		for (int i = 0; i < bat.length; i++) {
			if (bat[i] != UNUSED && bat[i] * 512 + bitmapBytes + blockSize > f.size() - 512) addRange(past, i, 1);
		}
		l.cutShort(past, partial, "blocks");
		return l;
	}

	@Override
	protected void readBlock(long block, int inBlock, byte[] buf, int off, int n) throws IOException {
		if (bat == null) {
			file.read(block * blockSize + inBlock, buf, off, n);
			return;
		}
		long sector = bat[(int) block];
		if (sector == UNUSED) {
			Arrays.fill(buf, off, off + n, (byte) 0);
			return;
		}
		long at = sector * 512;
		byte[] bitmap = bitmaps.get(block, b -> {
			byte[] m = new byte[bitmapBytes];
			readFile(at, m, 0, m.length, b);
			return m;
		});
		// runs of sectors present (bit set, most significant bit first) are read, the rest are zeros
		int i = 0;
		while (i < n) {
			int s = (inBlock + i) / 512;
			boolean present = (bitmap[s >>> 3] & (0x80 >>> (s & 7))) != 0;
			int j = i;
			while (j < n && present == ((bitmap[((inBlock + j) / 512) >>> 3] & (0x80 >>> (((inBlock + j) / 512) & 7))) != 0)) {
				j = Math.min(n, (((inBlock + j) / 512) + 1) * 512 - inBlock);
			}
			if (present) readFile(at + bitmapBytes + inBlock + i, buf, off + i, j - i, block);
			else Arrays.fill(buf, off + i, off + j, (byte) 0);
			i = j;
		}
	}
}
