package cacheshadow.journal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.CRC32C;

import cacheshadow.layers.AtomicFile;
import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.LittleEndian;
import cacheshadow.layers.MappedFile;

/**
 * The compact file form of a {@link BlockVersionStore}, read through a read-only mapping (nothing loaded up
 * front; a query touches O(log n) pages). Little-endian layout, documented in FORMAT.md ("block version index"):
 *
 * <pre>
 *  0  8  magic "CSJVIX01"          32  8  written block count B
 *  8  4  format version 3          40  8  version count V
 * 12  4  block size                48  8  journal valid bytes
 * 16  4  unit size (sector)        56  4  journal fingerprint (CRC32C of every entry's offset, length, flags)
 * 20  4  CRC32C of bytes [64, end) 60  4  CRC32C of bytes [0, 60)
 * 24  8  journal entry count
 * 64     B x u64 block numbers, ascending
 *        (B+1) x u64 first version of each block (the last one = V)
 *        V x u32 entry numbers, ascending within a block; padding to 8
 *        V x u64 unit masks
 *        u64 S, u64 L: blocks with more than 16 versions, longs of their mask summaries
 *        S x (u64 block position, u64 first summary long), ascending
 *        L x u64 {@link MaskSummary} levels
 * </pre>
 */
public final class MappedBlockVersionStore implements BlockVersionStore {
	static final byte[] MAGIC = "CSJVIX01".getBytes(StandardCharsets.US_ASCII);
	static final int HEADER = 64;
	/** 3: the body's CRC32C in the header, so a damaged index file is rebuilt, not read. */
	static final int VERSION = 3;

	private final MappedFile file;
	private final int blockSize, unitSize, entryCount;
	private final long blockCount, versionCount;
	private final long blocksAt, startsAt, entriesAt, masksAt, summaryTableAt, summaryAt;
	private final long summarizedCount;

	private MappedBlockVersionStore(MappedFile file, int blockSize, int unitSize, int entryCount, long blockCount, long versionCount) {
		this.file = file;
		this.blockSize = blockSize;
		this.unitSize = unitSize;
		this.entryCount = entryCount;
		this.blockCount = blockCount;
		this.versionCount = versionCount;
		this.blocksAt = HEADER;
		this.startsAt = blocksAt + blockCount * 8;
		this.entriesAt = startsAt + (blockCount + 1) * 8;
		this.masksAt = align8(entriesAt + versionCount * 4);
		this.summaryTableAt = masksAt + versionCount * 8 + 16;
		long sc = 0, sl = 0;
		try {
			if (file.size() >= summaryTableAt) {
				sc = file.u64(summaryTableAt - 16);
				sl = file.u64(summaryTableAt - 8);
			}
		} catch (IOException e) {
			sc = -1;
		}
		this.summarizedCount = sc;
		this.summaryAt = summaryTableAt + sc * 16;
		this.summaryLongs = sl;
	}

	private final long summaryLongs;

	private static long align8(long v) {
		return (v + 7) & ~7L;
	}

	/**
	 * Writes {@code store} for {@code log} to {@code path}, whole or not at all ({@link AtomicFile}: a crash while
	 * writing leaves the old index or none, and {@link #open} checks the header and size of whatever it finds).
	 */
	public static void write(BlockVersionStore store, WriteLog log, Path path) throws IOException {
		write(store, log, fingerprint(log), path);
	}

