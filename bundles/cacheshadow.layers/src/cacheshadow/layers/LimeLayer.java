package cacheshadow.layers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * LiME memory image: per physical range a packed 32-byte header {@code {u32 magic 0x4C694D45; u32 version;
 * u64 s_addr; u64 e_addr (inclusive); u8 reserved[8]}} followed by the range's bytes (LiME's lime.h).
 */
public final class LimeLayer extends SegmentedLayer {
	public static final int MAGIC = 0x4C694D45;
	private static final int MAX_RANGES = 1 << 16;

	private LimeLayer(MappedFile file, List<Segment> segments, boolean partial) throws EvidenceFormatException {
		super(file, "LiME", segments, partial);
	}

	public static LimeLayer open(Path path) throws IOException {
		return open(path, false);
	}

	/**
	 * @param partial a file cut short keeps what it still holds: the rest of the range it was cut in is
	 *                {@linkplain #missing() missing}. Each range is declared by its own header, so ranges whose
	 *                header lay past the cut are not known at all.
	 */
	public static LimeLayer open(Path path, boolean partial) throws IOException {
		MappedFile f = MappedFile.open(path);
		List<Segment> segs = new ArrayList<>();
		byte[] h = new byte[32];
		long pos = 0;
		while (pos < f.size()) {
			if (pos + 32 > f.size()) {
				if (partial && !segs.isEmpty()) break; // the cut fell in a header: the ranges before it are what is known
				throw new TruncatedEvidenceException(path, "partial LiME header at file offset " + pos);
			}
			f.read(pos, h, 0, 32);
			int magic = LittleEndian.s32(h, 0);
			if (magic != MAGIC) {
				throw new EvidenceFormatException(path, String.format("bad LiME magic 0x%08x at file offset %d (range #%d)", magic, pos, segs.size()));
			}
			long version = LittleEndian.u32(h, 4);
			if (version != 1) throw new EvidenceFormatException(path, "unsupported LiME version " + version + " at file offset " + pos);
			long s = LittleEndian.u64(h, 8), e = LittleEndian.u64(h, 16);
			if (Long.compareUnsigned(e, s) < 0) {
				throw new EvidenceFormatException(path, String.format("inverted LiME range 0x%x-0x%x at file offset %d", s, e, pos));
			}
			long len = e - s + 1;
			if (len <= 0) throw new EvidenceFormatException(path, String.format("LiME range 0x%x-0x%x spans the whole address space", s, e));
			if (len > f.size() - pos - 32 && !partial) {
				throw new TruncatedEvidenceException(path, String.format("LiME range 0x%x-0x%x needs %d bytes after file offset %d, the file has %d",
						s, e, len, pos + 32, f.size() - pos - 32));
			}
			if (segs.size() >= MAX_RANGES) throw new EvidenceFormatException(path, "more than " + MAX_RANGES + " LiME ranges");
			segs.add(new Segment(s, len, pos + 32));
			if (len > f.size() - pos - 32) break; // partial: the file ends in this range
			pos += 32 + len;
		}
		if (segs.isEmpty()) throw new EvidenceFormatException(path, "empty LiME file");
		return new LimeLayer(f, segs, partial);
	}
}
