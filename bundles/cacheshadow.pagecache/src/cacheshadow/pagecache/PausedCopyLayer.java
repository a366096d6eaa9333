package cacheshadow.pagecache;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;
import cacheshadow.layers.UnmappedAddressException;

/**
 * A layer over a live one (a running guest's RAM, the disk image it writes) that keeps one instant, the guest's
 * pause: every 4 KiB page read is copied once and served from the copy from then on, so whatever is built on this
 * layer is a function of the copied pages alone. The copies are of the paused instant either because they were read
 * while the guest was paused, or because {@link #changedPages}, run while it is paused, found each of them equal
 * to the live page (a walk done while the guest ran is then exactly the walk the paused guest would have given: it
 * read the same bytes, so it took the same steps). After {@link #freeze()} (called before the guest resumes) only
 * the copied pages can be read, and a page never copied is an {@link IOException}, never bytes of a later instant.
 * The live layer itself is only read (the RAM file is mapped read-only).
 *
 * <p>What the check compares ({@link #check()}): the bytes read, not the pages. A page read whole (every page of a
 * cached file and of the block-device cache is, to be served later) is compared whole: those bytes are what the
 * views serve, so each must be the paused instant's. Nothing cheaper tells that a page's bytes did not change: the
 * guest rewrites a dirty page (write(2) into a page already dirty, a store through a shared mapping) without touching
 * its struct page, its XArray slot, its inode's size, or (within one tick of the coarse clock) its times, so a re-check
 * of the metadata could pass over changed bytes, and a comparison or hash outside the pause says nothing about the
 * instant of the pause (a page may change and change back). Any other page (slab objects, XArray nodes, struct pages,
 * page tables) is compared only at its 64-byte lines read, masked to the bytes read: a byte beside a field the walk
 * read may change without making the walk stale, and the pause reads those lines, not the pages.
 *
 * <p>Given the layer of the refresh before ({@code previous}), a page whose bytes are what that refresh copied at the
 * same place shares its copy: {@link #sameAs} then tells, without reading the bytes again, that they are unchanged.
 */
public final class PausedCopyLayer implements Layer {
	private static final int PAGE = 4096;
	private final Layer live;
	private volatile PausedCopyLayer previous;
	private final ConcurrentHashMap<Long, Page> pages = new ConcurrentHashMap<>();
	private final AtomicLong copied = new AtomicLong();
	private volatile boolean frozen;

	public PausedCopyLayer(Layer live) {
		this(live, null, null);
	}

	/**
	 * {@code previous}: the same live layer's copy at the refresh before (its pages are only read), or null;
	 * {@code fast}: the live bytes in place, to tell a page unchanged since then without copying it (null: copy and compare).
	 */
	public PausedCopyLayer(Layer live, PausedCopyLayer previous, InPlace fast) {
		this.live = live;
		this.previous = previous;
		this.fast = fast;
		this.extents = live.extents();
	}

	private final InPlace fast;

	private final List<Extent> extents; // fixed for a RAM file or a disk image, asked at each page's copy

	/** No more reads of the live layer: from now on only the pages copied so far. */
	public void freeze() {
		frozen = true;
		previous = null; // no chain of refreshes kept alive through their layers
	}

	/** Bytes copied so far. */
	public long copiedBytes() {
		return copied.get();
	}

	/** Pages copied so far. */
	public int pageCount() {
		return pages.size();
	}

	/**
	 * One copied page and which of its bytes were read: what was built on this layer depends on those bytes only,
	 * so a byte never read may change (a counter beside a field the walk read) without making the build stale.
	 */
	private static final class Page {
		final byte[] data;
		private long[] read; // a bit per byte read; null while none are, or all (a cached file's page, read at once)
		private boolean whole;

		Page(byte[] data) {
			this.data = data;
		}

