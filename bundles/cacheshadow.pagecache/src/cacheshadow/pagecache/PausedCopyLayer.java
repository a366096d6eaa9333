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
 * while the guest was paused, or because {@link #changedPages()}, run while it is paused, found each of them equal
 * to the live page (a walk done while the guest ran is then exactly the walk the paused guest would have given: it
 * read the same pages with the same bytes, so it took the same steps). After {@link #freeze()} (called before the
 * guest resumes) only the copied pages can be read, and a page never copied is an {@link IOException}, never bytes
 * of a later instant. The live layer itself is only read (the RAM file is mapped read-only).
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
	 * {@code fast}: how to tell a page unchanged since then without copying it (null: copy and compare).
	 */
	public PausedCopyLayer(Layer live, PausedCopyLayer previous, Comparison fast) {
		this.live = live;
		this.previous = previous;
		this.fast = fast;
		this.extents = live.extents();
	}

	private final Comparison fast;

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
		private final long[] read = new long[PAGE / 64]; // a bit per byte

		Page(byte[] data) {
			this.data = data;
		}

		synchronized void mark(int from, int to) {
			for (int w = from >>> 6; w <= (to - 1) >>> 6; w++) {
				int lo = Math.max(from, w << 6) & 63, hi = Math.min(to, (w + 1) << 6) - (w << 6); // [lo, hi) within word w
				read[w] |= (hi == 64 ? -1L : (1L << hi) - 1) & (-1L << lo);
			}
		}

		/** Whether a byte read here differs in {@code now}. */
		synchronized boolean readDiffers(byte[] now) {
			for (int w = 0; w < read.length; w++) {
				long m = read[w];
				while (m != 0) {
					int b = (w << 6) + Long.numberOfTrailingZeros(m);
					if (b < data.length && data[b] != now[b]) return true;
					m &= m - 1;
				}
			}
			return false;
		}
	}

	/**
	 * How the check compares a copied page with the live bytes at the same offset: true when all are equal. A faster
	 * way than a read of the live layer (e.g. straight against the mapped RAM file, no copy).
	 */
	public interface Comparison {
		boolean equal(long offset, byte[] copy) throws IOException;
	}

	/**
	 * The pages copied so far in which a byte read differs from the live layer's now (page numbers: offset / 4096);
	 * with {@code anyByte}, every page in which any byte differs. Run while the guest is paused: none means whatever
	 * was built on this layer is as it would have been built on the paused instant. {@code fast} compares a whole
	 * page first (null: a read of the live layer); only pages it finds different are looked at byte by byte. On all
	 * cores: this is what the guest waits for.
	 */
	public List<Long> changedPages(boolean anyByte, Comparison fast) throws IOException {
		java.util.Queue<Long> changed = new java.util.concurrent.ConcurrentLinkedQueue<>();
		ThreadLocal<byte[]> scratch = ThreadLocal.withInitial(() -> new byte[PAGE]);
		try {
			pages.forEach(256, (pn, page) -> {
				try {
					byte[] c = page.data;
					if (fast != null && fast.equal(pn * PAGE, c)) return;
					byte[] now = scratch.get();
					live.read(pn * PAGE, now, 0, c.length);
					if (!Arrays.equals(c, 0, c.length, now, 0, c.length) && (anyByte || page.readDiffers(now))) changed.add(pn);
				} catch (IOException e) {
					throw new java.io.UncheckedIOException(e);
				}
			});
		} catch (java.io.UncheckedIOException e) {
			throw e.getCause();
		}
		return new ArrayList<>(changed);
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
		if (before != null && before.data.length == end - start && fast != null && fast.equal(start, before.data)) {
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
