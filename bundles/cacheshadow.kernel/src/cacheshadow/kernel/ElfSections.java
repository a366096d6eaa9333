package cacheshadow.kernel;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.LittleEndian;

/** Finds a named section of a little-endian ELF64 file held in memory (a vmlinux), with every offset checked. */
final class ElfSections {
	private ElfSections() {
	}

	static byte[] section(byte[] elf, String wanted, String source) throws EvidenceFormatException {
		if (elf.length < 64 || elf[4] != 2 || elf[5] != 1) throw new EvidenceFormatException(source, "not a little-endian ELF64 file");
		long shoff = LittleEndian.u64(elf, 0x28);
		int shentsize = LittleEndian.u16(elf, 0x3a);
		int shnum = LittleEndian.u16(elf, 0x3c);
		int shstrndx = LittleEndian.u16(elf, 0x3e);
		if (shentsize < 64 || shoff < 0 || shoff + (long) shnum * shentsize > elf.length || shstrndx >= shnum) {
			throw new EvidenceFormatException(source, "ELF section header table out of range");
		}
		int strHdr = (int) (shoff + (long) shstrndx * shentsize);
		long strOff = LittleEndian.u64(elf, strHdr + 0x18), strSize = LittleEndian.u64(elf, strHdr + 0x20);
		if (strOff < 0 || strSize < 0 || strOff + strSize > elf.length) throw new EvidenceFormatException(source, "ELF section names out of range");
		byte[] name = wanted.getBytes(StandardCharsets.US_ASCII);
		for (int i = 0; i < shnum; i++) {
			int h = (int) (shoff + (long) i * shentsize);
			long nameOff = LittleEndian.u32(elf, h);
			if (nameOff + name.length + 1 > strSize) continue;
			int s = (int) (strOff + nameOff);
			if (!Arrays.equals(elf, s, s + name.length, name, 0, name.length) || elf[s + name.length] != 0) continue;
			long off = LittleEndian.u64(elf, h + 0x18), size = LittleEndian.u64(elf, h + 0x20);
			if (off < 0 || size < 0 || off + size > elf.length) throw new EvidenceFormatException(source, wanted + " section out of range");
			return Arrays.copyOfRange(elf, (int) off, (int) (off + size));
		}
		throw new EvidenceFormatException(source, "no " + wanted + " section");
	}
}
