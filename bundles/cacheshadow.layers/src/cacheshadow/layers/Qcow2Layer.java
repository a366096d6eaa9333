package cacheshadow.layers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.zip.DataFormatException;

/**
 * A qcow2 (v2/v3) disk image, read-only: L1 → L2 → data clusters, zero clusters, deflate-compressed clusters and
 * a backing-file chain (QEMU docs/interop/qcow2.txt). Unallocated clusters read from the backing file, or as
 * zeros without one — that is what the guest saw, so it is not a hole. The image is big-endian. An image whose tables
 * or clusters lie past the end of the file was cut short: it is refused, or opened as partial evidence, where those
 * guest ranges are {@linkplain #missing() missing}.
 */
public final class Qcow2Layer extends BlockImageLayer {
	private static final long OFFSET_MASK = 0x00fffffffffffe00L;
	private static final long L2_COMPRESSED = 1L << 62;
	private static final long L2_ZERO = 1L;
	private static final int MAX_BACKING_DEPTH = 16;
	private static final int L2_CACHE_TABLES = 64;

	private final int clusterBits;
	private final long[] l1;
	private final Layer backing;
	/** Entries of the L1 table the file holds (all of them, unless a partial image was cut in the table). */
	private final int l1Held;
	private final DecodedBlocks<long[]> l2Tables = new DecodedBlocks<>(L2_CACHE_TABLES);
	private final DecodedBlocks<byte[]> compressed;

	private Qcow2Layer(MappedFile file, int clusterBits, long virtualSize, long[] l1, int l1Held, Layer backing, boolean partial) throws IOException {
		super(file, "qcow2", virtualSize, 1L << clusterBits);
		this.clusterBits = clusterBits;
		this.l1 = l1;
		this.l1Held = l1Held;
		this.backing = backing;
		this.compressed = new DecodedBlocks<>(DecodedBlocks.entriesFor(CACHE_BYTES, blockSize));
		cutShort(pastTheEnd(), partial, l1Held < l1.length ? "L1 entries, L2 tables or clusters" : "L2 tables or clusters");
	}

	public static Qcow2Layer open(Path path) throws IOException {
		return open(path, false);
	}

	/** As {@link #open(Path)}; {@code partial} opens an image cut short (and its backing files likewise). */
	public static Qcow2Layer open(Path path, boolean partial) throws IOException {
		return open(path, new java.util.HashSet<>(), partial);
	}

