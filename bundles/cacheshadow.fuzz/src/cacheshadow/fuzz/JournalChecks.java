package cacheshadow.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import cacheshadow.journal.BlockChange;
import cacheshadow.journal.DiskAtInstant;
import cacheshadow.journal.JournalIndex;
import cacheshadow.journal.JournalLandmarks;
import cacheshadow.journal.NaiveReplay;
import cacheshadow.journal.WriteLog;
import cacheshadow.layers.Layer;
import cacheshadow.layers.RawFileLayer;

/**
 * What the journal targets ask of a parsed write journal, with oracles: every entry's fields and the edges of its
 * data, the landmarks, the block-version index (built in memory, and through an index file) whose answers must agree
 * with each other, and the disk at a few instants read through the index, which must equal a naive entry-by-entry
 * replay onto the same base. Any disagreement is thrown as an {@link IllegalStateException}: a finding.
 */
final class JournalChecks {
	/** The disk the instants are compared on: a patterned base (so "the base's byte" differs from a zero). */
	static final int DISK = 256 << 10;
	private static final byte[] BASE = new byte[DISK];
	private static final Layer BASE_LAYER;
	/** Unit of the comparisons between instants: a page of the disk that an entry reaches is compared whole. */
	private static final int PAGE = 4096;
	/**
	 * The naive replay and the disk read through the index, reused by every input (no 256 KiB garbage per instant).
	 * {@code NAIVE} equals the base except in the pages {@code DIRTY} marks (those the last replay reached).
	 */
	private static final byte[] NAIVE = new byte[DISK], GOT = new byte[DISK];
	private static final boolean[] DIRTY = new boolean[DISK / PAGE];
	/** Entries whose index answers are checked one by one (the rest are still indexed). */
	private static final int CHECKED = 64;

