package cacheshadow.layers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The guest-physical address space of a VMware suspended or snapshotted machine: the guest's RAM in a {@code .vmem}
 * file, laid out by the {@code memory} group of the {@code .vmss} (suspend) or {@code .vmsn} (snapshot) state file
 * beside it, or, with no {@code .vmem}, held in that group's {@code Memory} tag. The state file, little-endian: a
 * header {@code {u8 magic[4] (D0BED2BE, D1BAD1BA, D2BED2BE, D3BED3BE; version = magic[0] & 0xf), u32, u32 groups}},
 * then per group {@code {char name[64], u64 tags offset, u64}}; a group's tags follow one another, each
 * {@code {u8 flags, u8 name length, name, (flags >> 6) u32 indices, data}}, ended by two zero bytes. The data is
 * {@code flags & 0x3f} bytes, or (62 and 63) a long value: two sizes of 4 (version 0) or 8 bytes, two bytes, then
 * as many bytes as the first size says. Region {@code i} puts {@code regionSize[i]} pages at guest page
 * {@code regionPPN[i]}, from page {@code regionPageNum[i]} of the memory; without regions the memory is the guest's
 * RAM from address 0 (a guest below 3 GiB). Layout as Volatility's vmware layer reads it.
 */
public final class VmwareLayer extends SegmentedLayer {
	public static final int PAGE = 4096;
	private static final int[] MAGICS = { 0xbed2bed0, 0xbad1bad1, 0xbed2bed2, 0xbed3bed3 };
	private static final int MAX_GROUPS = 1 << 12, MAX_TAGS = 1 << 20, MAX_REGIONS = 1 << 16, GROUP = 80;
	private static final String[] STATE_SUFFIXES = { ".vmss", ".vmsn" };

	private VmwareLayer(MappedFile memory, String kind, List<Segment> segments, boolean partial) throws EvidenceFormatException {
		super(memory, kind, segments, partial);
	}

	/** Whether the first bytes of a file are a VMware state file's header. */
	public static boolean isState(byte[] h, int n) {
		if (n < 12) return false;
		int magic = LittleEndian.s32(h, 0);
		for (int m : MAGICS) if (m == magic) return true;
		return false;
	}

	/** The {@code .vmss} or {@code .vmsn} state file beside a {@code .vmem}, or null when there is none. */
	public static Path stateBeside(Path vmem) throws IOException {
		String name = vmem.getFileName().toString();
		if (!name.endsWith(".vmem")) return null;
		for (String s : STATE_SUFFIXES) {
			Path p = vmem.resolveSibling(name.substring(0, name.length() - 5) + s);
			if (Files.isRegularFile(p) && EvidenceFormat.detect(p) == EvidenceFormat.VMWARE_STATE) return p;
		}
		return null;
	}

	/**
	 * Opens a state file ({@code .vmss}/{@code .vmsn}, over the {@code .vmem} of the same name beside it when there is
	 * one, else over its own {@code Memory} tag) or a {@code .vmem} with its state file beside it.
	 *
	 * @param partial a memory file cut short keeps the regions' pages it still holds, the rest missing
	 */
	public static VmwareLayer open(Path path, boolean partial) throws IOException {
		boolean given = EvidenceFormat.detect(path) == EvidenceFormat.VMWARE_STATE;
		Path state = given ? path : stateBeside(path);
		if (state == null) throw new EvidenceFormatException(path, "no VMware .vmss or .vmsn state file beside it");
		String name = state.getFileName().toString();
		Path vmem = given ? state.resolveSibling(name.substring(0, Math.max(0, name.lastIndexOf('.'))) + ".vmem") : path;
		Memory m;
		try (MappedFile f = MappedFile.open(state)) {
			m = memoryGroup(f);
		}
		if (!given || Files.isRegularFile(vmem)) {
			MappedFile mem = MappedFile.open(vmem);
			return new VmwareLayer(mem, "VMware .vmem, regions of " + name, m.segments(0, mem.size()), partial);
		}
		if (m.embeddedAt() < 0) throw new EvidenceFormatException(state, "no .vmem beside it, and its memory group holds no Memory tag");
		for (int i = 0; i < m.ppn().length; i++) {
			// inside the state file a region past the Memory tag would read the tags after it
			if ((m.pageNum()[i] + m.pages()[i]) * PAGE > m.embeddedSize()) {
				throw new EvidenceFormatException(state, String.format("VMware memory region %d (pages %d+%d) runs past the Memory tag's %d bytes", i, m.pageNum()[i], m.pages()[i], m.embeddedSize()));
			}
		}
		MappedFile f = MappedFile.open(state);
		return new VmwareLayer(f, "VMware state, memory inside", m.segments(m.embeddedAt(), m.embeddedSize()), partial);
	}

	/** What the {@code memory} group says: its regions (page numbers) and where a {@code Memory} tag's bytes are. */
	private record Memory(long[] ppn, long[] pageNum, long[] pages, long embeddedAt, long embeddedSize) {
		/** The regions as segments of a memory of {@code size} bytes at {@code base} of its file. */
		List<Segment> segments(long base, long size) {
			List<Segment> out = new ArrayList<>();
			if (ppn.length == 0) {
				out.add(new Segment(0, size, base));
				return out;
			}
			for (int i = 0; i < ppn.length; i++) out.add(new Segment(ppn[i] * PAGE, pages[i] * PAGE, base + pageNum[i] * PAGE));
			return out;
		}
	}

