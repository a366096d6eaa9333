package cacheshadow.layers;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * An address space made of segments, each a run of bytes at some offset of one file (ELF core PT_LOADs, LiME
 * ranges). Between segments are holes, which are reported, never read as zeros. A file cut short is refused, or
 * (opened as partial evidence) each segment keeps the bytes the file still holds and the rest of it is
 * {@linkplain #missing() missing}.
 */
public abstract class SegmentedLayer extends FileBackedLayer {
	private final long[] starts;
	private final long[] ends;
	private final long[] fileOffsets;

	/** Segment as parsed: guest address, length, offset of its bytes in the file. */
	public record Segment(long address, long length, long fileOffset) {
	}

	/** The segments held by the file, in address order, and what they cover and miss. */
	private record Layout(long[] starts, long[] ends, long[] fileOffsets, List<Extent> extents, List<Extent> missing, long size) {
	}

	protected SegmentedLayer(MappedFile file, List<Segment> segments) throws EvidenceFormatException {
		this(file, "memory", segments, false);
	}

	/**
	 * @param kind    what the file is, shown after its name
	 * @param partial keep what a segment running past the end of the file still has, the rest {@linkplain #missing()
	 *                missing}; else such a segment is a {@link TruncatedEvidenceException}
	 */
	protected SegmentedLayer(MappedFile file, String kind, List<Segment> segments, boolean partial) throws EvidenceFormatException {
		this(file, kind, layout(file, segments, partial));
	}

	private SegmentedLayer(MappedFile file, String kind, Layout l) {
		super(file, kind, l.size(), l.extents(), l.missing());
		this.starts = l.starts();
		this.ends = l.ends();
		this.fileOffsets = l.fileOffsets();
	}

	private static Layout layout(MappedFile file, List<Segment> segments, boolean partial) throws EvidenceFormatException {
		List<Segment> s = new ArrayList<>(segments);
		s.removeIf(x -> x.length() == 0);
		s.sort((a, b) -> Long.compareUnsigned(a.address(), b.address()));
		int n = s.size();
		long[] st = new long[n], en = new long[n], fo = new long[n];
		int held = 0;
		long declaredEnd = 0;
		List<Extent> ext = new ArrayList<>(), miss = new ArrayList<>();
		for (Segment g : s) {
			if (g.address() < 0 || g.address() + g.length() < g.address()) {
				throw new EvidenceFormatException(file.path(), String.format("range at 0x%x+0x%x wraps the address space", g.address(), g.length()));
			}
			if (g.fileOffset() < 0 || g.fileOffset() + g.length() < g.fileOffset()) {
				throw new EvidenceFormatException(file.path(), String.format("range at address 0x%x has file offset 0x%x past any file", g.address(), g.fileOffset()));
			}
			if (g.address() < declaredEnd) {
				throw new EvidenceFormatException(file.path(), String.format("ranges overlap at address 0x%x", g.address()));
			}
			declaredEnd = g.address() + g.length();
			long have = Math.max(0, Math.min(g.length(), file.size() - g.fileOffset()));
			if (have < g.length()) {
				if (!partial) {
					throw new TruncatedEvidenceException(file.path(), String.format("range at address 0x%x needs file bytes up to %d, the file has %d",
							g.address(), g.fileOffset() + g.length(), file.size()));
				}
				addRange(miss, g.address() + have, g.length() - have);
			}
			if (have == 0) continue;
			st[held] = g.address();
			en[held] = g.address() + have;
			fo[held] = g.fileOffset();
			held++;
			addRange(ext, g.address(), have);
		}
		return new Layout(Arrays.copyOf(st, held), Arrays.copyOf(en, held), Arrays.copyOf(fo, held), Collections.unmodifiableList(ext),
				Collections.unmodifiableList(miss), declaredEnd);
	}

	@Override
	public void read(long offset, byte[] buf, int off, int len) throws IOException {
		while (len > 0) {
			int i = Arrays.binarySearch(starts, offset);
			if (i < 0) i = -i - 2;
			if (i < 0 || offset >= ends[i] || offset < 0) {
				if (isMissing(offset, 1)) throw MissingReads.missing(name(), offset);
				throw new UnmappedAddressException(name(), offset);
			}
			int n = (int) Math.min(len, ends[i] - offset);
			file.read(fileOffsets[i] + (offset - starts[i]), buf, off, n);
			offset += n;
			off += n;
			len -= n;
		}
	}

	@Override
	public void close() {
		file.close();
	}
}
