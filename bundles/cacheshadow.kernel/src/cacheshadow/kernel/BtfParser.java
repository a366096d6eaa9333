package cacheshadow.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import cacheshadow.kernel.BtfType.Member;
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
	/** Strings decoded so far by offset: member names repeat across thousands of types. */
	private final AddressMap<String> strings = new AddressMap<>();
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

	private String str(long off) throws BtfFormatException {
		if (off == 0) return "";
		if (base != null) {
			if (off < baseStrLen) {
				String s = base.string((int) off);
				if (s == null) throw error("string offset " + off + " is not the start of a base string");
				return s;
			}
			off -= baseStrLen;
		}
		if (off < 0 || off >= strEnd - strStart) throw error("string offset " + off + " outside the string section");
		String s = strings.get(off);
		if (s != null) return s;
		int start = strStart + (int) off, end = start;
		while (end < strEnd && b[end] != 0) end++;
		if (end == strEnd) throw error("string at offset " + off + " is not NUL-terminated");
		s = new String(b, start, end - start, StandardCharsets.UTF_8);
		strings.putIfAbsent(off, s);
		return s;
	}

	private Btf parseTypes() throws BtfFormatException {
		List<BtfType> types = new ArrayList<>();
		if (base == null) types.add(new BtfType.Void());
		else for (int id = 0; id < base.typeCount(); id++) types.add(base.type(id));
		int p = typeStart;
		while (p < typeEnd) {
			int id = types.size();
			need(p, 12, id);
			long nameOff = LittleEndian.u32(b, p);
			long info = LittleEndian.u32(b, p + 4);
			long sizeOrType = LittleEndian.u32(b, p + 8);
			p += 12;
			int vlen = (int) (info & 0xffff);
			int kindValue = (int) ((info >>> 24) & 0x1f);
			boolean kindFlag = (info & 0x80000000L) != 0;
			BtfKind kind = BtfKind.of(kindValue);
			if (kind == null) throw error("type " + id + " has unknown kind " + kindValue + " at offset " + (p - 12));
			String name = str(nameOff);
			int ref = (int) sizeOrType;
			switch (kind) {
			case INT -> {
				need(p, 4, id);
				long enc = LittleEndian.u32(b, p);
				p += 4;
				int bits = (int) (enc & 0xff);
				int bitOff = (int) ((enc >>> 16) & 0xff);
				int e = (int) ((enc >>> 24) & 0xf);
				types.add(new BtfType.Int(name, (int) sizeOrType, bits, bitOff, (e & 1) != 0, (e & 2) != 0, (e & 4) != 0));
			}
			case PTR -> types.add(new BtfType.Ptr(ref));
			case ARRAY -> {
				need(p, 12, id);
				types.add(new BtfType.Array((int) LittleEndian.u32(b, p), (int) LittleEndian.u32(b, p + 4),
						LittleEndian.u32(b, p + 8)));
				p += 12;
			}
			case STRUCT, UNION -> {
				need(p, 12L * vlen, id);
				List<Member> members = new ArrayList<>(vlen);
				for (int i = 0; i < vlen; i++, p += 12) {
					long off = LittleEndian.u32(b, p + 8);
					long bitOffset = kindFlag ? off & 0xffffff : off;
					int bitSize = kindFlag ? (int) (off >>> 24) : 0;
					members.add(new Member(str(LittleEndian.u32(b, p)), (int) LittleEndian.u32(b, p + 4), bitOffset, bitSize));
				}
				types.add(new BtfType.Composite(kind, name, sizeOrType, List.copyOf(members)));
			}
			case ENUM -> {
				need(p, 8L * vlen, id);
				List<BtfType.Enumerator> values = new ArrayList<>(vlen);
				for (int i = 0; i < vlen; i++, p += 8) {
					long v = kindFlag ? LittleEndian.s32(b, p + 4) : LittleEndian.u32(b, p + 4);
					values.add(new BtfType.Enumerator(str(LittleEndian.u32(b, p)), v));
				}
				types.add(new BtfType.Enum(kind, name, (int) sizeOrType, kindFlag, List.copyOf(values)));
			}
			case ENUM64 -> {
				need(p, 12L * vlen, id);
				List<BtfType.Enumerator> values = new ArrayList<>(vlen);
				for (int i = 0; i < vlen; i++, p += 12) {
					long v = LittleEndian.u32(b, p + 4) | (LittleEndian.u32(b, p + 8) << 32);
					values.add(new BtfType.Enumerator(str(LittleEndian.u32(b, p)), v));
				}
				types.add(new BtfType.Enum(kind, name, (int) sizeOrType, kindFlag, List.copyOf(values)));
			}
			case FWD -> types.add(new BtfType.Fwd(name, kindFlag));
			case TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG -> types.add(new BtfType.Modifier(kind, name, ref));
			case FUNC -> types.add(new BtfType.Func(name, ref, vlen));
			case FUNC_PROTO -> {
				need(p, 8L * vlen, id);
				List<BtfType.Param> params = new ArrayList<>(vlen);
				for (int i = 0; i < vlen; i++, p += 8) {
					params.add(new BtfType.Param(str(LittleEndian.u32(b, p)), (int) LittleEndian.u32(b, p + 4)));
				}
				types.add(new BtfType.FuncProto(ref, List.copyOf(params)));
			}
			case VAR -> {
				need(p, 4, id);
				types.add(new BtfType.Var(name, ref, (int) LittleEndian.u32(b, p)));
				p += 4;
			}
			case DATASEC -> {
				need(p, 12L * vlen, id);
				List<BtfType.SectionVar> vars = new ArrayList<>(vlen);
				for (int i = 0; i < vlen; i++, p += 12) {
					vars.add(new BtfType.SectionVar((int) LittleEndian.u32(b, p), LittleEndian.u32(b, p + 4), LittleEndian.u32(b, p + 8)));
				}
				types.add(new BtfType.DataSec(name, sizeOrType, List.copyOf(vars)));
			}
			case FLOAT -> types.add(new BtfType.Float(name, (int) sizeOrType));
			case DECL_TAG -> {
				need(p, 4, id);
				types.add(new BtfType.DeclTag(name, ref, LittleEndian.s32(b, p)));
				p += 4;
			}
			default -> throw error("type " + id + " has kind " + kind + " which cannot appear in a type section");
			}
		}
		checkReferences(types, base == null ? 1 : base.typeCount());
		return new Btf(types, source, java.util.Arrays.copyOfRange(b, strStart, strEnd), baseStrLen, base);
	}

	private void need(long p, long len, int id) throws BtfFormatException {
		if (len < 0 || p + len > typeEnd) throw error("type " + id + " truncated: needs " + len + " bytes at offset " + p + ", type section ends at " + typeEnd);
	}

	/** Every type id a record names must exist, so later lookups never index out of range. */
	private void checkReferences(List<BtfType> types, int first) throws BtfFormatException {
		int n = types.size();
		for (int id = first; id < n; id++) {
			BtfType t = types.get(id);
			switch (t) {
			case BtfType.Ptr x -> check(id, x.target(), n);
			case BtfType.Array x -> {
				check(id, x.element(), n);
				check(id, x.indexType(), n);
			}
			case BtfType.Composite x -> {
				for (Member m : x.members()) check(id, m.type(), n);
			}
			case BtfType.Modifier x -> check(id, x.target(), n);
			case BtfType.Func x -> check(id, x.proto(), n);
			case BtfType.FuncProto x -> {
				check(id, x.returnType(), n);
				for (BtfType.Param pa : x.params()) check(id, pa.type(), n);
			}
			case BtfType.Var x -> check(id, x.type(), n);
			case BtfType.DataSec x -> {
				for (BtfType.SectionVar v : x.vars()) check(id, v.type(), n);
			}
			case BtfType.DeclTag x -> check(id, x.target(), n);
			default -> {
			}
			}
		}
	}

	private void check(int id, int ref, int n) throws BtfFormatException {
		if (ref < 0 || ref >= n) throw error("type " + id + " refers to type " + Integer.toUnsignedString(ref) + ", but only " + n + " types exist");
	}
}