	static {
		for (int i = 0; i < DISK; i++) BASE[i] = (byte) (i * 31 + 7);
		System.arraycopy(BASE, 0, NAIVE, 0, DISK);
		try {
			Path f = Files.createTempFile(InputFile.dir(), "journal-base", ".img");
			f.toFile().deleteOnExit();
			Files.write(f, BASE);
			BASE_LAYER = new RawFileLayer(f, "fuzz base");
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private JournalChecks() {
	}

	/** The patterned base disk the instants are read over. */
	static Layer baseLayer() {
		return BASE_LAYER;
	}

	/** Reads every entry's fields and the first and last bytes of its data. */
	static void walk(WriteLog log) throws IOException {
		log.name();
		log.damage().ifPresent(d -> d.message());
		log.validBytes();
		byte[] b = new byte[4096];
		for (int i = 0; i < log.entryCount(); i++) {
			long len = log.length(i);
			WriteLog.flagNames(log.flags(i));
			log.mark(i);
			log.epochNanos(i);
			log.timeQuality(i);
			log.diskOffset(i);
			if (log.changesDisk(i) && len > 0) {
				int n = (int) Math.min(b.length, len);
				log.readData(i, 0, b, 0, n);
				log.readData(i, len - n, b, 0, n);
			}
		}
		JournalLandmarks l = JournalLandmarks.of(log);
		for (int k = 1; k <= l.flushCount(); k++) {
			if (l.flushesBefore(l.flushEntry(k) + 1) != k) throw new IllegalStateException("flush " + k + " is not the " + k + "th flush");
		}
		l.marks().keySet().forEach(l::firstMark);
	}

	/** Builds the index in memory and checks it against a naive replay; returns it (the caller closes it). */
	static JournalIndex indexAndReplay(WriteLog log) throws IOException {
		JournalIndex idx = JournalIndex.build(log);
		int n = log.entryCount();
		idx.changedBlocks(0, n);
		idx.changedBlocks(n / 2, n);
		idx.largeDiscardsBetween(0, n);
		for (int i = 0; i < Math.min(n, CHECKED); i++) {
			long off = log.diskOffset(i), len = Math.min(log.length(i), 1 << 20);
			if (off > Long.MAX_VALUE - len) continue;
			idx.latestWrite(off, Math.max(len, 1), n);
			List<JournalIndex.WriteRun> runs = idx.lastWrites(off, len, i + 1);
			long at = off;
			for (JournalIndex.WriteRun r : runs) {
				if (r.offset() != at || r.length() <= 0 || r.entry() > i) throw new IllegalStateException("write runs of entry " + i + " do not tile its range: " + runs);
				at = r.end();
			}
			if (at != off + len) throw new IllegalStateException("write runs of entry " + i + " end at " + at + ", not " + (off + len));
		}
		// The instants in order, so the naive replay goes on from the last one (entries apply in order: the same bytes
		// as a replay from the base each time). Between instants only the pages an entry reaches can differ from the
		// base: those are compared at every instant, the whole disk after the last entry (a stray byte anywhere).
		for (int p = 0; p < DIRTY.length; p++) {
			if (DIRTY[p]) System.arraycopy(BASE, p * PAGE, NAIVE, p * PAGE, PAGE);
			DIRTY[p] = false;
		}
		for (int i = 0; i < n; i++) {
			if (!log.changesDisk(i)) continue;
			long off = log.diskOffset(i), end = off + log.length(i);
			if (off >= DISK) continue;
			if (off < 0 || end < off) end = DISK; // nothing a journal should hold: every page is compared
			for (long p = Math.max(off, 0) / PAGE; p < DIRTY.length && p * PAGE < end; p++) DIRTY[(int) p] = true;
		}
		int checked = -1;
		for (int at : new int[] { 0, n / 3, n / 2, n - 1, n }) {
			if (at <= checked) continue; // an instant already compared (a short journal)
			NaiveReplay.replay(log, Math.max(checked, 0), at, NAIVE);
			checked = at;
			DiskAtInstant disk = new DiskAtInstant(baseLayer(), idx, at, null);
			if (at == n) {
				disk.read(0, GOT, 0, DISK);
				int m = Arrays.mismatch(NAIVE, GOT);
				if (m >= 0) throw new IllegalStateException("disk after " + at + " entries differs from a naive replay at byte " + m);
				continue;
			}
			for (int p = 0; p < DIRTY.length; p++) {
				if (!DIRTY[p]) continue;
				disk.read(p * PAGE, GOT, p * PAGE, PAGE);
				int m = Arrays.mismatch(NAIVE, p * PAGE, p * PAGE + PAGE, GOT, p * PAGE, p * PAGE + PAGE);
				if (m >= 0) throw new IllegalStateException("disk after " + at + " entries differs from a naive replay at byte " + (p * PAGE + m));
			}
		}
		return idx;
	}

	/** The same answers from two indexes of one journal (in memory, and through a file or the reading sink). */
	static void sameAnswers(WriteLog log, JournalIndex a, JournalIndex b) throws IOException {
		int n = log.entryCount();
		if (a.entryCount() != b.entryCount()) throw new IllegalStateException("indexes of " + a.entryCount() + " and " + b.entryCount() + " entries");
		if (!a.changedBlocks(0, n).equals(b.changedBlocks(0, n))) throw new IllegalStateException("indexes disagree on the changed blocks");
		for (int i = 0; i < Math.min(n, CHECKED); i++) {
			long off = log.diskOffset(i), len = Math.min(Math.max(log.length(i), 1), 1 << 20);
			if (off > Long.MAX_VALUE - len) continue;
			for (long limit : new long[] { i, i + 1, n }) {
				if (a.latestWrite(off, len, limit) != b.latestWrite(off, len, limit)) {
					throw new IllegalStateException("indexes disagree on the latest write to " + off + "+" + len + " before entry " + limit);
				}
				if (!a.lastWrites(off, len, limit).equals(b.lastWrites(off, len, limit))) {
					throw new IllegalStateException("indexes disagree on the last writes to " + off + "+" + len + " before entry " + limit);
				}
			}
		}
		List<BlockChange> none = a.changedBlocks(n, n);
		if (!none.isEmpty()) throw new IllegalStateException("changes in an empty entry range: " + none);
	}

	/** Entries of {@code b} equal those of {@code a}: offsets, lengths, flags, marks and the last bytes of their data. */
	static void sameEntries(WriteLog a, WriteLog b, String what) throws IOException {
		if (a.entryCount() != b.entryCount()) throw new IllegalStateException(what + ": " + a.entryCount() + " entries became " + b.entryCount());
		samePrefix(a, b, a.entryCount(), what);
	}

	/** The first {@code n} entries of {@code a} and {@code b} are equal (as {@link #sameEntries}). */
	static void samePrefix(WriteLog a, WriteLog b, int n, String what) throws IOException {
		byte[] x = new byte[4096], y = new byte[4096];
		for (int i = 0; i < n; i++) {
			if (a.diskOffset(i) != b.diskOffset(i) || a.length(i) != b.length(i) || a.flags(i) != b.flags(i) || !Objects.equals(a.mark(i), b.mark(i))) {
				throw new IllegalStateException(what + ": entry " + i + " differs (" + a.diskOffset(i) + "+" + a.length(i) + " flags " + a.flags(i)
						+ " mark " + a.mark(i) + " became " + b.diskOffset(i) + "+" + b.length(i) + " flags " + b.flags(i) + " mark " + b.mark(i) + ")");
			}
			if (a.changesDisk(i)) {
				int k = (int) Math.min(x.length, a.length(i));
				a.readData(i, a.length(i) - k, x, 0, k);
				b.readData(i, b.length(i) - k, y, 0, k);
				if (!Arrays.equals(x, 0, k, y, 0, k)) throw new IllegalStateException(what + ": data of entry " + i + " differs");
			}
		}
	}

	/** A fresh path in the input directory (a previous file of that name is unlinked, never rewritten while mapped). */
	static Path fresh(String name) throws IOException {
		Path p = InputFile.dir().resolve(name);
		Files.deleteIfExists(p);
		return p;
	}
}