	private static Memory memoryGroup(MappedFile f) throws IOException {
		Path path = f.path();
		byte[] h = new byte[12];
		if (f.size() < 12) throw new TruncatedEvidenceException(path, "VMware state header of " + f.size() + " bytes");
		f.read(0, h, 0, 12);
		if (!isState(h, 12)) throw new EvidenceFormatException(path, "not a VMware .vmss/.vmsn state file");
		int version = h[0] & 0xf;
		long groups = LittleEndian.u32(h, 8);
		if (groups > MAX_GROUPS) throw new EvidenceFormatException(path, "VMware state file of " + groups + " groups");
		if (12 + groups * GROUP > f.size()) throw new TruncatedEvidenceException(path, "the group table (" + groups + " groups) runs past the end of the file");
		long[] offsets = new long[(int) groups];
		long memory = -1;
		byte[] g = new byte[GROUP];
		for (int i = 0; i < groups; i++) {
			f.read(12 + (long) i * GROUP, g, 0, GROUP);
			int len = 0;
			while (len < 64 && g[len] != 0) len++;
			offsets[i] = LittleEndian.u64(g, 64);
			if (new String(g, 0, len, StandardCharsets.US_ASCII).equals("memory")) memory = offsets[i];
		}
		if (memory < 0) throw new EvidenceFormatException(path, "VMware state file without a memory group");
		// the group's tags end at its terminator; past the next group's tags or the file they are corrupt
		long end = f.size();
		for (long o : offsets) if (o > memory && o < end) end = o;
		Map<String, Long> values = new HashMap<>();
		long embeddedAt = -1, embeddedSize = -1;
		long pos = memory;
		byte[] b = new byte[2 + 255 + 3 * 4 + 2 * 8 + 2];
		for (int t = 0;; t++) {
			if (t >= MAX_TAGS) throw new EvidenceFormatException(path, "more than " + MAX_TAGS + " tags in the memory group");
			if (pos < 0 || pos + 2 > end) throw new TruncatedEvidenceException(path, String.format("the memory group's tags run past its end (tag at %d, end %d)", pos, end));
			int n = (int) Math.min(b.length, end - pos);
			f.read(pos, b, 0, n);
			int flags = b[0] & 0xff, nameLen = b[1] & 0xff;
			if (flags == 0 && nameLen == 0) break;
			int indices = flags >>> 6, dataLen = flags & 0x3f;
			int head = 2 + nameLen + 4 * indices;
			boolean big = dataLen == 62 || dataLen == 63;
			int sizeLen = version == 0 ? 4 : 8;
			int fixed = head + (big ? 2 * sizeLen + 2 : dataLen);
			if (fixed > n) throw new TruncatedEvidenceException(path, String.format("tag at %d of the memory group runs past its end", pos));
			String tag = new String(b, 2, nameLen, StandardCharsets.US_ASCII);
			StringBuilder key = new StringBuilder(tag);
			for (int i = 0; i < indices; i++) key.append('[').append(LittleEndian.u32(b, 2 + nameLen + 4 * i)).append(']');
			if (big) {
				long size = sizeLen == 4 ? LittleEndian.u32(b, head) : LittleEndian.u64(b, head);
				long data = pos + fixed;
				if (size < 0 || size > end - data) {
					throw new TruncatedEvidenceException(path, String.format("tag %s at %d holds %d bytes, past the end of the memory group (%d)", key, pos, size, end));
				}
				if (tag.equals("Memory") && embeddedAt < 0) { // its indices (the first block) aside
					embeddedAt = data;
					embeddedSize = size;
				}
				pos = data + size;
			} else {
				if (dataLen > 8) throw new EvidenceFormatException(path, String.format("tag %s at %d has a value of %d bytes", key, pos, dataLen));
				long v = 0;
				for (int i = dataLen - 1; i >= 0; i--) v = (v << 8) | (b[head + i] & 0xff);
				values.put(key.toString(), v);
				pos += fixed;
			}
		}
		long count = values.getOrDefault("regionsCount", 0L);
		if (count < 0 || count > MAX_REGIONS) throw new EvidenceFormatException(path, "VMware memory of " + count + " regions");
		long[] ppn = new long[(int) count], pageNum = new long[(int) count], pages = new long[(int) count];
		for (int i = 0; i < count; i++) {
			Long a = values.get("regionPPN[" + i + "]"), p = values.get("regionPageNum[" + i + "]"), s = values.get("regionSize[" + i + "]");
			if (a == null || p == null || s == null) throw new EvidenceFormatException(path, "VMware memory region " + i + " of " + count + " lacks its regionPPN, regionPageNum or regionSize");
			if (a < 0 || p < 0 || s < 0 || a > Long.MAX_VALUE / PAGE - s || p > Long.MAX_VALUE / PAGE - s) {
				throw new EvidenceFormatException(path, String.format("VMware memory region %d at page 0x%x of %d pages from page %d", i, a, s, p));
			}
			ppn[i] = a;
			pageNum[i] = p;
			pages[i] = s;
		}
		return new Memory(ppn, pageNum, pages, embeddedAt, embeddedSize);
	}
}
