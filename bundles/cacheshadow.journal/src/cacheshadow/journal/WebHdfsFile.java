package cacheshadow.journal;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.Checksum;

import cacheshadow.layers.BoundedFile;
import cacheshadow.layers.EvidenceFormatException;

/**
 * A file in HDFS read in place: ranged WebHDFS OPENs, the ranges fetched kept in a cache of at most
 * {@value #CACHED_BYTES} bytes (least recently used dropped first). A read that goes on in order (it starts at most
 * {@value #GAP} bytes past the end of the last range fetched) fetches twice as much as that range did, up to
 * {@value #MAX_RANGE} bytes: a walk of a journal's entry headers, the data of entries read one after another, a
 * search's sweep cost one request per 8 MiB once under way instead of one per header or read (a request costs as
 * much time as about 1 MiB of transfer here, so headers at most that far apart are cheaper read with the data
 * between them; headers further apart are fetched alone, and the file's bytes between them not at all). Any other read fetches the {@value #BLOCK}-byte blocks it touches only;
 * a read of {@value #MAX_RANGE} bytes or more goes straight into the caller's buffer. The file is read as it was at
 * opening: its length then is its size, as a local journal's mapping is (a journal still being shipped grows; it is
 * reopened to see more).
 */
public final class WebHdfsFile extends BoundedFile {
	static final int BLOCK = 4 << 10;
	static final int MAX_RANGE = 8 << 20;
	static final int GAP = 1 << 20;
	static final long CACHED_BYTES = 64L << 20;

	private final WebHdfs remote;
	/** Ranges fetched, by their first byte; they never overlap. Guarded by itself, as are the fields below. */
	private final TreeMap<Long, byte[]> ranges = new TreeMap<>();
	/** The same ranges' starts, least recently used first. */
	private final LinkedHashMap<Long, Boolean> used = new LinkedHashMap<>(64, 0.75f, true);
	private long cachedBytes;
	/** End and length of the last range fetched: whether the next read goes on in order, and how far to read ahead. */
	private long lastEnd = -1, lastLength;

	private WebHdfsFile(WebHdfs remote, long size) {
		super(remote.url(), size);
		this.remote = remote;
	}

	/** Opens {@code url} (GETFILESTATUS); a missing file is refused as a local one is. */
	public static WebHdfsFile open(String url) throws IOException {
		WebHdfs remote = WebHdfs.of(url);
		WebHdfs.Status s = remote.status();
		if (s == null) throw new EvidenceFormatException(url, "no such file");
		return new WebHdfsFile(remote, s.length());
	}

	public WebHdfs remote() {
		return remote;
	}

	@Override
	protected void readInside(long pos, byte[] buf, int off, int len) throws IOException {
		while (len > 0) {
			long start, end;
			int direct = 0;
			synchronized (ranges) {
				Map.Entry<Long, byte[]> r = ranges.floorEntry(pos);
				if (r != null && pos < r.getKey() + r.getValue().length) {
					used.get(r.getKey());
					int n = (int) Math.min(len, r.getKey() + r.getValue().length - pos);
					System.arraycopy(r.getValue(), (int) (pos - r.getKey()), buf, off, n);
					pos += n;
					off += n;
					len -= n;
					continue;
				}
				Long next = ranges.higherKey(pos);
				long stop = Math.min(size(), next == null ? Long.MAX_VALUE : next);
				if (len >= MAX_RANGE) {
					// a large read of its own, up to the next range kept: straight into the caller's buffer, not kept (one
					// read must not push the cache past its bound, nor round a range of 2 GiB up past an array's length)
					direct = (int) Math.min(len, stop - pos);
					start = pos;
					end = pos + direct;
				} else {
					boolean inOrder = lastEnd >= 0 && pos >= lastEnd && pos - lastEnd <= GAP;
					start = inOrder ? pos : Math.max(pos / BLOCK * BLOCK, r == null ? 0 : r.getKey() + r.getValue().length);
					long want = inOrder ? start + Math.min(2 * lastLength, MAX_RANGE) : (pos + len + BLOCK - 1) / BLOCK * BLOCK;
					end = Math.min(Math.max(want, pos + len), stop);
				}
				lastEnd = end;
				lastLength = end - start;
			}
			if (direct > 0) {
				remote.read(pos, buf, off, direct);
				pos += direct;
				off += direct;
				len -= direct;
				continue;
			}
			byte[] got = new byte[(int) (end - start)];
			remote.read(start, got, 0, got.length);
			keep(start, got);
			int n = (int) Math.min(len, end - pos);
			System.arraycopy(got, (int) (pos - start), buf, off, n);
			pos += n;
			off += n;
			len -= n;
		}
	}

	/** Adds a range fetched to the cache unless another thread's fetch covered part of it meanwhile. */
	private void keep(long start, byte[] got) {
		synchronized (ranges) {
			Map.Entry<Long, byte[]> before = ranges.floorEntry(start);
			Long next = ranges.higherKey(start);
			if (before != null && before.getKey() + before.getValue().length > start || next != null && next < start + got.length) return;
			ranges.put(start, got);
			used.put(start, Boolean.TRUE);
			cachedBytes += got.length;
			for (var it = used.keySet().iterator(); cachedBytes > CACHED_BYTES && it.hasNext();) {
				long eldest = it.next();
				if (eldest == start) continue;
				cachedBytes -= ranges.remove(eldest).length;
				it.remove();
			}
		}
	}

	@Override
	protected void updateInside(Checksum c, long pos, long len) throws IOException {
		byte[] buf = new byte[(int) Math.min(len, 1 << 20)];
		while (len > 0) {
			int n = (int) Math.min(len, buf.length);
			readInside(pos, buf, 0, n);
			c.update(buf, 0, n);
			pos += n;
			len -= n;
		}
	}

	@Override
	public void close() {
		synchronized (ranges) {
			ranges.clear();
			used.clear();
			cachedBytes = 0;
		}
	}
}
