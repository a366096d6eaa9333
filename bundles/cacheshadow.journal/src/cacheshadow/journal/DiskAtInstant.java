package cacheshadow.journal;

import java.io.IOException;
import java.util.List;

import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;
import cacheshadow.layers.UnmappedAddressException;

/**
 * The disk as it stood after the first {@code entryCount} journal entries: the base image with those writes
 * applied, resolved per read and never materialized. For each sector of a read the newest version before the
 * instant comes from the journal ({@link JournalIndex}: binary search in the block's version list, then for
 * each still unresolved sector the newest older version that wrote it, found through {@link MaskSummary}, so at most
 * one step per sector); sectors no entry wrote come from the
 * base layer. Discarded sectors read as zeros (as replay-log's zeroing fallback writes them).
 *
 * <p>A {@link Layer}, so a file system reader on it sees the past without knowing. Reads are thread-safe.
 */
public final class DiskAtInstant implements Layer {
	private final Layer base;
	private final JournalIndex index;
	private final WriteLog log;
	private final int entryCount;
	private final String label;

	public DiskAtInstant(Layer base, JournalIndex index, int entryCount, String label) {
		if (entryCount < 0 || entryCount > index.entryCount()) {
			throw new IllegalArgumentException("instant " + entryCount + " outside [0, " + index.entryCount() + "] entries");
		}
		this.base = base;
		this.index = index;
		this.log = index.log();
		this.entryCount = entryCount;
		this.label = label == null ? "entry:" + entryCount : label;
	}

	public DiskAtInstant(Layer base, JournalIndex index, ResolvedInstant at) {
		this(base, index, at.entryCount(), at.spec().toString());
	}

	/** Number of journal entries applied. */
	public int entryCount() {
		return entryCount;
	}

	public Layer base() {
		return base;
	}

	public JournalIndex index() {
		return index;
	}

	@Override
	public String name() {
		return base.name() + " at " + label;
	}

	@Override
	public String source() {
		return base.name() + " + " + log.name();
	}

	@Override
	public long size() {
		return base.size();
	}

	@Override
	public List<Extent> extents() {
		return base.extents();
	}

	@Override
	public void read(long offset, byte[] buf, int off, int len) throws IOException {
		if (len < 0 || off < 0 || off + len > buf.length) throw new IndexOutOfBoundsException();
		if (offset < 0 || offset + len > size() || offset + len < offset) {
			throw new UnmappedAddressException(name(), offset < 0 || offset >= size() ? offset : size());
		}
		BlockVersionStore store = index.store();
		int bs = store.blockSize(), us = store.unitSize();
		long end = offset + len;
		long runStart = -1, runEnd = -1; // pending base range, read in one call
		int[] large = index.largeDiscards();
		int nLarge = index.largeDiscardsBefore(entryCount);
		int[] dEntry = nLarge == 0 ? null : new int[64];
		long[] dMask = nLarge == 0 ? null : new long[64];
		for (long pos = offset; pos < end;) {
			long b = pos / bs;
			long bStart = b * bs;
			long s = pos, e = Math.min(end, bStart + bs);
			long need = JournalIndex.unitMask(b, bs, us, s, e);
			// the newest large discard covering each needed unit (few: a scan)
			int nd = 0;
			long discarded = 0;
			for (int k = nLarge - 1; k >= 0 && discarded != need; k--) {
				int de = large[k];
				long ds = log.diskOffset(de), dEnd = ds + log.length(de);
				if (dEnd <= s || ds >= e) continue;
				long m = JournalIndex.unitMask(b, bs, us, Math.max(s, ds), Math.min(e, dEnd)) & need & ~discarded;
				if (m == 0) continue;
				dEntry[nd] = de;
				dMask[nd++] = m;
				discarded |= m;
			}
			BlockVersions vs = entryCount == 0 ? null : store.versions(b);
			if (vs != null) {
				for (int j = vs.findPrev(vs.countBefore(entryCount), need); j >= 0; j = need == 0 ? -1 : vs.findPrev(j, need)) {
					long m = vs.mask(j) & need;
					need &= ~m;
					int entry = vs.entry(j);
					long zero = 0; // units a newer large discard erased
					for (int k = 0; k < nd; k++) if (dEntry[k] > entry) zero |= dMask[k];
					fillZero(m & zero, b, bs, us, s, e, offset, buf, off);
					m &= ~zero;
					while (m != 0) { // each run of consecutive units this version supplies
						int ua = Long.numberOfTrailingZeros(m);
						int ub = ua + Long.numberOfTrailingZeros(~(m >>> ua));
						if (ub > 64) ub = 64;
						long cs = Math.max(s, bStart + (long) ua * us), ce = Math.min(e, bStart + (long) ub * us);
						long eo = log.diskOffset(entry);
						if (cs < eo || ce - eo > log.length(entry)) { // only a damaged index file says so
							throw new EvidenceFormatException(name(), "the block index says entry " + entry + " wrote byte " + cs + ", which it did not (damaged index)");
						}
						log.readData(entry, cs - eo, buf, off + (int) (cs - offset), (int) (ce - cs));
						m = ub >= 64 ? 0 : m & (-1L << ub);
					}
				}
			}
			fillZero(need & discarded, b, bs, us, s, e, offset, buf, off);
			need &= ~discarded;
			while (need != 0) { // units still the base image's
				int ua = Long.numberOfTrailingZeros(need);
				int ub = ua + Long.numberOfTrailingZeros(~(need >>> ua));
				if (ub > 64) ub = 64;
				long cs = Math.max(s, bStart + (long) ua * us), ce = Math.min(e, bStart + (long) ub * us);
				if (cs == runEnd) runEnd = ce;
				else {
					if (runStart >= 0) base.read(runStart, buf, off + (int) (runStart - offset), (int) (runEnd - runStart));
					runStart = cs;
					runEnd = ce;
				}
				need = ub >= 64 ? 0 : need & (-1L << ub);
			}
			pos = e;
		}
		if (runStart >= 0) base.read(runStart, buf, off + (int) (runStart - offset), (int) (runEnd - runStart));
	}

	/** Zeros the bytes of units {@code m} of block {@code b} that lie in {@code [s, e)}. */
	private static void fillZero(long m, long b, int bs, int us, long s, long e, long offset, byte[] buf, int off) {
		long bStart = b * bs;
		while (m != 0) {
			int ua = Long.numberOfTrailingZeros(m);
			int ub = ua + Long.numberOfTrailingZeros(~(m >>> ua));
			if (ub > 64) ub = 64;
			long cs = Math.max(s, bStart + (long) ua * us), ce = Math.min(e, bStart + (long) ub * us);
			java.util.Arrays.fill(buf, off + (int) (cs - offset), off + (int) (ce - offset), (byte) 0);
			m = ub >= 64 ? 0 : m & (-1L << ub);
		}
	}

	@Override
	public void close() {
		// The base layer and the index belong to the caller.
	}
}
