package cacheshadow.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import cacheshadow.layers.LittleEndian;

/**
 * Decodes the BTF format (include/uapi/linux/btf.h, little-endian only: this project reads x86-64 guests). Every
 * offset, length, string and type id is checked against the blob, so a truncated or hostile blob fails with one
 * clear {@link BtfFormatException} and bounded work.
 */
public final class BtfParser {
	/** {@code BTF_MAGIC} as it reads little-endian. */
	public static final int MAGIC = 0xEB9F;
	private static final int HEADER_MIN = 24;

	private final byte[] b;
	private final String source;
	private final int typeStart, typeEnd, strStart, strEnd;
	/** For split BTF (a module's): the vmlinux BTF its type ids and string offsets continue. */
	private final Btf base;
	private final int baseStrLen;

	private BtfParser(byte[] blob, String source, Btf base) throws BtfFormatException {
		this.b = blob;
		this.source = source;
		this.base = base;
		this.baseStrLen = base == null ? 0 : base.stringsLength();
		if (blob.length < HEADER_MIN) throw error("only " + blob.length + " bytes, shorter than a BTF header");
		int magic = LittleEndian.u16(blob, 0);
		if (magic != MAGIC) {
			throw error(String.format("bad magic 0x%04x (expected 0x%04x; big-endian BTF is not supported)", magic, MAGIC));
		}
		if (blob[2] != 1) throw error("unsupported BTF version " + (blob[2] & 0xff));
		long hdrLen = LittleEndian.u32(blob, 4);
		long typeOff = LittleEndian.u32(blob, 8), typeLen = LittleEndian.u32(blob, 12);
		long strOff = LittleEndian.u32(blob, 16), strLen = LittleEndian.u32(blob, 20);
		if (hdrLen < HEADER_MIN || hdrLen > blob.length) throw error("header length " + hdrLen + " out of range");
		if (hdrLen + typeOff + typeLen > blob.length) throw error("type section [" + typeOff + "+" + typeLen + ") past the end (" + blob.length + " bytes)");
		if (hdrLen + strOff + strLen > blob.length) throw error("string section [" + strOff + "+" + strLen + ") past the end (" + blob.length + " bytes)");
		if (typeLen % 4 != 0) throw error("type section length " + typeLen + " not a multiple of 4");
		typeStart = (int) (hdrLen + typeOff);
		typeEnd = (int) (typeStart + typeLen);
		strStart = (int) (hdrLen + strOff);
		strEnd = (int) (strStart + strLen);
		if (base == null && strLen > 0 && blob[strStart] != 0) throw error("string section does not start with the empty string");
		// Every string offset below the section's length then names a NUL-terminated string.
		if (strLen > 0 && blob[strEnd - 1] != 0) throw error("string section does not end with a NUL");
	}

	/** Parses a raw {@code .BTF} blob (as in /sys/kernel/btf/vmlinux or a vmlinux's {@code .BTF} section). */
	public static Btf parse(byte[] blob, String source) throws BtfFormatException {
		return new BtfParser(blob, source, null).parseTypes();
	}

	/**
	 * Split BTF (a kernel module's, /sys/kernel/btf/MODULE): type ids continue after {@code base}'s, string offsets
	 * below the base's string section length name base strings. The result holds the base types too.
	 */
	public static Btf parseSplit(byte[] blob, Btf base, String source) throws BtfFormatException {
		return new BtfParser(blob, source, base).parseTypes();
	}

	/**
	 * A raw BTF file, an ELF file (vmlinux) whose {@code .BTF} section is used, or a bzImage (vmlinuz) whose payload
	 * is decompressed first.
	 */
	public static Btf parse(Path file) throws IOException {
		long size = Files.size(file);
		if (size > Integer.MAX_VALUE - 16) throw new BtfFormatException(file.toString(), "too large for BTF (" + size + " bytes)");
		byte[] data = Files.readAllBytes(file);
		if (BzImage.isBzImage(data)) {
			return parse(ElfSections.section(BzImage.vmlinux(data, file.toString()), ".BTF", file + " (payload)"), file + " (bzImage payload .BTF)");
		}
		if (data.length >= 4 && data[0] == 0x7f && data[1] == 'E' && data[2] == 'L' && data[3] == 'F') {
			return parse(ElfSections.section(data, ".BTF", file.toString()), file + " (.BTF)");
		}
		return parse(data, file.toString());
	}

	private BtfFormatException error(String problem) {
		return new BtfFormatException(source, problem);
	}

