package cacheshadow.layers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The guest-physical address space of an ELF64 core file (QEMU {@code dump-guest-memory}, kdump/vmcore): each
 * {@code PT_LOAD} maps {@code [p_paddr, p_paddr + p_filesz)} to its file bytes (System V gABI, "Program
 * Header"). The {@code PT_NOTE} notes (QEMU CPU state, VMCOREINFO) are kept for the kernel model.
 */
public final class ElfCoreLayer extends SegmentedLayer implements VmcoreInfoSource {
	static final int PT_LOAD = 1, PT_NOTE = 4, ET_CORE = 4;
	private static final int MAX_PHDRS = 1 << 16;
	private static final long MAX_NOTES_BYTES = 64L << 20;

	/** One ELF note: owner name (e.g. {@code CORE}, {@code QEMU}, {@code VMCOREINFO}), type, payload. */
	public record Note(String name, int type, byte[] desc) {
		public String descAsText() {
			return new String(desc, StandardCharsets.UTF_8);
		}
	}

	private final List<Note> notes;

	private ElfCoreLayer(MappedFile file, List<Segment> segments, List<Note> notes, boolean partial) throws EvidenceFormatException {
		super(file, "ELF core", segments, partial);
		this.notes = Collections.unmodifiableList(notes);
	}

	public static ElfCoreLayer open(Path path) throws IOException {
		return open(path, false);
	}

	/**
	 * @param partial a core cut short keeps what it still holds: the rest of each {@code PT_LOAD} is
	 *                {@linkplain #missing() missing} and notes past the end are left out; the program headers
	 *                themselves must be whole
	 */
	public static ElfCoreLayer open(Path path, boolean partial) throws IOException {
		MappedFile f = MappedFile.open(path);
		byte[] eh = new byte[64];
		if (f.size() < 64) throw new TruncatedEvidenceException(path, "ELF header of " + f.size() + " bytes");
		f.read(0, eh, 0, 64);
		if (eh[0] != 0x7f || eh[1] != 'E' || eh[2] != 'L' || eh[3] != 'F') throw new EvidenceFormatException(path, "not an ELF file");
		if (eh[4] != 2 || eh[5] != 1) throw new EvidenceFormatException(path, "not a little-endian ELF64 file");
		int type = LittleEndian.u16(eh, 16);
		if (type != ET_CORE) throw new EvidenceFormatException(path, "ELF type " + type + " is not a core file (4)");
		long phoff = LittleEndian.u64(eh, 32);
		int phentsize = LittleEndian.u16(eh, 54);
		long phnum = LittleEndian.u16(eh, 56);
		if (phnum == 0xffff) {
			// PN_XNUM: the real count is in sh_info of section header 0 (gABI "Extended numbering")
			long shoff = LittleEndian.u64(eh, 40);
			if (shoff <= 0 || shoff + 64 > f.size()) throw new EvidenceFormatException(path, "PN_XNUM without a readable section header 0");
			phnum = f.u32(shoff + 44);
		}
		if (phentsize < 56) throw new EvidenceFormatException(path, "program header entry size " + phentsize + " < 56");
		if (phnum > MAX_PHDRS) throw new EvidenceFormatException(path, "absurd program header count " + phnum);
		if (phoff < 0 || phoff + phnum * phentsize > f.size()) throw new TruncatedEvidenceException(path, "program headers run past the end of the file");
		List<Segment> segs = new ArrayList<>();
		List<Note> notes = new ArrayList<>();
		byte[] ph = new byte[56];
		for (int i = 0; i < phnum; i++) {
			f.read(phoff + (long) i * phentsize, ph, 0, 56);
			int pType = LittleEndian.s32(ph, 0);
			long off = LittleEndian.u64(ph, 8), paddr = LittleEndian.u64(ph, 24), filesz = LittleEndian.u64(ph, 32);
			if (pType == PT_LOAD) {
				segs.add(new Segment(paddr, filesz, off));
			} else if (pType == PT_NOTE) {
				if (off < 0 || filesz < 0 || filesz > MAX_NOTES_BYTES) {
					throw new EvidenceFormatException(path, "truncated: PT_NOTE #" + i + " runs past the end of the file");
				}
				if (off + filesz > f.size()) {
					if (partial) continue; // CPU state and VMCOREINFO are not needed to read the memory
					throw new TruncatedEvidenceException(path, "PT_NOTE #" + i + " runs past the end of the file");
				}
				parseNotes(path, f, off, (int) filesz, notes);
			}
		}
		if (segs.isEmpty()) throw new EvidenceFormatException(path, "ELF core without PT_LOAD segments");
		return new ElfCoreLayer(f, segs, notes, partial);
	}

	private static void parseNotes(Path path, MappedFile f, long off, int len, List<Note> out) throws IOException {
		byte[] b = new byte[len];
		f.read(off, b, 0, len);
		int p = 0;
		while (p + 12 <= len) {
			long namesz = LittleEndian.u32(b, p), descsz = LittleEndian.u32(b, p + 4);
			int type = LittleEndian.s32(b, p + 8);
			long nameEnd = p + 12 + align4(namesz), descEnd = nameEnd + align4(descsz);
			if (descEnd > len) throw new EvidenceFormatException(path, "note at file offset " + (off + p) + " runs past its PT_NOTE");
			int nl = (int) namesz;
			while (nl > 0 && b[p + 12 + nl - 1] == 0) nl--;
			String name = new String(b, p + 12, nl, StandardCharsets.US_ASCII);
			byte[] desc = java.util.Arrays.copyOfRange(b, (int) nameEnd, (int) (nameEnd + descsz));
			out.add(new Note(name, type, desc));
			p = (int) descEnd;
		}
	}

	private static long align4(long v) {
		return (v + 3) & ~3L;
	}

	public List<Note> notes() {
		return notes;
	}

	/** The kernel's VMCOREINFO text (kdump cores, QEMU with vmcoreinfo device), if the core carries it. */
	@Override
	public Optional<String> vmcoreinfo() {
		return notes.stream().filter(n -> n.name().equals("VMCOREINFO")).map(Note::descAsText).findFirst();
	}
}