		synchronized void mark(int from, int to) {
			if (whole) return;
			if (read == null) {
				if (from == 0 && to == data.length) {
					whole = true;
					return;
				}
				read = new long[(data.length + 63) >>> 6];
			}
			for (int w = from >>> 6; w <= (to - 1) >>> 6; w++) {
				int lo = Math.max(from, w << 6) & 63, hi = Math.min(to, (w + 1) << 6) - (w << 6); // [lo, hi) within word w
				read[w] |= (hi == 64 ? -1L : (1L << hi) - 1) & (-1L << lo);
			}
		}

		/** Null when every byte was read at once; else a copy of the bits of the bytes read. */
		synchronized long[] read() {
			return whole ? null : read == null ? new long[0] : read.clone();
		}
	}

	/**
	 * The live bytes in place, for the check to compare without copying them: a read-only view of {@code length}
	 * bytes of the live layer from {@code offset} (position 0, any byte order), or null when there is none (then the
	 * live layer is read).
	 */
	public interface InPlace {
		java.nio.ByteBuffer bytes(long offset, int length);
	}

	/**
	 * The pages copied so far in which a byte read differs from the live layer's now (page numbers: offset / 4096);
	 * with {@code anyByte}, every page in which any byte differs. Run while the guest is paused: none means whatever
	 * was built on this layer is as it would have been built on the paused instant. As {@link #check()} then
	 * {@link Check#changed}; a refresh builds the check before it pauses the guest.
	 */
	public List<Long> changedPages(boolean anyByte, InPlace inPlace) throws IOException {
		return check().changed(anyByte, inPlace);
	}

	/**
	 * What the pause compares, laid out while the guest runs (nothing may read this layer between this and the
	 * check): the pages copied so far in address order, and for each the 64-byte lines of it the build read with a
	 * bit per byte read. A page read whole (a cached file's page) is compared whole; any other only at its lines
	 * read, masked to the bytes read, so a byte no one read (a counter beside a field) may change, and memory
	 * traffic is the lines read, not whole pages.
	 */
	public Check check() {
		List<Map.Entry<Long, Page>> all = new ArrayList<>(pages.entrySet());
		all.sort(Map.Entry.comparingByKey());
		int n = all.size();
		long[] offsets = new long[n];
		byte[][] data = new byte[n][];
		int[] linesFrom = new int[n + 1];
		boolean[] whole = new boolean[n];
		byte[] lineNo = new byte[n * 8];
		long[] lineMask = new long[n * 8];
		int lines = 0;
		long bytes = 0;
		for (int i = 0; i < n; i++) {
			Page p = all.get(i).getValue();
			offsets[i] = all.get(i).getKey() * PAGE;
			data[i] = p.data;
			linesFrom[i] = lines;
			long[] read = p.read();
			boolean readWhole = read == null;
			int count = 0;
			if (read == null) read = new long[0];
			else {
				readWhole = read.length > 0;
				for (int w = 0; w < read.length; w++) {
					int len = Math.min(64, p.data.length - (w << 6));
					if (read[w] != (len == 64 ? -1L : (1L << len) - 1)) readWhole = false;
					if (read[w] != 0) count++;
				}
			}
			if (readWhole) {
				whole[i] = true;
				bytes += p.data.length;
				continue;
			}
			if (lines + count > lineNo.length) {
				lineNo = Arrays.copyOf(lineNo, Math.max(lines + count, lineNo.length * 2));
				lineMask = Arrays.copyOf(lineMask, lineNo.length);
			}
			for (int w = 0; w < read.length; w++) {
				if (read[w] == 0) continue;
				lineNo[lines] = (byte) w;
				lineMask[lines++] = read[w];
				bytes += 64;
			}
		}
		linesFrom[n] = lines;
		return new Check(offsets, data, whole, linesFrom, lineNo, lineMask, bytes);
	}

