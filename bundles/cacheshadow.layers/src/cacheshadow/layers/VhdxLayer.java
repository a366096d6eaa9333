package cacheshadow.layers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A Microsoft VHDX (MS-VHDX 6.0), read-only: file identifier, two headers (the valid one with the higher sequence
 * number), two region tables, the metadata region (block size, disk size, logical sector size) and the block
 * allocation table with its interleaved sector-bitmap entries. Blocks not present, zeroed or unmapped read as zeros.
 * Differencing disks and images with a log still to replay (not closed cleanly; replaying would mean writing) are
 * refused.
 */
public final class VhdxLayer extends BlockImageLayer {
	public static final byte[] SIGNATURE = "vhdxfile".getBytes(StandardCharsets.US_ASCII);
	private static final byte[] BAT = guid("2DC27766-F623-4200-9D64-115E9BFD4A08"), METADATA = guid("8B7CA206-4790-4B9A-B8FE-575F050F886E"),
			FILE_PARAMETERS = guid("CAA16737-FA36-4D43-B3B6-33F0AA44E76B"), DISK_SIZE = guid("2FA54224-CD1B-4876-B211-5DBED83BF4B8"),
			LOGICAL_SECTOR = guid("8141BF1D-A96F-4709-BA47-F233A8FAAB5F");
	private static final int NOT_PRESENT = 0, UNDEFINED = 1, ZERO = 2, UNMAPPED = 3, FULLY_PRESENT = 6, PARTIALLY_PRESENT = 7;
	private static final long MiB = 1 << 20;

	private final long[] bat;

	private VhdxLayer(MappedFile f, long size, long blockSize, long[] bat) {
		super(f, "VHDX", size, blockSize);
		this.bat = bat;
	}