	/**
	 * One validating pass over the type section: every record's length, kind, string offsets and type ids are
	 * checked here, so a hostile blob fails now with bounded work; records are decoded later, on first use (an
	 * analysis reads a few hundred of a vmlinux's ~100,000 types).
	 */
	private Btf parseTypes() throws BtfFormatException {
		int first = base == null ? 1 : base.typeCount();
		int[] offsets = new int[Math.max(16, (typeEnd - typeStart) / 24)];
		int count = 0;
		long maxRef = 0;
		int p = typeStart;
		while (p < typeEnd) {
			int id = first + count;
			need(p, 12, id);
			long info = LittleEndian.u32(b, p + 4);
			long sizeOrType = LittleEndian.u32(b, p + 8);
			int vlen = (int) (info & 0xffff);
			BtfKind kind = BtfKind.of((int) ((info >>> 24) & 0x1f));
			if (kind == null) throw error("type " + id + " has unknown kind " + ((info >>> 24) & 0x1f) + " at offset " + p);
			checkString(LittleEndian.u32(b, p), id);
			if (count == offsets.length) offsets = java.util.Arrays.copyOf(offsets, count * 2);
			offsets[count++] = p;
			p += 12;
			switch (kind) {
			case INT, VAR, DECL_TAG -> {
				need(p, 4, id);
				if (kind != BtfKind.INT) maxRef = Math.max(maxRef, sizeOrType);
				p += 4;
			}
			case PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG, FUNC -> maxRef = Math.max(maxRef, sizeOrType);
			case ARRAY -> {
				need(p, 12, id);
				maxRef = Math.max(maxRef, Math.max(LittleEndian.u32(b, p), LittleEndian.u32(b, p + 4)));
				p += 12;
			}
			case STRUCT, UNION -> {
				need(p, 12L * vlen, id);
				for (int i = 0; i < vlen; i++, p += 12) {
					checkString(LittleEndian.u32(b, p), id);
					maxRef = Math.max(maxRef, LittleEndian.u32(b, p + 4));
				}
			}
			case ENUM, ENUM64 -> {
				int each = kind == BtfKind.ENUM ? 8 : 12;
				need(p, (long) each * vlen, id);
				for (int i = 0; i < vlen; i++, p += each) checkString(LittleEndian.u32(b, p), id);
			}
			case FUNC_PROTO -> {
				maxRef = Math.max(maxRef, sizeOrType);
				need(p, 8L * vlen, id);
				for (int i = 0; i < vlen; i++, p += 8) {
					checkString(LittleEndian.u32(b, p), id);
					maxRef = Math.max(maxRef, LittleEndian.u32(b, p + 4));
				}
			}
			case DATASEC -> {
				need(p, 12L * vlen, id);
				for (int i = 0; i < vlen; i++, p += 12) maxRef = Math.max(maxRef, LittleEndian.u32(b, p));
			}
			case FWD, FLOAT -> {
			}
			default -> throw error("type " + id + " has kind " + kind + " which cannot appear in a type section");
			}
		}
		int n = first + count;
		Btf btf = new Btf(b, java.util.Arrays.copyOf(offsets, count), first, strStart, strEnd, source, base);
		if (maxRef >= n) throw firstDanglingReference(btf, n);
		return btf;
	}

	/** Only when some type id is out of range: the lowest type naming one, as the error. */
	private BtfFormatException firstDanglingReference(Btf btf, int n) {
		for (int id = btf.firstOwnId(); id < n; id++) {
			for (int ref : btf.references(id)) {
				if (ref < 0 || ref >= n) {
					return error("type " + id + " refers to type " + Integer.toUnsignedString(ref) + ", but only " + n + " types exist");
				}
			}
		}
		return error("a type refers to a type id past the " + n + " types");
	}

	/** A string offset must name a NUL-terminated string of this BTF or, for split BTF, of its base. */
	private void checkString(long off, int id) throws BtfFormatException {
		if (off == 0) return;
		if (base != null) {
			if (off < baseStrLen) return; // the base's string section ends in NUL (checked when it was parsed)
			off -= baseStrLen;
		}
		if (off >= strEnd - strStart) throw error("type " + id + ": string offset " + off + " outside the string section");
	}

	private void need(long p, long len, int id) throws BtfFormatException {
		if (len < 0 || p + len > typeEnd) throw error("type " + id + " truncated: needs " + len + " bytes at offset " + p + ", type section ends at " + typeEnd);
	}
}
