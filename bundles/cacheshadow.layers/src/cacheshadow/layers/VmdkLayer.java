package cacheshadow.layers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.DataFormatException;

/**
 * A VMware VMDK hosted sparse extent, read-only: monolithic sparse and stream-optimized (VMware's "Virtual Disk
 * Format 1.1": sparse extent header, grain directory, grain tables, grains; stream-optimized grains deflated behind a
 * grain marker, the header with the directory's place in a footer). Unallocated and zeroed grains read as zeros.
 * Multi-file VMDKs (a descriptor file naming extents) and delta disks (with a parent) are refused.
 */
public final class VmdkLayer extends BlockImageLayer {
	/** "KDMV" little-endian. */
	public static final int MAGIC = 0x564d444b;
	private static final long GD_AT_END = -1L;
	private static final int FLAG_ZERO_GRAIN = 1 << 2, FLAG_COMPRESSED = 1 << 16, FLAG_MARKERS = 1 << 17;
	private static final Pattern PARENT = Pattern.compile("(?m)^\\s*parentCID\\s*=\\s*([0-9a-fA-F]+)");

	private final long[] gd;
	private final int gtEntries;
	private final boolean compressed, zeroGrains;
	private final DecodedBlocks<long[]> tables;
	private final DecodedBlocks<byte[]> grains;

	private VmdkLayer(MappedFile f, long size, long grainBytes, long[] gd, int gtEntries, boolean compressed, boolean zeroGrains) {
		super(f, "VMDK", size, grainBytes);
		this.gd = gd;
		this.gtEntries = gtEntries;
		this.compressed = compressed;
		this.zeroGrains = zeroGrains;
		this.tables = new DecodedBlocks<>(DecodedBlocks.entriesFor(CACHE_BYTES / 8, gtEntries * 8L));
		this.grains = new DecodedBlocks<>(DecodedBlocks.entriesFor(CACHE_BYTES, grainBytes));
	}

	public static VmdkLayer open(Path path) throws IOException {
		return open(path, false);
	}

	/** As {@link #open(Path)}; {@code partial} opens an image cut short, its grains past the end missing. */
	public static VmdkLayer open(Path path, boolean partial) throws IOException {
		MappedFile f = MappedFile.open(path);
		if (f.size() < 512) throw new TruncatedEvidenceException(path, "VMDK header of " + f.size() + " bytes");
		byte[] h = new byte[512];
		f.read(0, h, 0, 512);
		if (LittleEndian.s32(h, 0) != MAGIC) throw new EvidenceFormatException(path, "not a VMDK sparse extent (no KDMV magic)");
		long flags = LittleEndian.u32(h, 8);
		if (LittleEndian.u64(h, 56) == GD_AT_END) {
			// stream-optimized: the header that knows where the directory is comes last, before the end-of-stream marker
			if (f.size() < 1536) throw new TruncatedEvidenceException(path, "stream-optimized VMDK without its footer");
			f.read(f.size() - 1024, h, 0, 512);
			if (LittleEndian.s32(h, 0) != MAGIC) {
				throw new TruncatedEvidenceException(path, "stream-optimized VMDK whose footer (the header 1024 bytes before the end) is missing");
			}
			flags = LittleEndian.u32(h, 8);
		}
		long version = LittleEndian.u32(h, 4);
		if (version < 1 || version > 3) throw new EvidenceFormatException(path, "unsupported VMDK version " + version);
		long capacity = LittleEndian.u64(h, 12), grainSectors = LittleEndian.u64(h, 20);
		long descOff = LittleEndian.u64(h, 28), descSectors = LittleEndian.u64(h, 36);
		long gtEntries = LittleEndian.u32(h, 44), gdOff = LittleEndian.u64(h, 56);
		boolean compressed = (flags & FLAG_COMPRESSED) != 0;
		if (compressed && LittleEndian.u16(h, 77) != 1) throw new EvidenceFormatException(path, "unsupported VMDK grain compression " + LittleEndian.u16(h, 77));
		if (grainSectors < 1 || grainSectors > (1 << 16) || Long.bitCount(grainSectors) != 1) {
			throw new EvidenceFormatException(path, "invalid VMDK grain size of " + grainSectors + " sectors");
		}
		if (gtEntries < 1 || gtEntries > (1 << 16)) throw new EvidenceFormatException(path, "invalid VMDK grain table size " + gtEntries);
		if (capacity < 0 || capacity > (1L << 54)) throw new EvidenceFormatException(path, "invalid VMDK capacity of " + capacity + " sectors");
		if (descOff > 0 && descSectors > 0) checkDescriptor(path, f, descOff, descSectors);
		long span = gtEntries * grainSectors;
		long gdEntries = (capacity + span - 1) / span;
		if (gdOff <= 0 || gdOff > f.size() / 512 || gdOff * 512 + gdEntries * 4 > f.size()) {
			throw new TruncatedEvidenceException(path, String.format("the VMDK grain directory (%d entries at sector %d) lies past the end of the file (%d bytes)", gdEntries, gdOff, f.size()));
		}
		byte[] raw = new byte[(int) (gdEntries * 4)];
		f.read(gdOff * 512, raw, 0, raw.length);
		long[] gd = new long[(int) gdEntries];
		for (int i = 0; i < gd.length; i++) gd[i] = LittleEndian.u32(raw, i * 4);
		VmdkLayer l = new VmdkLayer(f, capacity * 512, grainSectors * 512, gd, (int) gtEntries, compressed, (flags & FLAG_ZERO_GRAIN) != 0);
		l.cutShort(l.grainsPastTheEnd(), partial, "grain tables or grains");
		return l;
	}

