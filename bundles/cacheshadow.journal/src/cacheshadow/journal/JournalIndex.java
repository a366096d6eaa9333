package cacheshadow.journal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import cacheshadow.layers.AtomicFile;
import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.Progress;

/**
 * A journal plus its block → versions store: answers "which entry last wrote this block at or before instant t"
 * in O(log n) and "which blocks changed between t1 and t2". Instants here are entry counts: the disk after the
 * first {@code n} entries ({@link InstantSpec} turns names into counts).
 */
public final class JournalIndex implements AutoCloseable {
	/**
	 * Discards longer than this are kept as ranges instead of one version per block: a whole-device discard (mkfs,
	 * or a hostile entry claiming 2^50 sectors) must not cost a version per block. They are few; a read checks them
	 * by a scan.
	 */
	public static final long LARGE_DISCARD_BYTES = 1 << 20;

	private final WriteLog log;
	private final BlockVersionStore store;
	private final int[] largeDiscards;

	public JournalIndex(WriteLog log, BlockVersionStore store) {
		if (store.entryCount() != log.entryCount() || store.unitSize() != log.sectorSize()) {
			throw new IllegalArgumentException("store does not belong to " + log.name());
		}
		this.log = log;
		this.store = store;
		int k = 0;
		int[] ld = new int[16];
		for (int i = 0; i < log.entryCount(); i++) {
			if (isLargeDiscard(log, i)) {
				if (k == ld.length) ld = Arrays.copyOf(ld, k * 2);
				ld[k++] = i;
			}
		}
		this.largeDiscards = Arrays.copyOf(ld, k);
	}

	static boolean isLargeDiscard(WriteLog log, int i) {
		return isLargeDiscard(log.length(i), log.flags(i));
	}

	static boolean isLargeDiscard(long length, int flags) {
		return (flags & WriteLog.DISCARD) != 0 && length > LARGE_DISCARD_BYTES;
	}

	/** Entries of the large discards, ascending. */
	int[] largeDiscards() {
		return largeDiscards;
	}

	/** Number of large discards among the first {@code entryLimit} entries. */
	int largeDiscardsBefore(long entryLimit) {
		int lo = 0, hi = largeDiscards.length;
		while (lo < hi) {
			int m = (lo + hi) >>> 1;
			if (largeDiscards[m] < entryLimit) lo = m + 1;
			else hi = m;
		}
		return lo;
	}

	/** Builds the index in memory. */
	public static JournalIndex build(WriteLog log, Progress progress) {
		return new JournalIndex(log, HeapBlockVersionStore.build(log, progress));
	}

	public static JournalIndex build(WriteLog log) {
		return build(log, Progress.NONE);
	}

	/**
	 * Opens the index file if it matches the journal, else builds it and writes it there (whole or not at all). What
	 * a writer killed mid-way left beside it is removed.
	 */
	public static JournalIndex openOrBuild(WriteLog log, Path indexFile, Progress progress) throws IOException {
		if (Files.isRegularFile(indexFile)) {
			AtomicFile.removeStale(indexFile);
			try {
				return new JournalIndex(log, MappedBlockVersionStore.open(indexFile, log));
			} catch (EvidenceFormatException stale) {
				// another or a damaged index: rebuild below
			}
		}
		return writeAndOpen(HeapBlockVersionStore.build(log, progress), log, MappedBlockVersionStore.fingerprint(log), indexFile);
	}

	private static JournalIndex writeAndOpen(HeapBlockVersionStore heap, WriteLog log, int fingerprint, Path indexFile) throws IOException {
		MappedBlockVersionStore.write(heap, log, fingerprint, indexFile);
		return new JournalIndex(log, MappedBlockVersionStore.open(indexFile, log, fingerprint));
	}

	/**
	 * Opens the journal at {@code journal} (either format) and its index: a matching {@code indexFile} is reused;
	 * otherwise the index is built while the journal is read (one pass over the file, the indexing on the parsing
	 * thread while another reads ahead) and written to {@code indexFile} unless that is null (then it stays in
	 * memory). The journal is {@link #log()}; the caller closes both.
	 */
	public static JournalIndex readAndIndex(Path journal, Path indexFile, Progress progress) throws IOException {
		return readAndIndex(journal.toString(), indexFile, progress);
	}