	/** The pages to compare in a pause and the bytes read of each ({@link #check()}). */
	public final class Check {
		private static final int CHUNKS = 64; // parts for the cores to take, in address order
		private final long[] offsets;
		private final byte[][] data;
		private final boolean[] whole; // read whole: compared whole
		private final int[] linesFrom; // per page its first line read
		private final byte[] lineNo;
		private final long[] lineMask;
		private final long bytes;

		private Check(long[] offsets, byte[][] data, boolean[] whole, int[] linesFrom, byte[] lineNo, long[] lineMask, long bytes) {
			this.offsets = offsets;
			this.data = data;
			this.whole = whole;
			this.linesFrom = linesFrom;
			this.lineNo = lineNo;
			this.lineMask = lineMask;
			this.bytes = bytes;
		}

		/** Pages compared. */
		public int pages() {
			return offsets.length;
		}

		/** Bytes of live memory a check reads: whole pages read whole, 64-byte lines of the others. */
		public long bytes() {
			return bytes;
		}

		/**
		 * As {@link PausedCopyLayer#changedPages}: the pages in which a byte read (with {@code anyByte}: any byte)
		 * differs from the live layer now; compared in place through {@code inPlace} where it gives a view, on all
		 * cores.
		 */
		public List<Long> changed(boolean anyByte, InPlace inPlace) throws IOException {
			int n = offsets.length, parts = Math.min(CHUNKS, Math.max(1, n / 64));
			java.util.Queue<Long> changed = new java.util.concurrent.ConcurrentLinkedQueue<>();
			try {
				java.util.stream.IntStream.range(0, parts).parallel().forEach(part -> {
					byte[] scratch = null;
					for (int i = (int) ((long) n * part / parts), to = (int) ((long) n * (part + 1) / parts); i < to; i++) {
						byte[] c = data[i];
						java.nio.ByteBuffer live = inPlace == null ? null : inPlace.bytes(offsets[i], c.length);
						try {
							if (live == null) {
								if (scratch == null) scratch = new byte[PAGE];
								PausedCopyLayer.this.live.read(offsets[i], scratch, 0, c.length);
								live = java.nio.ByteBuffer.wrap(scratch, 0, c.length).slice();
							}
						} catch (IOException e) {
							throw new java.io.UncheckedIOException(e);
						}
						if (anyByte || whole[i] ? live.mismatch(java.nio.ByteBuffer.wrap(c)) >= 0 : linesDiffer(i, c, live)) changed.add(offsets[i] / PAGE);
					}
				});
			} catch (java.io.UncheckedIOException e) {
				throw e.getCause();
			}
			return new ArrayList<>(changed);
		}

		/** Whether a byte read of page {@code i} differs: each line read, 8 bytes at a time, masked to the bytes read. */
		private boolean linesDiffer(int i, byte[] c, java.nio.ByteBuffer live) {
			live.order(java.nio.ByteOrder.LITTLE_ENDIAN);
			for (int l = linesFrom[i], end = linesFrom[i + 1]; l < end; l++) {
				int at = lineNo[l] << 6;
				long mask = lineMask[l];
				for (int k = 0; k < 64 && at + k < c.length; k += 8, mask >>>= 8) {
					int m = (int) mask & 0xff;
					if (m == 0) continue;
					long diff;
					if (at + k + 8 <= c.length) diff = live.getLong(at + k) ^ (long) LONG.get(c, at + k);
					else { // the last bytes of a page cut by the end of an extent
						diff = 0;
						for (int j = 0; at + k + j < c.length; j++) diff |= (long) ((live.get(at + k + j) ^ c[at + k + j]) & 0xff) << (8 * j);
					}
					if ((diff & BYTE_MASK[m]) != 0) return true;
				}
			}
			return false;
		}
	}

	private static final java.lang.invoke.VarHandle LONG = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