	/** A GUID as stored: its first three fields little-endian. */
	private static byte[] guid(String s) {
		byte[] b = HexFormat.of().parseHex(s.replace("-", ""));
		return new byte[] { b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15] };
	}

	public static VhdxLayer open(Path path) throws IOException {
		return open(path, false);
	}

	/** As {@link #open(Path)}; {@code partial} opens an image cut short, its blocks past the end missing. */
	public static VhdxLayer open(Path path, boolean partial) throws IOException {
		MappedFile f = MappedFile.open(path);
		if (f.size() < MiB) throw new TruncatedEvidenceException(path, "VHDX of " + f.size() + " bytes (its headers and region tables take the first MiB)");
		byte[] id = new byte[8];
		f.read(0, id, 0, 8);
		if (!Arrays.equals(id, SIGNATURE)) throw new EvidenceFormatException(path, "not a VHDX (no vhdxfile identifier)");
		byte[] header = null;
		long seq = -1;
		for (long at : new long[] { 64 << 10, 128 << 10 }) {
			byte[] h = new byte[4096];
			f.read(at, h, 0, h.length);
			if (!new String(h, 0, 4, StandardCharsets.US_ASCII).equals("head") || !crcValid(h, 4)) continue;
			long s = LittleEndian.u64(h, 8);
			if (header == null || Long.compareUnsigned(s, seq) > 0) {
				header = h;
				seq = s;
			}
		}
		if (header == null) throw new EvidenceFormatException(path, "neither VHDX header (at 64 and 128 KiB) is valid");
		if (!Arrays.equals(header, 48, 64, new byte[16], 0, 16)) {
			throw new EvidenceFormatException(path, "the VHDX has a log to replay (not closed cleanly); replaying it would change the evidence: replay it on a copy (qemu-img check -r all)");
		}
		if (LittleEndian.u16(header, 66) != 1) throw new EvidenceFormatException(path, "unsupported VHDX version " + LittleEndian.u16(header, 66));
		byte[] regions = null;
		for (long at : new long[] { 192 << 10, 256 << 10 }) {
			byte[] r = new byte[64 << 10];
			f.read(at, r, 0, r.length);
			if (new String(r, 0, 4, StandardCharsets.US_ASCII).equals("regi") && crcValid(r, 4)) {
				regions = r;
				break;
			}
		}
		if (regions == null) throw new EvidenceFormatException(path, "neither VHDX region table (at 192 and 256 KiB) is valid");
		long count = LittleEndian.u32(regions, 8);
		if (count > 2047) throw new EvidenceFormatException(path, "VHDX region table of " + count + " entries");
		long batOff = -1, batLen = 0, metaOff = -1, metaLen = 0;
		for (int i = 0; i < count; i++) {
			int e = 16 + 32 * i;
			long off = LittleEndian.u64(regions, e + 16), len = LittleEndian.u32(regions, e + 24);
			if (Arrays.equals(regions, e, e + 16, BAT, 0, 16)) {
				batOff = off;
				batLen = len;
			} else if (Arrays.equals(regions, e, e + 16, METADATA, 0, 16)) {
				metaOff = off;
				metaLen = len;
			} else if ((LittleEndian.u32(regions, e + 28) & 1) != 0) {
				throw new EvidenceFormatException(path, "VHDX requires a region this reader does not know (" + HexFormat.of().formatHex(regions, e, e + 16) + ")");
			}
		}
		if (batOff < 0 || metaOff < 0) throw new EvidenceFormatException(path, "VHDX without its " + (batOff < 0 ? "block allocation table" : "metadata") + " region");
		if (metaOff < MiB || metaLen < 64 << 10 || metaLen > 256 * MiB || metaOff > f.size() - metaLen) {
			throw new TruncatedEvidenceException(path, "the VHDX metadata region (" + metaLen + " bytes at " + metaOff + ") lies outside the file");
		}
		byte[] meta = new byte[(int) metaLen];
		f.read(metaOff, meta, 0, meta.length);
		if (!new String(meta, 0, 8, StandardCharsets.US_ASCII).equals("metadata")) throw new EvidenceFormatException(path, "VHDX metadata region without its signature");
		int items = LittleEndian.u16(meta, 10);
		if (items > 2047) throw new EvidenceFormatException(path, "VHDX metadata table of " + items + " entries");
		long blockSize = -1, size = -1, sector = -1, fileFlags = 0;
		for (int i = 0; i < items; i++) {
			int e = 32 + 32 * i;
			long off = LittleEndian.u32(meta, e + 16), len = LittleEndian.u32(meta, e + 20);
			if (off + len > metaLen || (len > 0 && off < 64 << 10)) throw new EvidenceFormatException(path, "VHDX metadata item #" + i + " lies outside its region");
			int o = (int) off;
			if (Arrays.equals(meta, e, e + 16, FILE_PARAMETERS, 0, 16) && len >= 8) {
				blockSize = LittleEndian.u32(meta, o);
				fileFlags = LittleEndian.u32(meta, o + 4);
			} else if (Arrays.equals(meta, e, e + 16, DISK_SIZE, 0, 16) && len >= 8) {
				size = LittleEndian.u64(meta, o);
			} else if (Arrays.equals(meta, e, e + 16, LOGICAL_SECTOR, 0, 16) && len >= 4) {
				sector = LittleEndian.u32(meta, o);
			}
		}
		if ((fileFlags & 2) != 0) throw new EvidenceFormatException(path, "a differencing VHDX: its parent disk is not read; open a merged image");
		if (blockSize < MiB || blockSize > 256 * MiB || Long.bitCount(blockSize) != 1) throw new EvidenceFormatException(path, "invalid VHDX block size " + blockSize);
		if (sector != 512 && sector != 4096) throw new EvidenceFormatException(path, "invalid VHDX logical sector size " + sector);
		if (size < 0 || size > (64L << 40) || size % sector != 0) throw new EvidenceFormatException(path, "invalid VHDX disk size " + size);
		long chunkRatio = (1L << 23) * sector / blockSize;
		long blocks = (size + blockSize - 1) / blockSize;
		long entries = blocks == 0 ? 0 : blocks + (blocks - 1) / chunkRatio;
		if (entries * 8 > batLen || batOff < MiB || batOff > f.size() || batOff + entries * 8 > f.size()) {
			throw new TruncatedEvidenceException(path, "the VHDX block allocation table (" + entries + " entries at " + batOff + ") runs past the end of the file or its region");
		}
		byte[] raw = new byte[(int) (entries * 8)];
		f.read(batOff, raw, 0, raw.length);
		long[] bat = new long[(int) blocks];
		List<Extent> past = new ArrayList<>();
		for (int i = 0; i < blocks; i++) {
			long e = LittleEndian.u64(raw, (int) ((i + i / chunkRatio) * 8));
			int state = (int) (e & 7);
			if (state == PARTIALLY_PRESENT) throw new EvidenceFormatException(path, "VHDX block " + i + " is partially present, which only a differencing disk may be");
			if (state != NOT_PRESENT && state != UNDEFINED && state != ZERO && state != UNMAPPED && state != FULLY_PRESENT) {
				throw new EvidenceFormatException(path, "VHDX block " + i + " has the invalid state " + state);
			}
			bat[i] = e;
			long at = e & -MiB;
			if (state == FULLY_PRESENT && (at < 0 || at > f.size() - blockSize)) addRange(past, i, 1);
		}
		VhdxLayer l = new VhdxLayer(f, size, blockSize, bat);
		l.cutShort(past, partial, "blocks");
		return l;
	}

	/** CRC-32C of the structure with its checksum field (at {@code at}) taken as zero. */
	private static boolean crcValid(byte[] b, int at) {
		long want = LittleEndian.u32(b, at);
		byte[] c = b.clone();
		Arrays.fill(c, at, at + 4, (byte) 0);
		CRC32C crc = new CRC32C();
		crc.update(c);
		return crc.getValue() == want;
	}

	@Override
	protected void readBlock(long block, int inBlock, byte[] buf, int off, int n) throws IOException {
		long e = bat[(int) block];
		if ((e & 7) != FULLY_PRESENT) {
			Arrays.fill(buf, off, off + n, (byte) 0);
			return;
		}
		readFile((e & -MiB) + inBlock, buf, off, n, block);
	}
}