	/** {@link #readAndIndex(Path, Path, Progress)} of a journal at a local path or a {@code webhdfs://} URL. */
	public static JournalIndex readAndIndex(String journal, Path indexFile, Progress progress) throws IOException {
		if (indexFile != null && Files.isRegularFile(indexFile)) {
			WriteLog log = JournalFormat.open(journal, progress, EntrySink.NONE);
			try {
				return openOrBuild(log, indexFile, progress);
			} catch (IOException | RuntimeException e) {
				log.close();
				throw e;
			}
		}
		BlockVersionsBuilder versions = new BlockVersionsBuilder();
		WriteLog log = JournalFormat.open(journal, progress, versions);
		try {
			if (indexFile == null) return new JournalIndex(log, versions.build(log));
			// the fingerprint needs only the entries: computed on another core while this one builds
			CompletableFuture<Integer> fingerprint = CompletableFuture.supplyAsync(() -> MappedBlockVersionStore.fingerprint(log));
			HeapBlockVersionStore heap = versions.build(log);
			return writeAndOpen(heap, log, fingerprint.join(), indexFile);
		} catch (IOException | RuntimeException e) {
			log.close();
			throw e;
		}
	}

	/** Writes the compact index file for this journal. */
	public void save(Path indexFile) throws IOException {
		MappedBlockVersionStore.write(store, log, indexFile);
	}

	public WriteLog log() {
		return log;
	}

	public BlockVersionStore store() {
		return store;
	}

	public int entryCount() {
		return log.entryCount();
	}

	/**
	 * The newest entry among the first {@code entryLimit} that wrote any byte of {@code [offset, offset+length)},
	 * or -1 if none did (the bytes are still the base image's).
	 */
	public int latestWrite(long offset, long length, long entryLimit) throws IOException {
		int bs = store.blockSize(), us = store.unitSize();
		int best = -1;
		long end = offset + length;
		for (long b = offset / bs; b * bs < end; b++) {
			BlockVersions vs = store.versions(b);
			if (vs == null) continue;
			long need = unitMask(b, bs, us, offset, end);
			int j = vs.findPrev(vs.countBefore(entryLimit), need);
			if (j >= 0) best = Math.max(best, vs.entry(j));
		}
		for (int k = largeDiscardsBefore(entryLimit) - 1; k >= 0 && largeDiscards[k] > best; k--) {
			int e = largeDiscards[k];
			if (log.diskOffset(e) < end && offset < log.diskOffset(e) + log.length(e)) return e;
		}
		return best;
	}

	/** Bytes {@code [offset, offset+length)} of the disk last written by journal entry {@code entry}, or by none ({@code -1}: the base image's). */
	public record WriteRun(long offset, long length, int entry) {
		public long end() {
			return offset + length;
		}
	}

	/**
	 * Which entry among the first {@code entryLimit} last wrote (or discarded) each byte of
	 * {@code [offset, offset+length)}, as runs in ascending offset that cover the range exactly; {@code entry} -1 where
	 * no entry did (the base image's bytes). Sector-exact: an index block written only in part splits into runs. This is
	 * what {@link DiskAtInstant#read} reads each byte from.
	 */
	public List<WriteRun> lastWrites(long offset, long length, long entryLimit) throws IOException {
		if (offset < 0 || length < 0 || offset + length < offset) throw new IllegalArgumentException("range " + offset + "+" + length);
		List<WriteRun> out = new ArrayList<>();
		if (length == 0) return out;
		int bs = store.blockSize(), us = store.unitSize();
		int units = bs / us;
		long end = offset + length;
		int nLarge = largeDiscardsBefore(entryLimit);
		int[] writer = new int[units];
		for (long b = offset / bs; b * bs < end; b++) {
			long bStart = b * bs;
			long need = unitMask(b, bs, us, Math.max(offset, bStart), Math.min(end, bStart + bs));
			BlockVersions vs = entryLimit <= 0 ? null : store.versions(b);
			if (vs == null && nLarge == 0) { // never written: the base image's, no unit to look at
				long cs = Math.max(offset, bStart), ce = Math.min(end, bStart + bs);
				WriteRun last = out.isEmpty() ? null : out.get(out.size() - 1);
				if (last != null && last.entry() == -1 && last.end() == cs) out.set(out.size() - 1, new WriteRun(last.offset(), ce - last.offset(), -1));
				else out.add(new WriteRun(cs, ce - cs, -1));
				continue;
			}
			java.util.Arrays.fill(writer, -1);
			if (vs != null) {
				long left = need;
				for (int j = vs.findPrev(vs.countBefore(entryLimit), left); j >= 0; j = left == 0 ? -1 : vs.findPrev(j, left)) {
					long m = vs.mask(j) & left;
					left &= ~m;
					int e = vs.entry(j);
					for (long k = m; k != 0; k &= k - 1) writer[Long.numberOfTrailingZeros(k)] = e;
				}
			}
			for (int k = nLarge - 1; k >= 0; k--) { // a newer large discard erased what older versions wrote
				int de = largeDiscards[k];
				long ds = log.diskOffset(de), dEnd = ds + log.length(de);
				if (dEnd <= bStart || ds >= bStart + bs) continue;
				long m = unitMask(b, bs, us, Math.max(bStart, ds), Math.min(bStart + bs, dEnd)) & need;
				for (long q = m; q != 0; q &= q - 1) {
					int u = Long.numberOfTrailingZeros(q);
					if (writer[u] < de) writer[u] = de;
				}
			}
			for (long q = need; q != 0; q &= q - 1) {
				int u = Long.numberOfTrailingZeros(q);
				long cs = Math.max(offset, bStart + (long) u * us), ce = Math.min(end, bStart + (long) (u + 1) * us);
				WriteRun last = out.isEmpty() ? null : out.get(out.size() - 1);
				if (last != null && last.entry() == writer[u] && last.end() == cs) out.set(out.size() - 1, new WriteRun(last.offset(), ce - last.offset(), writer[u]));
				else out.add(new WriteRun(cs, ce - cs, writer[u]));
			}
		}
		return out;
	}