	/** Eight bits, one per byte, as a mask of those bytes in a little-endian long. */
	private static final long[] BYTE_MASK = new long[256];
	static {
		for (int m = 0; m < 256; m++) for (int b = 0; b < 8; b++) if ((m & 1 << b) != 0) BYTE_MASK[m] |= 0xffL << (8 * b);
	}

	/** Forgets the copies of these pages: the next read copies them again from the live layer. Not after {@link #freeze()}. */
	public void forget(List<Long> pageNumbers) {
		if (frozen) throw new IllegalStateException("frozen");
		for (Long pn : pageNumbers) {
			Page p = pages.remove(pn);
			if (p != null) copied.addAndGet(-p.data.length);
		}
	}

	/**
	 * Takes every copy of {@code before} (the same live layer at an earlier refresh) as this instant's too: for a disk
	 * image nothing wrote to since, as QEMU's write counts tell. Pages copied here already stay.
	 */
	public void inherit(PausedCopyLayer before) {
		if (frozen) throw new IllegalStateException("frozen");
		for (Map.Entry<Long, Page> e : before.pages.entrySet()) pages.putIfAbsent(e.getKey(), new Page(e.getValue().data));
	}

	/**
	 * Whether the page holding {@code offset} was copied here and at the refresh this layer was given as previous
	 * with the same bytes (both copies then are one array).
	 */
	public boolean sameAs(PausedCopyLayer before, long offset) {
		Page p = pages.get(offset / PAGE);
		Page b = before == null ? null : before.pages.get(offset / PAGE);
		return p != null && b != null && p.data == b.data;
	}

	private Page page(long pn, long offset) throws IOException {
		Page p = pages.get(pn);
		if (p != null) return p;
		if (frozen) throw new IOException(live.source() + String.format(": page at 0x%x was not read while the guest was paused (refresh to see it)", offset));
		long start = pn * PAGE;
		long end = start + PAGE;
		for (Extent e : extents) { // a page cut by the end of an extent: only its mapped part
			if (e.start() <= start && start < e.end()) {
				end = Math.min(end, e.end());
				break;
			}
			if (e.start() > start) throw new UnmappedAddressException(live.name(), offset);
		}
		PausedCopyLayer was = previous;
		Page before = was == null ? null : was.pages.get(pn);
		byte[] b;
		java.nio.ByteBuffer now = before == null || before.data.length != end - start || fast == null ? null : fast.bytes(start, before.data.length);
		if (now != null && now.mismatch(java.nio.ByteBuffer.wrap(before.data)) < 0) {
			b = before.data; // unchanged since the refresh before: one copy for both
		} else {
			b = new byte[(int) (end - start)];
			live.read(start, b, 0, b.length);
			if (before != null && Arrays.equals(before.data, b)) b = before.data;
		}
		Page n = new Page(b);
		Page prev = pages.putIfAbsent(pn, n);
		if (prev != null) return prev;
		copied.addAndGet(b.length);
		return n;
	}

	@Override
	public String name() {
		return live.name() + " (as paused)";
	}

	@Override
	public String source() {
		return live.source();
	}

	@Override
	public long size() {
		return live.size();
	}

	@Override
	public List<Extent> extents() {
		return extents;
	}

	@Override
	public void read(long offset, byte[] buf, int off, int len) throws IOException {
		if (offset < 0 || len < 0) throw new UnmappedAddressException(name(), offset);
		while (len > 0) {
			long pn = offset / PAGE;
			int in = (int) (offset - pn * PAGE);
			Page page = page(pn, offset);
			byte[] p = page.data;
			if (in >= p.length) throw new UnmappedAddressException(live.name(), offset);
			int n = Math.min(len, p.length - in);
			if (!frozen) page.mark(in, in + n);
			System.arraycopy(p, in, buf, off, n);
			offset += n;
			off += n;
			len -= n;
		}
	}

	/** Closes the live layer below; the copies stay for a next refresh's {@link #sameAs} and sharing. */
	@Override
	public void close() throws IOException {
		live.close();
	}
}
