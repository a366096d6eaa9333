package cacheshadow.pagecache;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;
import cacheshadow.layers.UnmappedAddressException;

/**
 * A layer over a live one (a running guest's RAM, the disk image it writes) that keeps one instant: while the
 * guest is paused every 4 KiB page read is copied once and served from the copy; after {@link #freeze()} (called
 * before the guest resumes) only the copied pages can be read, and a page the paused walk never read is an
 * {@link IOException}, never bytes of a later instant. So whatever is built on this layer (caches, views, hashes,
 * bytes a FUSE read asks for later) sees the guest exactly as it stood while paused, however long after the resume
 * it is read. The live layer itself is only read (the RAM file is mapped read-only).
 */
public final class PausedCopyLayer implements Layer {
	private static final int PAGE = 4096;
	private final Layer live;
	private final ConcurrentHashMap<Long, byte[]> pages = new ConcurrentHashMap<>();
	private final AtomicLong copied = new AtomicLong();
	private volatile boolean frozen;

	public PausedCopyLayer(Layer live) {
		this.live = live;
	}

	/** No more reads of the live layer: from now on only the pages copied so far. */
	public void freeze() {
		frozen = true;
	}

	/** Bytes copied while paused. */
	public long copiedBytes() {
		return copied.get();
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
		return live.extents();
	}

	private byte[] page(long pn, long offset) throws IOException {
		byte[] p = pages.get(pn);
		if (p != null) return p;
		if (frozen) throw new IOException(live.source() + String.format(": page at 0x%x was not read while the guest was paused (refresh to see it)", offset));
		long start = pn * PAGE;
		long end = start + PAGE;
		for (Extent e : live.extents()) { // a page cut by the end of an extent: only its mapped part
			if (e.start() <= start && start < e.end()) {
				end = Math.min(end, e.end());
				break;
			}
			if (e.start() > start) throw new UnmappedAddressException(live.name(), offset);
		}
		byte[] b = new byte[(int) (end - start)];
		live.read(start, b, 0, b.length);
		byte[] prev = pages.putIfAbsent(pn, b);
		if (prev != null) return prev;
		copied.addAndGet(b.length);
		return b;
	}

	@Override
	public void read(long offset, byte[] buf, int off, int len) throws IOException {
		if (offset < 0 || len < 0) throw new UnmappedAddressException(name(), offset);
		while (len > 0) {
			long pn = offset / PAGE;
			int in = (int) (offset - pn * PAGE);
			byte[] p = page(pn, offset);
			if (in >= p.length) throw new UnmappedAddressException(live.name(), offset);
			int n = Math.min(len, p.length - in);
			System.arraycopy(p, in, buf, off, n);
			offset += n;
			off += n;
			len -= n;
		}
	}

	/** Closes the live layer below. */
	@Override
	public void close() throws IOException {
		pages.clear();
		live.close();
	}
}