	/** Refuses a descriptor that makes this extent a delta of a parent disk (its unallocated grains are not zeros). */
	private static void checkDescriptor(Path path, MappedFile f, long descOff, long descSectors) throws IOException {
		long len = Math.min(descSectors, 1 << 11) * 512; // the descriptor's first MiB at most
		if (descOff > f.size() / 512 || descOff * 512 + len > f.size()) throw new TruncatedEvidenceException(path, "the VMDK descriptor lies past the end of the file");
		byte[] d = new byte[(int) len];
		f.read(descOff * 512, d, 0, d.length);
		Matcher m = PARENT.matcher(new String(d, StandardCharsets.ISO_8859_1));
		if (m.find() && !m.group(1).equalsIgnoreCase("ffffffff")) {
			throw new EvidenceFormatException(path, "a VMDK delta disk (parentCID " + m.group(1) + "): its parent disk is not read; open a consolidated image");
		}
	}

	/**
	 * The grains whose table or data lies past the end of the file: reads every grain table once. Two directory
	 * entries may not share a table, so the work is bounded by the file's size.
	 */
	private List<Extent> grainsPastTheEnd() throws IOException {
		List<Extent> out = new ArrayList<>();
		java.util.Set<Long> seen = new java.util.HashSet<>();
		long grains = (size + blockSize - 1) / blockSize;
		for (int i = 0; i < gd.length; i++) {
			long first = (long) i * gtEntries;
			int count = (int) Math.min(gtEntries, grains - first);
			if (gd[i] == 0) continue;
			if (gd[i] * 512 + gtEntries * 4L > file.size()) {
				addRange(out, first, count);
				continue;
			}
			if (!seen.add(gd[i])) throw new EvidenceFormatException(file.path(), String.format("VMDK grain directory entries share the grain table at sector %d", gd[i]));
			long[] gt = table(i);
			for (int j = 0; j < count; j++) {
				long e = gt[j];
				if (e > 1 && e * 512 + (compressed ? 12 : blockSize) > file.size()) addRange(out, first + j, 1);
			}
		}
		return out;
	}

	private long[] table(int gdIndex) throws IOException {
		return tables.get(gdIndex, k -> {
			byte[] raw = new byte[gtEntries * 4];
			readFile(gd[gdIndex] * 512, raw, 0, raw.length, (long) gdIndex * gtEntries);
			long[] t = new long[gtEntries];
			for (int i = 0; i < t.length; i++) t[i] = LittleEndian.u32(raw, i * 4);
			return t;
		});
	}

	@Override
	protected void readBlock(long grain, int inGrain, byte[] buf, int off, int n) throws IOException {
		int gdIndex = (int) (grain / gtEntries);
		long entry = gd[gdIndex] == 0 ? 0 : table(gdIndex)[(int) (grain % gtEntries)];
		if (entry == 0 || (entry == 1 && zeroGrains)) {
			Arrays.fill(buf, off, off + n, (byte) 0);
		} else if (compressed) {
			System.arraycopy(grains.get(grain, g -> inflateGrain(g, entry)), inGrain, buf, off, n);
		} else {
			readFile(entry * 512 + inGrain, buf, off, n, grain);
		}
	}

	/** A compressed grain: {@code u64 lba, u32 size}, then {@code size} bytes of zlib data. */
	private byte[] inflateGrain(long grain, long sector) throws IOException {
		byte[] m = new byte[12];
		readFile(sector * 512, m, 0, 12, grain);
		long lba = LittleEndian.u64(m, 0), csize = LittleEndian.u32(m, 8);
		if (lba != grain * (blockSize / 512)) {
			throw new EvidenceFormatException(file.path(), String.format("the grain of disk offset 0x%x points to a grain marker for sector %d", grain * blockSize, lba));
		}
		if (csize == 0 || csize > 2 * blockSize + 1024) {
			throw new EvidenceFormatException(file.path(), String.format("compressed grain of disk offset 0x%x claims %d bytes", grain * blockSize, csize));
		}
		byte[] in = new byte[(int) csize];
		readFile(sector * 512 + 12, in, 0, in.length, grain);
		byte[] out = new byte[(int) blockSize];
		try {
			int got = Deflate.inflate(in, in.length, out, true);
			long want = Math.min(blockSize, size - grain * blockSize);
			if (got < want) throw new EvidenceFormatException(file.path(), String.format("compressed grain of disk offset 0x%x inflates to %d bytes, not %d", grain * blockSize, got, want));
		} catch (DataFormatException e) {
			throw new EvidenceFormatException(file.path(), String.format("corrupt compressed grain of disk offset 0x%x: %s", grain * blockSize, e.getMessage()));
		}
		return out;
	}
}
