package cacheshadow.layers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The guest-physical address space of a Xen dump-core file ({@code xl dump-core}; Xen's docs/misc/dump-core-format.txt):
 * an ELF64 core with section headers and no program headers; {@code .note.Xen} holds the dump-core header note
 * ({@code u64 magic, nr_vcpus, nr_pages, page_size}), {@code .xen_pages} the pages and {@code .xen_pfn} (HVM: one
 * {@code u64 pfn} per page) or {@code .xen_p2m} (PV: {@code u64 pfn, u64 gmfn}) the guest frame of each. Pages whose
 * frame is the invalid one are not memory; frames no page has are holes.
 */
public final class XenCoreLayer extends SegmentedLayer {
	public static final long MAGIC_PV = 0xF00FEBEDL, MAGIC_HVM = 0xF00FEBEEL;
	private static final int NOTE_HEADER = 0x2000001;
	private static final long INVALID_PFN = -1L;
	private static final int MAX_SECTIONS = 1 << 12;

	private XenCoreLayer(MappedFile f, List<Segment> segments, boolean hvm, boolean partial) throws EvidenceFormatException {
		super(f, hvm ? "Xen dump-core, HVM" : "Xen dump-core, PV", segments, partial);
	}

	/** Whether an ELF core's header (first 64 bytes) is that of a Xen dump-core: sections, no program headers. */
	static boolean isXenCore(byte[] h, int n) {
		return n >= 64 && LittleEndian.u16(h, 56) == 0 && LittleEndian.u16(h, 60) > 0;
	}

	public static XenCoreLayer open(Path path) throws IOException {
		return open(path, false);
	}

	/**
	 * @param partial a dump cut short keeps the pages it still holds, the rest of {@code .xen_pages} is
	 *                {@linkplain #missing() missing}; headers, notes and the frame table must be whole
	 */
	public static XenCoreLayer open(Path path, boolean partial) throws IOException {
		MappedFile f = MappedFile.open(path);
		if (f.size() < 64) throw new TruncatedEvidenceException(path, "ELF header of " + f.size() + " bytes");
		byte[] eh = new byte[64];
		f.read(0, eh, 0, 64);
		if (eh[0] != 0x7f || eh[1] != 'E' || eh[2] != 'L' || eh[3] != 'F' || eh[4] != 2 || eh[5] != 1) {
			throw new EvidenceFormatException(path, "not a little-endian ELF64 file");
		}
		long shoff = LittleEndian.u64(eh, 40);
		int shentsize = LittleEndian.u16(eh, 58), shnum = LittleEndian.u16(eh, 60), shstrndx = LittleEndian.u16(eh, 62);
		if (shentsize < 64 || shnum > MAX_SECTIONS || shstrndx >= shnum) throw new EvidenceFormatException(path, String.format("Xen dump-core with %d section headers of %d bytes (names in #%d)", shnum, shentsize, shstrndx));
		if (shoff < 64 || shoff > f.size() || shoff + (long) shnum * shentsize > f.size()) throw new TruncatedEvidenceException(path, "the section headers run past the end of the file");
		long[][] sh = new long[shnum][];
		byte[] s = new byte[64];
		for (int i = 0; i < shnum; i++) {
			f.read(shoff + (long) i * shentsize, s, 0, 64);
			sh[i] = new long[] { LittleEndian.u32(s, 0), LittleEndian.u64(s, 24), LittleEndian.u64(s, 32) }; // name, offset, size
		}
		byte[] names = section(path, f, sh[shstrndx], 1 << 20, ".shstrtab");
		long[] note = null, pages = null, pfn = null, p2m = null;
		for (long[] x : sh) {
			String name = name(names, x[0]);
			switch (name) {
			case ".note.Xen" -> note = x;
			case ".xen_pages" -> pages = x;
			case ".xen_pfn" -> pfn = x;
			case ".xen_p2m" -> p2m = x;
			default -> {
			}
			}
		}
		if (note == null || pages == null || (pfn == null && p2m == null)) {
			throw new EvidenceFormatException(path, "an ELF core without program headers that lacks the Xen dump-core sections (.note.Xen, .xen_pages, .xen_pfn or .xen_p2m)");
		}
		byte[] notes = section(path, f, note, 1 << 20, ".note.Xen");
		long magic = -1, nrPages = -1, pageSize = -1;
		for (int p = 0; p + 12 <= notes.length;) {
			long namesz = LittleEndian.u32(notes, p), descsz = LittleEndian.u32(notes, p + 4);
			int type = LittleEndian.s32(notes, p + 8);
			long desc = p + 12 + ((namesz + 3) & ~3L), end = desc + ((descsz + 3) & ~3L);
			if (end > notes.length) throw new EvidenceFormatException(path, "a note of .note.Xen runs past its section");
			if (type == NOTE_HEADER && descsz >= 32) {
				magic = LittleEndian.u64(notes, (int) desc);
				nrPages = LittleEndian.u64(notes, (int) desc + 16);
				pageSize = LittleEndian.u64(notes, (int) desc + 24);
			}
			p = (int) end;
		}
		if (magic != MAGIC_PV && magic != MAGIC_HVM) throw new EvidenceFormatException(path, String.format("no Xen dump-core header note (magic 0x%x)", magic));
		if (pageSize < 4096 || pageSize > (1 << 16) || Long.bitCount(pageSize) != 1) throw new EvidenceFormatException(path, "Xen dump-core page size " + pageSize);
		long entry = pfn != null ? 8 : 16;
		long[] table = pfn != null ? pfn : p2m;
		if (nrPages < 0 || nrPages > table[2] / entry || nrPages > Long.MAX_VALUE / pageSize) {
			throw new EvidenceFormatException(path, String.format("Xen dump-core of %d pages with a frame table of %d bytes", nrPages, table[2]));
		}
		if (table[1] < 0 || table[1] > f.size() || table[1] + nrPages * entry > f.size()) throw new TruncatedEvidenceException(path, "the Xen frame table runs past the end of the file");
		if (pages[1] < 0 || pages[2] < nrPages * pageSize || pages[1] + nrPages * pageSize < pages[1]) {
			throw new EvidenceFormatException(path, String.format(".xen_pages of %d bytes cannot hold %d pages", pages[2], nrPages));
		}
		// runs of consecutive frames stored one after the other become one segment
		List<Segment> segs = new ArrayList<>();
		byte[] t = new byte[(int) Math.min(1 << 20, Math.max(entry, nrPages * entry))];
		long runStart = -1, runPfn = -1, runLen = 0;
		for (long i = 0; i < nrPages; i++) {
			int k = (int) ((i * entry) % t.length);
			if (k == 0) f.read(table[1] + i * entry, t, 0, (int) Math.min(t.length, (nrPages - i) * entry));
			long frame = LittleEndian.u64(t, k);
			if (frame == INVALID_PFN) continue;
			if (frame < 0 || frame > Long.MAX_VALUE / pageSize - 1) throw new EvidenceFormatException(path, String.format("page %d has the frame 0x%x", i, frame));
			if (runLen > 0 && frame == runPfn + runLen && i == runStart + runLen) {
				runLen++;
				continue;
			}
			if (runLen > 0) segs.add(new Segment(runPfn * pageSize, runLen * pageSize, pages[1] + runStart * pageSize));
			runStart = i;
			runPfn = frame;
			runLen = 1;
		}
		if (runLen > 0) segs.add(new Segment(runPfn * pageSize, runLen * pageSize, pages[1] + runStart * pageSize));
		if (segs.isEmpty()) throw new EvidenceFormatException(path, "Xen dump-core without pages");
		return new XenCoreLayer(f, segs, magic == MAGIC_HVM, partial);
	}

	private static byte[] section(Path path, MappedFile f, long[] sh, int max, String what) throws IOException {
		if (sh[2] < 0 || sh[2] > max) throw new EvidenceFormatException(path, what + " of " + sh[2] + " bytes");
		if (sh[1] < 0 || sh[1] > f.size() || sh[1] + sh[2] > f.size()) throw new TruncatedEvidenceException(path, what + " runs past the end of the file");
		byte[] b = new byte[(int) sh[2]];
		f.read(sh[1], b, 0, b.length);
		return b;
	}

	private static String name(byte[] names, long at) {
		if (at < 0 || at >= names.length) return "";
		int end = (int) at;
		while (end < names.length && names[end] != 0) end++;
		return new String(names, (int) at, end - (int) at, StandardCharsets.US_ASCII);
	}
}
