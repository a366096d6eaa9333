package cacheshadow.layers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A qcow2 (v2/v3) disk image, read-only: L1 → L2 → data clusters, zero clusters, deflate-compressed clusters and
 * a backing-file chain (QEMU docs/interop/qcow2.txt). Unallocated clusters read from the backing file, or as
 * zeros without one — that is what the guest saw, so it is not a hole. The image is big-endian. An image whose tables
 * or clusters lie past the end of the file was cut short: it is refused, or opened as partial evidence, where those
 * guest ranges are {@linkplain #missing() missing}.
 */
public final class Qcow2Layer implements Layer {
	private static final long OFFSET_MASK = 0x00fffffffffffe00L;
	private static final long L2_COMPRESSED = 1L << 62;
	private static final long L2_ZERO = 1L;
	private static final int MAX_BACKING_DEPTH = 16;
	private static final int L2_CACHE_TABLES = 64;

	private final MappedFile file;
	private final int clusterBits;
	private final long clusterSize;
	private final long virtualSize;
	private final long[] l1;
	private final Layer backing;
	private final boolean partial;
	/** Entries of the L1 table the file holds (all of them, unless a partial image was cut in the table). */
	private final int l1Held;
	private final List<Extent> missing, extents;
	private final Map<Long, long[]> l2Cache = new LinkedHashMap<>(L2_CACHE_TABLES, 0.75f, true) {
		private static final long serialVersionUID = 1L;

		@Override
		protected boolean removeEldestEntry(Map.Entry<Long, long[]> e) {
			return size() > L2_CACHE_TABLES;
		}
	};

	private Qcow2Layer(MappedFile file, int clusterBits, long virtualSize, long[] l1, int l1Held, Layer backing, boolean partial) throws IOException {
		this.file = file;
		this.clusterBits = clusterBits;
		this.clusterSize = 1L << clusterBits;
		this.virtualSize = virtualSize;
		this.l1 = l1;
		this.l1Held = l1Held;
		this.backing = backing;
		this.partial = partial;
		this.missing = pastTheEnd();
		if (!missing.isEmpty() && !partial) {
			long bytes = 0;
			for (Extent e : missing) bytes += e.length();
			throw new TruncatedEvidenceException(file.path(), String.format("%d bytes of guest data (first at guest offset 0x%x) have their %s past the end of the file (%d bytes)",
					bytes, missing.get(0).start(), l1Held < l1.length ? "L1 entries, L2 tables or clusters" : "L2 tables or clusters", file.size()));
		}
		List<Extent> ext = new ArrayList<>();
		long at = 0;
		for (Extent m : missing) {
			if (m.start() > at) ext.add(new Extent(at, m.start() - at));
			at = m.end();
		}
		if (at < virtualSize) ext.add(new Extent(at, virtualSize - at));
		this.extents = Collections.unmodifiableList(ext);
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
		if (be32(h, 0) != 0x514649fbL) throw new EvidenceFormatException(path, "not a qcow2 image");
		long version = be32(h, 4);
		if (version != 2 && version != 3) throw new EvidenceFormatException(path, "unsupported qcow2 version " + version);
		long backingOff = be64(h, 8);
		long backingLen = be32(h, 16);
		long clusterBits = be32(h, 20);
		long size = be64(h, 24);
		long crypt = be32(h, 32);
		long l1Size = be32(h, 36);
		long l1Off = be64(h, 40);
		if (clusterBits < 9 || clusterBits > 21) throw new EvidenceFormatException(path, "invalid cluster_bits " + clusterBits);
		if (crypt != 0) throw new EvidenceFormatException(path, "encrypted qcow2 images are not supported (crypt_method " + crypt + ")");
		if (version == 3 && h.length >= 104) {
			long incompatible = be64(h, 72);
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
		for (int i = 0; i < l1Held; i++) l1[i] = be64(t, i * 8);
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
	 * The guest ranges whose L1 entry, L2 table or cluster lies past the end of the file, ascending and joined. Reads
	 * every L2 table once (64 KiB per 512 MiB of guest space with the default clusters).
	 */
	private List<Extent> pastTheEnd() throws IOException {
		List<Extent> out = new ArrayList<>();
		long entriesPerL2 = clusterSize / 8;
		long span = entriesPerL2 << clusterBits;
		for (int i = 0; i < l1.length; i++) {
			long from = i * span;
			if (from >= virtualSize) break;
			long l2Off = l1[i] & OFFSET_MASK;
			if (i >= l1Held || (l2Off != 0 && l2Off + clusterSize > file.size())) {
				addMissing(out, from, span);
				continue;
			}
			if (l2Off == 0) continue;
			long[] l2 = l2Table(l2Off);
			for (int j = 0; j < l2.length; j++) {
				long e = l2[j];
				if (clusterPastTheEnd(e)) addMissing(out, from + ((long) j << clusterBits), clusterSize);
			}
		}
		return Collections.unmodifiableList(out);
	}

	/** Whether the data of an L2 entry lies past the end of the file (a compressed cluster: where it starts). */
	private boolean clusterPastTheEnd(long l2Entry) {
		if ((l2Entry & L2_COMPRESSED) != 0) {
			int x = 62 - (clusterBits - 8);
			return (l2Entry & ((1L << x) - 1)) >= file.size();
		}
		long host = l2Entry & OFFSET_MASK;
		return (l2Entry & L2_ZERO) == 0 && host != 0 && host + clusterSize > file.size();
	}

	private void addMissing(List<Extent> out, long start, long length) {
		long len = Math.min(length, virtualSize - start);
		if (len <= 0) return;
		if (!out.isEmpty() && out.get(out.size() - 1).end() == start) {
			Extent last = out.remove(out.size() - 1);
			out.add(new Extent(last.start(), last.length() + len));
		} else {
			out.add(new Extent(start, len));
		}
	}

	@Override
	public String name() {
		return file.path().getFileName() + " (qcow2)";
	}

	@Override
	public String source() {
		return file.path().toString();
	}

	@Override
	public long size() {
		return virtualSize;
	}

	@Override
	public List<Extent> extents() {
		return extents;
	}

	@Override
	public List<Extent> missing() {
		return missing;
	}

	@Override
	public void read(long offset, byte[] buf, int off, int len) throws IOException {
		if (offset < 0 || offset + len > virtualSize || offset + len < offset) {
			throw new UnmappedAddressException(name(), offset < 0 || offset >= virtualSize ? offset : virtualSize);
		}
		while (len > 0) {
			long inCluster = offset & (clusterSize - 1);
			int n = (int) Math.min(len, clusterSize - inCluster);
			readInCluster(offset, inCluster, buf, off, n);
			offset += n;
			off += n;
			len -= n;
		}
	}

	private void readInCluster(long offset, long inCluster, byte[] buf, int off, int n) throws IOException {
		long cluster = offset >>> clusterBits;
		long entriesPerL2 = clusterSize / 8;
		int l1Index = (int) (cluster / entriesPerL2);
		long l2Entry = 0;
		long l2Off = l1[l1Index] & OFFSET_MASK;
		if (partial && (l1Index >= l1Held || (l2Off != 0 && l2Off + clusterSize > file.size()))) throw MissingReads.missing(name(), offset);
		if (l2Off != 0) {
			l2Entry = l2Table(l2Off)[(int) (cluster % entriesPerL2)];
		}
		if (partial && clusterPastTheEnd(l2Entry)) throw MissingReads.missing(name(), offset);
		if ((l2Entry & L2_COMPRESSED) != 0) {
			byte[] c = decompressCluster(l2Entry, offset);
			System.arraycopy(c, (int) inCluster, buf, off, n);
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
			if (host + clusterSize > file.size()) {
				throw new EvidenceFormatException(file.path(), String.format("data cluster of guest offset 0x%x points outside the file (0x%x)", offset, host));
			}
			file.read(host + inCluster, buf, off, n);
		}
	}

	private synchronized long[] l2Table(long l2Off) throws IOException {
		long[] t = l2Cache.get(l2Off);
		if (t != null) return t;
		if ((l2Off & (clusterSize - 1)) != 0 || l2Off + clusterSize > file.size()) {
			throw new EvidenceFormatException(file.path(), String.format("L2 table at 0x%x lies outside the file or is misaligned", l2Off));
		}
		byte[] raw = new byte[(int) clusterSize];
		file.read(l2Off, raw, 0, raw.length);
		t = new long[raw.length / 8];
		for (int i = 0; i < t.length; i++) t[i] = be64(raw, i * 8);
		l2Cache.put(l2Off, t);
		return t;
	}

	/** Compressed cluster descriptor: host offset in the low {@code 62-(cluster_bits-8)} bits, then extra sectors. */
	private byte[] decompressCluster(long entry, long guestOffset) throws IOException {
		int x = 62 - (clusterBits - 8);
		long host = entry & ((1L << x) - 1);
		long sectors = ((entry & ((1L << 62) - 1)) >>> x) + 1;
		long csize = sectors * 512 - (host & 511);
		if (host + csize > file.size()) csize = file.size() - host;
		if (csize <= 0 || csize > 2 * clusterSize + 512) {
			throw new EvidenceFormatException(file.path(), String.format("compressed cluster of guest offset 0x%x lies outside the file", guestOffset));
		}
		byte[] in = new byte[(int) csize];
		file.read(host, in, 0, in.length);
		byte[] out = new byte[(int) clusterSize];
		Inflater inf = new Inflater(true);
		try {
			inf.setInput(in);
			int got = inf.inflate(out);
			if (got != out.length) throw new EvidenceFormatException(file.path(), String.format("compressed cluster of guest offset 0x%x inflates to %d bytes, not %d", guestOffset, got, out.length));
		} catch (DataFormatException e) {
			throw new EvidenceFormatException(file.path(), String.format("corrupt compressed cluster of guest offset 0x%x: %s", guestOffset, e.getMessage()));
		} finally {
			inf.end();
		}
		return out;
	}

	private static long be32(byte[] b, int o) {
		return ((b[o] & 0xffL) << 24) | ((b[o + 1] & 0xffL) << 16) | ((b[o + 2] & 0xffL) << 8) | (b[o + 3] & 0xffL);
	}

	private static long be64(byte[] b, int o) {
		return (be32(b, o) << 32) | be32(b, o + 4);
	}

	@Override
	public void close() throws IOException {
		file.close();
		if (backing != null) backing.close();
	}
}