	/** {@link #latestWrite} for 4 KiB disk block {@code block}. */
	public int latestWriteToBlock(long block, long entryLimit) throws IOException {
		return latestWrite(block * BlockChange.BLOCK_SIZE, BlockChange.BLOCK_SIZE, entryLimit);
	}

	/** Mask of the units of index block {@code b} that {@code [start, end)} touches. */
	static long unitMask(long b, int bs, int us, long start, long end) {
		long bStart = b * bs;
		int shift = Integer.numberOfTrailingZeros(us); // unit sizes are powers of two; a shift is far cheaper than a division
		int u0 = (int) ((Math.max(start, bStart) - bStart) >>> shift);
		int u1 = (int) ((Math.min(end, bStart + bs) - bStart + us - 1) >>> shift);
		return (u1 - u0 >= 64 ? -1L : ((1L << (u1 - u0)) - 1)) << u0;
	}

	/**
	 * The 4 KiB blocks that entries {@code [fromEntries, toEntries)} wrote or discarded, ascending, without content
	 * comparison (see {@link DiskChanges} for that). O(entries in the range + blocks log blocks). Large discards are
	 * not listed block by block: see {@link #largeDiscardsBetween}.
	 */
	public List<BlockChange> changedBlocks(int fromEntries, int toEntries) {
		if (fromEntries < 0 || toEntries > log.entryCount() || fromEntries > toEntries) {
			throw new IllegalArgumentException("entry range [" + fromEntries + ", " + toEntries + ") outside [0, " + log.entryCount() + "]");
		}
		int cap = 16, p = 0;
		long[] blocks = new long[cap];
		int[] entries = new int[cap];
		long max = 0;
		for (int i = fromEntries; i < toEntries; i++) {
			if (!log.changesDisk(i) || isLargeDiscard(log, i)) continue;
			long s = log.diskOffset(i), e = s + log.length(i);
			for (long b = s / BlockChange.BLOCK_SIZE; b * BlockChange.BLOCK_SIZE < e; b++) {
				if (p == blocks.length) {
					blocks = Arrays.copyOf(blocks, p * 2);
					entries = Arrays.copyOf(entries, p * 2);
				}
				blocks[p] = b;
				entries[p++] = i;
				max = Math.max(max, b);
			}
		}
		BlockMajorSort.sort(blocks, entries, null, p, max);
		List<BlockChange> out = new ArrayList<>();
		for (int k = 0; k < p;) {
			long b = blocks[k];
			int first = entries[k], last = first, n = 0;
			while (k < p && blocks[k] == b) {
				last = entries[k];
				n++;
				k++;
			}
			out.add(new BlockChange(b, n, first, last, null));
		}
		return out;
	}

	/** Entries {@code [fromEntries, toEntries)} that are large discards (kept as ranges, not blocks). */
	public List<Integer> largeDiscardsBetween(int fromEntries, int toEntries) {
		List<Integer> out = new ArrayList<>();
		for (int k = largeDiscardsBefore(fromEntries); k < largeDiscards.length && largeDiscards[k] < toEntries; k++) out.add(largeDiscards[k]);
		return out;
	}

	@Override
	public void close() throws IOException {
		store.close();
	}
}
