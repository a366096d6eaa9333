package cacheshadow.journal;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.Checksum;

import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.ReadableFile;

/**
 * A file in HDFS read in place: ranged WebHDFS OPENs through a cache of {@value #BLOCK}-byte blocks (the small reads
 * of a journal's entry headers and of single disk blocks), reads of a block or more fetched as one range and not
 * cached (entry data read whole, a search's sweep). The file is read as it was at opening: its length then is its
 * size, as a local journal's mapping is (a journal still being shipped grows; it is reopened to see more).
 */
public final class WebHdfsFile implements ReadableFile {
	static final int BLOCK = 4 << 10;
	/** Blocks kept: 64 MiB. */
	private static final int CACHED = 16384;

	private final WebHdfs remote;
	private final long size;
	private final Map<Long, byte[]> blocks = new LinkedHashMap<>(256, 0.75f, true) {
		private static final long serialVersionUID = 1L;

		@Override
		protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
			return size() > CACHED;
		}
	};

	private WebHdfsFile(WebHdfs remote, long size) {
		this.remote = remote;
		this.size = size;
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
	public String name() {
		return remote.url();
	}

	@Override
	public long size() {
		return size;
	}

	@Override
	public void read(long pos, byte[] buf, int off, int len) throws IOException {
		checkRange(pos, len);
		if (len >= BLOCK) {
			remote.read(pos, buf, off, len);
			return;
		}
		while (len > 0) {
			long b = pos / BLOCK;
			int within = (int) (pos - b * BLOCK);
			int n = Math.min(len, BLOCK - within);
			System.arraycopy(block(b), within, buf, off, n);
			pos += n;
			off += n;
			len -= n;
		}
	}

	private byte[] block(long b) throws IOException {
		synchronized (blocks) {
			byte[] got = blocks.get(b);
			if (got != null) return got;
		}
		long start = b * BLOCK;
		byte[] data = new byte[(int) Math.min(BLOCK, size - start)];
		remote.read(start, data, 0, data.length);
		synchronized (blocks) {
			blocks.put(b, data);
		}
		return data;
	}

	@Override
	public void update(Checksum c, long pos, long len) throws IOException {
		byte[] buf = new byte[(int) Math.min(len, 1 << 20)];
		while (len > 0) {
			int n = (int) Math.min(len, buf.length);
			read(pos, buf, 0, n);
			c.update(buf, 0, n);
			pos += n;
			len -= n;
		}
	}

	@Override
	public void close() {
		synchronized (blocks) {
			blocks.clear();
		}
	}
}