	private static Qcow2Layer open(Path path, Set<Path> chain, boolean partial) throws IOException {
		Path real;
		try {
			real = path.toRealPath();
		} catch (IOException e) {
			throw new EvidenceFormatException(path, "no such file");
		}
		if (!chain.add(real)) throw new EvidenceFormatException(path, "backing file chain loops back to " + real);
		if (chain.size() > MAX_BACKING_DEPTH) throw new EvidenceFormatException(path, "backing file chain deeper than " + MAX_BACKING_DEPTH);
		MappedFile f = MappedFile.open(path);
		if (f.size() < 72) throw new EvidenceFormatException(path, "truncated qcow2 header");
		byte[] h = new byte[Math.min(112, (int) f.size())];
		f.read(0, h, 0, h.length);
		if (BigEndian.u32(h, 0) != 0x514649fbL) throw new EvidenceFormatException(path, "not a qcow2 image");
		long version = BigEndian.u32(h, 4);
		if (version != 2 && version != 3) throw new EvidenceFormatException(path, "unsupported qcow2 version " + version);
		long backingOff = BigEndian.u64(h, 8);
		long backingLen = BigEndian.u32(h, 16);
		long clusterBits = BigEndian.u32(h, 20);
		long size = BigEndian.u64(h, 24);
		long crypt = BigEndian.u32(h, 32);
		long l1Size = BigEndian.u32(h, 36);
		long l1Off = BigEndian.u64(h, 40);
		if (clusterBits < 9 || clusterBits > 21) throw new EvidenceFormatException(path, "invalid cluster_bits " + clusterBits);
		if (crypt != 0) throw new EvidenceFormatException(path, "encrypted qcow2 images are not supported (crypt_method " + crypt + ")");
		if (version == 3 && h.length >= 104) {
			long incompatible = BigEndian.u64(h, 72);
			if ((incompatible & ~0x3L) != 0) {
				throw new EvidenceFormatException(path, String.format("unsupported qcow2 incompatible features 0x%x (external data file, zstd or extended L2)", incompatible));
			}
		}
		if (size < 0) throw new EvidenceFormatException(path, "negative virtual size");
		long entriesPerL2 = (1L << clusterBits) / 8;
		long needL1 = (size + (entriesPerL2 << clusterBits) - 1) / (entriesPerL2 << clusterBits);
		if (l1Size < needL1 || l1Size > (1 << 25)) throw new EvidenceFormatException(path, "L1 table size " + l1Size + " does not fit virtual size " + size);
		if (l1Off <= 0 || l1Off >= f.size() || (l1Off + l1Size * 8 > f.size() && !partial)) {
			throw new TruncatedEvidenceException(path, "the L1 table (" + l1Size + " entries at " + l1Off + ") runs past the end of the file (" + f.size() + " bytes)");
		}
		long[] l1 = new long[(int) l1Size];
		int l1Held = (int) Math.min(l1Size, (f.size() - l1Off) / 8);
		byte[] t = new byte[l1Held * 8];
		f.read(l1Off, t, 0, t.length);
		for (int i = 0; i < l1Held; i++) l1[i] = BigEndian.u64(t, i * 8);
		Layer backing = null;
		if (backingOff != 0 && backingLen != 0) {
			if (backingLen > 1023 || backingOff + backingLen > f.size()) throw new EvidenceFormatException(path, "backing file name lies outside the header");
			byte[] nb = new byte[(int) backingLen];
			f.read(backingOff, nb, 0, nb.length);
			Path bp;
			try {
				bp = Path.of(new String(nb, StandardCharsets.UTF_8));
			} catch (java.nio.file.InvalidPathException e) {
				throw new EvidenceFormatException(path, "backing file name is not a valid path (" + e.getReason() + ")");
			}
			if (!bp.isAbsolute()) bp = real.resolveSibling(bp);
			backing = EvidenceFormat.detect(bp) == EvidenceFormat.QCOW2 ? open(bp, chain, partial) : new RawFileLayer(bp);
		}
		return new Qcow2Layer(f, (int) clusterBits, size, l1, l1Held, backing, partial);
	}

	/**
	 * The clusters whose L1 entry, L2 table or data lies past the end of the file, ascending and joined. Reads every
	 * L2 table once (64 KiB per 512 MiB of guest space with the default clusters).
	 */
	private List<Extent> pastTheEnd() throws IOException {
		List<Extent> out = new ArrayList<>();
		long entriesPerL2 = blockSize / 8;
		for (int i = 0; i < l1.length; i++) {
			long first = i * entriesPerL2;
			if (first << clusterBits >= size) break;
			long l2Off = l1[i] & OFFSET_MASK;
			if (i >= l1Held || (l2Off != 0 && l2Off + blockSize > file.size())) {
				addRange(out, first, entriesPerL2);
				continue;
			}
			if (l2Off == 0) continue;
			long[] l2 = l2Table(l2Off);
			for (int j = 0; j < l2.length; j++) {
				if (clusterPastTheEnd(l2[j])) addRange(out, first + j, 1);
			}
		}
		return out;
	}

	/** Whether the data of an L2 entry lies past the end of the file (a compressed cluster: where it starts). */
	private boolean clusterPastTheEnd(long l2Entry) {
		if ((l2Entry & L2_COMPRESSED) != 0) {
			int x = 62 - (clusterBits - 8);
			return (l2Entry & ((1L << x) - 1)) >= file.size();
		}
		long host = l2Entry & OFFSET_MASK;
		return (l2Entry & L2_ZERO) == 0 && host != 0 && host + blockSize > file.size();
	}

