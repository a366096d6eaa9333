package cacheshadow.layers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * makedumpfile's flattened format (its {@code -F} output, and what QEMU's {@code dump-guest-memory} writes for the
 * kdump formats): a 4 KiB header {@code "makedumpfile"}, then records {@code {s64 offset, s64 size} (big-endian)} each
 * followed by {@code size} bytes that belong at {@code offset} of the dump, ended by an offset of -1. Read here in place
 * as the dump {@code makedumpfile -R} would reassemble: bytes no record writes read as zeros (a reassembled file's
 * holes).
 */
final class FlattenedDump {
	static final byte[] SIGNATURE = "makedumpfile\0\0\0\0".getBytes(StandardCharsets.US_ASCII);
	private static final int MAX_RECORDS = 1 << 24;

	private final MappedFile file;
	private final long[] offsets, sizes, positions;
	private final long size;

	private FlattenedDump(MappedFile file, long[] offsets, long[] sizes, long[] positions) {
		this.file = file;
		this.offsets = offsets;
		this.sizes = sizes;
		this.positions = positions;
		this.size = offsets.length == 0 ? 0 : offsets[offsets.length - 1] + sizes[sizes.length - 1];
	}

	static boolean isFlattened(byte[] h, int n) {
		return n >= 16 && Arrays.equals(h, 0, 16, SIGNATURE, 0, 16);
	}

	/** Indexes the records of a flattened file; overlapping records (which a reassembly would resolve by order) are refused. */
	static FlattenedDump index(MappedFile f) throws IOException {
		if (f.size() < 4096 + 16) throw new TruncatedEvidenceException(f.path(), "flattened dump of " + f.size() + " bytes");
		List<long[]> recs = new ArrayList<>();
		byte[] h = new byte[16];
		long p = 4096;
		boolean ended = false;
		while (p + 16 <= f.size()) {
			f.read(p, h, 0, 16);
			long off = BigEndian.u64(h, 0), len = BigEndian.u64(h, 8);
			if (off == -1) {
				ended = true;
				break;
			}
			if (off < 0 || len < 0 || len > f.size() - p - 16 || off + len < off) {
				if (len > f.size() - p - 16 && off >= 0 && len >= 0) {
					throw new TruncatedEvidenceException(f.path(), String.format("flattened dump record at file offset %d needs %d bytes, the file has %d", p, len, f.size() - p - 16));
				}
				throw new EvidenceFormatException(f.path(), String.format("flattened dump record at file offset %d has offset %d and size %d", p, off, len));
			}
			if (recs.size() >= MAX_RECORDS) throw new EvidenceFormatException(f.path(), "more than " + MAX_RECORDS + " flattened dump records");
			if (len > 0) recs.add(new long[] { off, len, p + 16 });
			p += 16 + len;
		}
		if (!ended) throw new TruncatedEvidenceException(f.path(), "flattened dump without its end record (cut short at " + p + " of " + f.size() + " bytes)");
		recs.sort((a, b) -> Long.compare(a[0], b[0]));
		int n = recs.size();
		long[] o = new long[n], s = new long[n], q = new long[n];
		for (int i = 0; i < n; i++) {
			long[] r = recs.get(i);
			if (i > 0 && r[0] < o[i - 1] + s[i - 1]) {
				throw new EvidenceFormatException(f.path(), String.format("flattened dump records overlap at dump offset %d", r[0]));
			}
			o[i] = r[0];
			s[i] = r[1];
			q[i] = r[2];
		}
		return new FlattenedDump(f, o, s, q);
	}

	/** The reassembled dump's size: the end of its last record. */
	long size() {
		return size;
	}

	/** Reads the reassembled dump's bytes {@code [pos, pos+len)}, which must lie inside it. */
	void read(long pos, byte[] buf, int off, int len) throws IOException {
		if (pos < 0 || pos + len > size || pos + len < pos) {
			throw new EvidenceFormatException(file.path(), String.format("read of %d bytes at 0x%x past the end of the dump (%d bytes)", len, pos, size));
		}
		int i = Arrays.binarySearch(offsets, pos);
		if (i < 0) i = -i - 2;
		while (len > 0) {
			if (i >= 0 && pos < offsets[i] + sizes[i]) {
				int n = (int) Math.min(len, offsets[i] + sizes[i] - pos);
				file.read(positions[i] + (pos - offsets[i]), buf, off, n);
				pos += n;
				off += n;
				len -= n;
			} else {
				long next = i + 1 < offsets.length ? offsets[i + 1] : Long.MAX_VALUE;
				int n = (int) Math.min(len, next - pos);
				Arrays.fill(buf, off, off + n, (byte) 0);
				pos += n;
				off += n;
				len -= n;
			}
			if (i + 1 < offsets.length && pos >= offsets[i + 1]) i++;
		}
	}
}