	/** {@link #write} with {@code log}'s {@link #fingerprint} already computed. */
	static void write(BlockVersionStore store, WriteLog log, int fingerprint, Path path) throws IOException {
		if (!(store instanceof HeapBlockVersionStore heap)) {
			throw new IllegalArgumentException("only an in-memory store is written; copy others into a HeapBlockVersionStore first");
		}
		long b = store.writtenBlockCount(), v = store.versionCount();
		try (AtomicFile file = AtomicFile.create(path)) {
			byte[] h = new byte[HEADER];
			CRC32C crc = new CRC32C();
			try (ArrayFileWriter out = new ArrayFileWriter(file.channel())) {
				System.arraycopy(MAGIC, 0, h, 0, 8);
				LittleEndian.put32(h, 8, VERSION);
				LittleEndian.put32(h, 12, store.blockSize());
				LittleEndian.put32(h, 16, store.unitSize());
				LittleEndian.put64(h, 24, store.entryCount());
				LittleEndian.put64(h, 32, b);
				LittleEndian.put64(h, 40, v);
				LittleEndian.put64(h, 48, log.validBytes());
				LittleEndian.put32(h, 56, fingerprint);
				out.write(h); // its checksums once the body is written
				out.write(heap.blocks, heap.blocks.length);
				out.writeAsLongs(heap.starts);
				out.write(heap.entries, (int) v);
				if ((v * 4) % 8 != 0) out.write(new byte[4]);
				out.write(heap.masks, (int) v);
				long[] table = new long[heap.summarized.length * 2 + 2];
				table[0] = heap.summarized.length;
				table[1] = heap.summary.length;
				for (int i = 0; i < heap.summarized.length; i++) {
					table[2 + 2 * i] = heap.summarized[i];
					table[3 + 2 * i] = heap.summaryStart[i];
				}
				out.write(table, table.length);
				out.write(heap.summary, heap.summary.length);
			}
			LittleEndian.put32(h, 20, bodyChecksum(file.channel()));
			crc.reset();
			crc.update(h, 0, 60);
			LittleEndian.put32(h, 60, (int) crc.getValue());
			for (java.nio.ByteBuffer hb = java.nio.ByteBuffer.wrap(h); hb.hasRemaining();) file.channel().write(hb, hb.position());
			file.commit();
		}
	}