	/** A cluster's bytes; its L1 entry, L2 table and data are in the file (those that are not are missing). */
	@Override
	protected void readBlock(long cluster, int inCluster, byte[] buf, int off, int n) throws IOException {
		long offset = (cluster << clusterBits) + inCluster;
		long entriesPerL2 = blockSize / 8;
		long l2Entry = 0;
		long l2Off = l1[(int) (cluster / entriesPerL2)] & OFFSET_MASK;
		if (l2Off != 0) {
			l2Entry = l2Table(l2Off)[(int) (cluster % entriesPerL2)];
		}
		if ((l2Entry & L2_COMPRESSED) != 0) {
			long entry = l2Entry;
			byte[] c = compressed.get(cluster, k -> decompressCluster(entry, offset));
			System.arraycopy(c, inCluster, buf, off, n);
			return;
		}
		long host = l2Entry & OFFSET_MASK;
		if ((l2Entry & L2_ZERO) != 0 || (host == 0 && backing == null)) {
			java.util.Arrays.fill(buf, off, off + n, (byte) 0);
		} else if (host == 0) {
			if (offset + n <= backing.size()) {
				backing.read(offset, buf, off, n);
			} else {
				// the backing image may be shorter than this one: beyond its end the guest reads zeros
				java.util.Arrays.fill(buf, off, off + n, (byte) 0);
				long have = Math.max(0, backing.size() - offset);
				if (have > 0) backing.read(offset, buf, off, (int) have);
			}
		} else {
			if (host + blockSize > file.size()) {
				throw new EvidenceFormatException(file.path(), String.format("data cluster of guest offset 0x%x points outside the file (0x%x)", offset, host));
			}
			file.read(host + inCluster, buf, off, n);
		}
	}

	private long[] l2Table(long l2Off) throws IOException {
		return l2Tables.get(l2Off, at -> {
			if ((at & (blockSize - 1)) != 0 || at + blockSize > file.size()) {
				throw new EvidenceFormatException(file.path(), String.format("L2 table at 0x%x lies outside the file or is misaligned", at));
			}
			byte[] raw = new byte[(int) blockSize];
			file.read(at, raw, 0, raw.length);
			long[] t = new long[raw.length / 8];
			for (int i = 0; i < t.length; i++) t[i] = BigEndian.u64(raw, i * 8);
			return t;
		});
	}

	/** Compressed cluster descriptor: host offset in the low {@code 62-(cluster_bits-8)} bits, then extra sectors. */
	private byte[] decompressCluster(long entry, long guestOffset) throws IOException {
		int x = 62 - (clusterBits - 8);
		long host = entry & ((1L << x) - 1);
		long sectors = ((entry & ((1L << 62) - 1)) >>> x) + 1;
		long csize = sectors * 512 - (host & 511);
		if (host + csize > file.size()) csize = file.size() - host;
		if (csize <= 0 || csize > 2 * blockSize + 512) {
			throw new EvidenceFormatException(file.path(), String.format("compressed cluster of guest offset 0x%x lies outside the file", guestOffset));
		}
		byte[] in = new byte[(int) csize];
		file.read(host, in, 0, in.length);
		byte[] out = new byte[(int) blockSize];
		try {
			int got = Deflate.inflate(in, in.length, out, false);
			if (got != out.length) throw new EvidenceFormatException(file.path(), String.format("compressed cluster of guest offset 0x%x inflates to %d bytes, not %d", guestOffset, got, out.length));
		} catch (DataFormatException e) {
			throw new EvidenceFormatException(file.path(), String.format("corrupt compressed cluster of guest offset 0x%x: %s", guestOffset, e.getMessage()));
		}
		return out;
	}

	@Override
	public void close() throws IOException {
		file.close();
		if (backing != null) backing.close();
	}
}
