package cacheshadow.layers;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * An address space made of segments, each a run of bytes at some offset of one file (ELF core PT_LOADs, LiME
 * ranges). Between segments are holes, which are reported, never read as zeros.
 */
public abstract class SegmentedLayer implements Layer {
	protected final MappedFile file;
	private final long[] starts;
	private final long[] ends;
	private final long[] fileOffsets;
	private final List<Extent> extents;

	/** Segment as parsed: guest address, length, offset of its bytes in the file. */
	public record Segment(long address, long length, long fileOffset) {
	}

	protected SegmentedLayer(MappedFile file, List<Segment> segments) throws EvidenceFormatException {
		this.file = file;
		List<Segment> s = new ArrayList<>(segments);
		s.removeIf(x -> x.length() == 0);
		s.sort((a, b) -> Long.compareUnsigned(a.address(), b.address()));
		int n = s.size();
		starts = new long[n];
		ends = new long[n];
		fileOffsets = new long[n];
		List<Extent> ext = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			Segment g = s.get(i);
			if (g.address() < 0 || g.address() + g.length() < g.address()) {
				throw new EvidenceFormatException(file.path(), String.format("range at 0x%x+0x%x wraps the address space", g.address(), g.length()));
			}
			if (g.fileOffset() < 0 || g.fileOffset() + g.length() > file.size() || g.fileOffset() + g.length() < g.fileOffset()) {
				throw new EvidenceFormatException(file.path(), String.format(
						"truncated: range at address 0x%x needs file bytes up to %d, the file has %d", g.address(),
						g.fileOffset() + g.length(), file.size()));
			}
			if (i > 0 && g.address() < ends[i - 1]) {
				throw new EvidenceFormatException(file.path(), String.format("ranges overlap at address 0x%x", g.address()));
			}
			starts[i] = g.address();
			ends[i] = g.address() + g.length();
			fileOffsets[i] = g.fileOffset();
			if (!ext.isEmpty() && ext.get(ext.size() - 1).end() == starts[i]) {
				Extent last = ext.remove(ext.size() - 1);
				ext.add(new Extent(last.start(), last.length() + g.length()));
			} else {
				ext.add(new Extent(starts[i], g.length()));
			}
		}
		this.extents = Collections.unmodifiableList(ext);
	}

	@Override
	public String source() {
		return file.path().toString();
	}

	@Override
	public long size() {
		return ends.length == 0 ? 0 : ends[ends.length - 1];
	}

	@Override
	public List<Extent> extents() {
		return extents;
	}

	@Override
	public void read(long offset, byte[] buf, int off, int len) throws IOException {
		while (len > 0) {
			int i = Arrays.binarySearch(starts, offset);
			if (i < 0) i = -i - 2;
			if (i < 0 || offset >= ends[i] || offset < 0) throw new UnmappedAddressException(name(), offset);
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