	/** CRC32C of an index file's body, bytes [64, end), read back from what was written. */
	private static int bodyChecksum(java.nio.channels.FileChannel ch) throws IOException {
		CRC32C crc = new CRC32C();
		java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1 << 20);
		for (long pos = HEADER;;) {
			b.clear();
			int n = ch.read(b, pos);
			if (n < 0) break;
			b.flip();
			crc.update(b);
			pos += n;
		}
		return (int) crc.getValue();
	}

	/** CRC32C of bytes [64, end) of a mapped index file. */
	private static int bodyChecksum(MappedFile f) throws IOException {
		CRC32C crc = new CRC32C();
		byte[] b = new byte[1 << 20];
		for (long pos = HEADER; pos < f.size();) {
			int n = (int) Math.min(b.length, f.size() - pos);
			f.read(pos, b, 0, n);
			crc.update(b, 0, n);
			pos += n;
		}
		return (int) crc.getValue();
	}

	/**
	 * Opens an index file and checks that it was built from {@code log} (entry count, size, fingerprint) and is whole (the
	 * body's checksum): a damaged one is refused, for {@link JournalIndex#openOrBuild} to rebuild.
	 */
	public static MappedBlockVersionStore open(Path path, WriteLog log) throws IOException {
		return open(path, log, fingerprint(log));
	}

	/** {@link #open} with {@code log}'s {@link #fingerprint} already computed. */
	static MappedBlockVersionStore open(Path path, WriteLog log, int fingerprint) throws IOException {
		MappedFile f = MappedFile.open(path);
		try {
			if (f.size() < HEADER) throw new EvidenceFormatException(path, "too short for a block version index");
			byte[] h = new byte[HEADER];
			f.read(0, h, 0, HEADER);
			for (int i = 0; i < 8; i++) {
				if (h[i] != MAGIC[i]) throw new EvidenceFormatException(path, "not a block version index (bad magic)");
			}
			CRC32C crc = new CRC32C();
			crc.update(h, 0, 60);
			if ((int) crc.getValue() != LittleEndian.s32(h, 60)) throw new EvidenceFormatException(path, "index header checksum mismatch");
			if (LittleEndian.s32(h, 8) != VERSION) throw new EvidenceFormatException(path, "index format version " + LittleEndian.s32(h, 8) + " not supported");
			int bs = LittleEndian.s32(h, 12), us = LittleEndian.s32(h, 16);
			long entries = LittleEndian.u64(h, 24), b = LittleEndian.u64(h, 32), v = LittleEndian.u64(h, 40);
			if (entries != log.entryCount() || LittleEndian.u64(h, 48) != log.validBytes() || LittleEndian.s32(h, 56) != fingerprint
					|| us != log.sectorSize() || bs != BlockVersionStore.blockSizeFor(us)) {
				throw new EvidenceFormatException(path, "index was built from another journal than " + log.name());
			}
			MappedBlockVersionStore s = new MappedBlockVersionStore(f, bs, us, (int) entries, b, v);
			if (b < 0 || v < 0 || s.summarizedCount < 0 || s.summaryLongs < 0 || s.summarizedCount > b
					|| s.summaryAt + s.summaryLongs * 8 != f.size()) {
				throw new EvidenceFormatException(path, "index size does not match its header");
			}
			if (bodyChecksum(f) != LittleEndian.s32(h, 20)) throw new EvidenceFormatException(path, "index body checksum mismatch (a damaged index)");
			return s;
		} catch (IOException | RuntimeException e) {
			f.close();
			throw e;
		}
	}

	/** CRC32C over every entry's disk offset, length and flags: ties an index to the journal it describes. */
	static int fingerprint(WriteLog log) {
		CRC32C crc = new CRC32C();
		byte[] w = new byte[20 * 4096]; // a batch of records per update: one CRC call per entry cost more than the rest
		int n = log.entryCount();
		for (int i = 0; i < n;) {
			int k = 0;
			for (; k < w.length && i < n; k += 20, i++) {
				LittleEndian.put64(w, k, log.diskOffset(i));
				LittleEndian.put64(w, k + 8, log.length(i));
				LittleEndian.put32(w, k + 16, log.flags(i));
			}
			crc.update(w, 0, k);
		}
		return (int) crc.getValue();
	}

	@Override
	public int blockSize() {
		return blockSize;
	}

	@Override
	public int unitSize() {
		return unitSize;
	}

	@Override
	public int entryCount() {
		return entryCount;
	}

	@Override
	public long writtenBlockCount() {
		return blockCount;
	}

	@Override
	public long versionCount() {
		return versionCount;
	}

	@Override
	public long writtenBlock(long k) throws IOException {
		return file.u64(blocksAt + k * 8);
	}

	@Override
	public BlockVersions versions(long block) throws IOException {
		long mid = search(blocksAt, 8, blockCount, block);
		if (mid < 0) return null;
		long s = file.u64(startsAt + mid * 8);
		long e = file.u64(startsAt + (mid + 1) * 8);
		if (s < 0 || e < s || e > versionCount) throw new EvidenceFormatException(file.path(), "corrupt version range of block " + block);
		int c = Math.toIntExact(e - s);
		MaskSummary.Longs own = i -> file.u64(masksAt + (s + i) * 8);
		MaskSummary.Longs sum = c > MaskSummary.G ? summaryOf(mid) : null;
		return new VersionSlice(block, c, i -> entryAt(s + i, block), own, sum);
	}

	/** Entry number of version {@code v}: a journal entry, or the index is damaged (its body is checksummed on open). */
	private int entryAt(long v, long block) throws IOException {
		long e = file.u32(entriesAt + v * 4);
		if (e >= entryCount) throw new EvidenceFormatException(file.path(), "damaged index: version " + v + " of block " + block + " names entry " + e + " of " + entryCount);
		return (int) e;
	}

	/** Position of {@code key} in the sorted table of {@code count} u64 keys {@code stride} bytes apart at {@code at}, or -1. */
	private long search(long at, long stride, long count, long key) throws IOException {
		long lo = 0, hi = count - 1;
		while (lo <= hi) {
			long mid = (lo + hi) >>> 1;
			long v = file.u64(at + mid * stride);
			if (v < key) lo = mid + 1;
			else if (v > key) hi = mid - 1;
			else return mid;
		}
		return -1;
	}

	/** The summary levels of the block at position {@code k}, by binary search in the summary table. */
	private MaskSummary.Longs summaryOf(long k) throws IOException {
		long mid = search(summaryTableAt, 16, summarizedCount, k);
		if (mid >= 0) {
			long at = summaryAt + file.u64(summaryTableAt + mid * 16 + 8) * 8;
			return i -> file.u64(at + (long) i * 8);
		}
		throw new EvidenceFormatException(file.path(), "block at position " + k + " has no mask summary");
	}

	@Override
	public void close() {
		file.close();
	}
}
