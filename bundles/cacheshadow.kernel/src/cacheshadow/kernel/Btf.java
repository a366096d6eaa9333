package cacheshadow.kernel;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import cacheshadow.kernel.BtfType.Composite;
import cacheshadow.kernel.BtfType.Member;
import cacheshadow.layers.LittleEndian;

/**
 * A kernel's types as its BTF describes them: the only source of structure layouts in this project. Lookups by
 * name, sizes, and field offsets by dotted path ({@code "d_name.name"}), looking through typedef/const chains and
 * into anonymous structs and unions as C does. Immutable and safe for concurrent readers.
 */
public final class Btf {
	/** Longest typedef/qualifier chain or nesting followed before calling it a loop. */
	private static final int MAX_CHAIN = 64;
	private static final BtfType VOID = new BtfType.Void();

	private final String source;
	/** The whole blob as parsed (never modified): records are decoded from it on first use. */
	private final byte[] blob;
	/** Offset in {@code blob} of each own type's {@code struct btf_type}; own ids start at {@code first}. */
	private final int[] offsets;
	private final int first;
	/** This BTF's string section in {@code blob}; string offsets below {@code strOffset} belong to {@code base}. */
	private final int strStart, strEnd, strOffset;
	private final Btf base;
	/** Own type ids by name. */
	private final NameTable byName;
	/**
	 * Decoded records by own id. Filled racily by concurrent readers: a record is immutable (final fields), so a
	 * reader sees either null (and decodes it again, to an equal value) or a complete record.
	 */
	private final BtfType[] decoded;

	Btf(byte[] blob, int[] offsets, int first, int strStart, int strEnd, String source, Btf base) {
		this.blob = blob;
		this.offsets = offsets;
		this.first = first;
		this.strStart = strStart;
		this.strEnd = strEnd;
		this.strOffset = base == null ? 0 : base.stringsLength();
		this.source = source;
		this.base = base;
		this.decoded = new BtfType[offsets.length];
		// A split BTF indexes only its own types; base names are looked up in the base.
		this.byName = new NameTable(offsets.length);
		for (int i = 0; i < offsets.length; i++) {
			int off = (int) LittleEndian.u32(blob, offsets[i]);
			if (off == 0) continue;
			int start = stringStart(off);
			byName.add(first + i, NameTable.hash(bytesOf(off), start, stringEnd(off, start)));
		}
	}

	public String source() {
		return source;
	}

	/** The BTF this split BTF extends (vmlinux for a module), or null. */
	public Btf base() {
		return base;
	}

	/** Length of the string offset space up to the end of this BTF's strings (base strings included). */
	int stringsLength() {
		return strOffset + (strEnd - strStart);
	}

	/** The string starting at {@code offset} of the string section (base strings included), or null. */
	String string(int offset) {
		if (offset < strOffset) return base == null ? null : base.string(offset);
		int start = strStart + offset - strOffset;
		if (start >= strEnd) return null;
		int end = start;
		while (end < strEnd && blob[end] != 0) end++;
		if (end == strEnd) return null;
		return new String(blob, start, end - start, StandardCharsets.UTF_8);
	}

	/** The array holding string {@code off} (ours or the base's), and where it starts / ends in it. */
	private byte[] bytesOf(long off) {
		return off < strOffset ? base.bytesOf(off) : blob;
	}

	private int stringStart(long off) {
		return off < strOffset ? base.stringStart(off) : strStart + (int) (off - strOffset);
	}

	private int stringEnd(long off, int start) {
		if (off < strOffset) return base.stringEnd(off, start);
		int end = start;
		while (blob[end] != 0) end++; // the parser checked the section ends in NUL
		return end;
	}

	private String str(long off) {
		if (off == 0) return "";
		int start = stringStart(off);
		return new String(bytesOf(off), start, stringEnd(off, start) - start, StandardCharsets.UTF_8);
	}

	private boolean nameEquals(int id, byte[] name) {
		long off = LittleEndian.u32(blob, offsets[id - first]);
		byte[] b = bytesOf(off);
		int start = stringStart(off);
		if (start + name.length >= b.length || b[start + name.length] != 0) return false;
		return java.util.Arrays.equals(b, start, start + name.length, name, 0, name.length);
	}

	/** Number of type ids, {@code void} (id 0) included. */
	public int typeCount() {
		return first + offsets.length;
	}

	/** The first id this BTF defines (1, or the base's type count for split BTF). */
	int firstOwnId() {
		return first;
	}

	public BtfType type(int id) {
		if (id < 0 || id >= typeCount()) throw new IllegalArgumentException("no BTF type " + id + " in " + source);
		if (id < first) return base == null ? VOID : base.type(id);
		BtfType t = decoded[id - first];
		if (t == null) decoded[id - first] = t = decode(id);
		return t;
	}

	/** The raw kind of an own type, without decoding it. */
	private BtfKind kindOf(int id) {
		return BtfKind.of((int) ((LittleEndian.u32(blob, offsets[id - first] + 4) >>> 24) & 0x1f));
	}

	/** Type ids record {@code id} names (as unsigned values cast to int); the parser checks them against the count. */
	int[] references(int id) {
		int p = offsets[id - first];
		int vlen = (int) (LittleEndian.u32(blob, p + 4) & 0xffff);
		int ref = (int) LittleEndian.u32(blob, p + 8);
		p += 12;
		return switch (kindOf(id)) {
		case PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG, FUNC, VAR, DECL_TAG -> new int[] { ref };
		case ARRAY -> new int[] { (int) LittleEndian.u32(blob, p), (int) LittleEndian.u32(blob, p + 4) };
		case STRUCT, UNION -> {
			int[] r = new int[vlen];
			for (int i = 0; i < vlen; i++) r[i] = (int) LittleEndian.u32(blob, p + 12 * i + 4);
			yield r;
		}
		case FUNC_PROTO -> {
			int[] r = new int[vlen + 1];
			r[0] = ref;
			for (int i = 0; i < vlen; i++) r[i + 1] = (int) LittleEndian.u32(blob, p + 8 * i + 4);
			yield r;
		}
		case DATASEC -> {
			int[] r = new int[vlen];
			for (int i = 0; i < vlen; i++) r[i] = (int) LittleEndian.u32(blob, p + 12 * i);
			yield r;
		}
		default -> new int[0];
		};
	}

	/** Decodes one record (include/uapi/linux/btf.h: {@code struct btf_type} and what its kind carries after it). */
	private BtfType decode(int id) {
		int p = offsets[id - first];
		String name = str(LittleEndian.u32(blob, p));
		long info = LittleEndian.u32(blob, p + 4);
		long sizeOrType = LittleEndian.u32(blob, p + 8);
		int vlen = (int) (info & 0xffff);
		boolean kindFlag = (info & 0x80000000L) != 0;
		BtfKind kind = kindOf(id);
		int ref = (int) sizeOrType;
		p += 12;
		switch (kind) {
		case INT -> {
			long enc = LittleEndian.u32(blob, p);
			int e = (int) ((enc >>> 24) & 0xf);
			return new BtfType.Int(name, (int) sizeOrType, (int) (enc & 0xff), (int) ((enc >>> 16) & 0xff), (e & 1) != 0, (e & 2) != 0, (e & 4) != 0);
		}
		case PTR -> {
			return new BtfType.Ptr(ref);
		}
		case ARRAY -> {
			return new BtfType.Array((int) LittleEndian.u32(blob, p), (int) LittleEndian.u32(blob, p + 4), LittleEndian.u32(blob, p + 8));
		}
		case STRUCT, UNION -> {
			Member[] members = new Member[vlen];
			for (int i = 0; i < vlen; i++, p += 12) {
				long off = LittleEndian.u32(blob, p + 8);
				long bitOffset = kindFlag ? off & 0xffffff : off;
				int bitSize = kindFlag ? (int) (off >>> 24) : 0;
				members[i] = new Member(str(LittleEndian.u32(blob, p)), (int) LittleEndian.u32(blob, p + 4), bitOffset, bitSize);
			}
			return new BtfType.Composite(kind, name, sizeOrType, List.of(members));
		}
		case ENUM, ENUM64 -> {
			BtfType.Enumerator[] values = new BtfType.Enumerator[vlen];
			for (int i = 0; i < vlen; i++) {
				long v = kind == BtfKind.ENUM
						? (kindFlag ? LittleEndian.s32(blob, p + 8 * i + 4) : LittleEndian.u32(blob, p + 8 * i + 4))
						: LittleEndian.u32(blob, p + 12 * i + 4) | (LittleEndian.u32(blob, p + 12 * i + 8) << 32);
				values[i] = new BtfType.Enumerator(str(LittleEndian.u32(blob, p + (kind == BtfKind.ENUM ? 8 : 12) * i)), v);
			}
			return new BtfType.Enum(kind, name, (int) sizeOrType, kindFlag, List.of(values));
		}
		case FWD -> {
			return new BtfType.Fwd(name, kindFlag);
		}
		case TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG -> {
			return new BtfType.Modifier(kind, name, ref);
		}
		case FUNC -> {
			return new BtfType.Func(name, ref, vlen);
		}
		case FUNC_PROTO -> {
			BtfType.Param[] params = new BtfType.Param[vlen];
			for (int i = 0; i < vlen; i++, p += 8) params[i] = new BtfType.Param(str(LittleEndian.u32(blob, p)), (int) LittleEndian.u32(blob, p + 4));
			return new BtfType.FuncProto(ref, List.of(params));
		}
		case VAR -> {
			return new BtfType.Var(name, ref, (int) LittleEndian.u32(blob, p));
		}
		case DATASEC -> {
			BtfType.SectionVar[] vars = new BtfType.SectionVar[vlen];
			for (int i = 0; i < vlen; i++, p += 12) {
				vars[i] = new BtfType.SectionVar((int) LittleEndian.u32(blob, p), LittleEndian.u32(blob, p + 4), LittleEndian.u32(blob, p + 8));
			}
			return new BtfType.DataSec(name, sizeOrType, List.of(vars));
		}
		case FLOAT -> {
			return new BtfType.Float(name, (int) sizeOrType);
		}
		case DECL_TAG -> {
			return new BtfType.DeclTag(name, ref, LittleEndian.s32(blob, p));
		}
		default -> throw new IllegalStateException("BTF type " + id + ": kind " + kind + " passed the parser");
		}
	}

	/** Ids of every type with this name, in id order. */
	public List<Integer> idsNamed(String name) {
		byte[] q = name.getBytes(StandardCharsets.UTF_8);
		List<Integer> own = byName.all(NameTable.hash(q, 0, q.length), id -> nameEquals(id, q));
		if (base == null) return own;
		List<Integer> inBase = base.idsNamed(name);
		if (own.isEmpty()) return inBase;
		if (inBase.isEmpty()) return own;
		List<Integer> all = new ArrayList<>(inBase);
		all.addAll(own);
		return all;
	}

	/** The id of the first type of {@code kind} named {@code name}, or -1. Forward declarations are not structs. */
	public int find(BtfKind kind, String name) {
		for (int id : idsNamed(name)) {
			if (type(id).kind() == kind) return id;
		}
		return -1;
	}

	/** The id of {@code struct name} (or {@code union name}), or -1. */
	public int compositeId(String name) {
		int id = find(BtfKind.STRUCT, name);
		return id >= 0 ? id : find(BtfKind.UNION, name);
	}

	public Composite struct(String name) throws KernelLayoutException {
		int id = compositeId(name);
		if (id < 0) throw new KernelLayoutException("BTF has no struct " + name + " (" + source + ")");
		return (Composite) type(id);
	}

	/** Follows typedef/volatile/const/restrict/type-tag links to the underlying type's id. */
	public int resolve(int id) throws KernelLayoutException {
		int cur = id;
		for (int i = 0; i <= MAX_CHAIN; i++) {
			BtfType t = type(cur);
			if (!(t instanceof BtfType.Modifier m)) return cur;
			cur = m.target();
		}
		throw new KernelLayoutException("BTF type " + id + ": typedef/qualifier chain longer than " + MAX_CHAIN + " (loop?) in " + source);
	}

	public BtfType resolved(int id) throws KernelLayoutException {
		return type(resolve(id));
	}

	/** {@code sizeof} of a type in bytes (pointers are 8 bytes: x86-64). */
	public long sizeOf(int id) throws KernelLayoutException {
		return sizeOf(id, 0);
	}

	public long sizeOf(String struct) throws KernelLayoutException {
		return struct(struct).size();
	}

	private long sizeOf(int id, int depth) throws KernelLayoutException {
		if (depth > MAX_CHAIN) throw new KernelLayoutException("BTF type " + id + ": nesting deeper than " + MAX_CHAIN + " (loop?) in " + source);
		BtfType t = resolved(id);
		return switch (t) {
		case BtfType.Int x -> x.size();
		case BtfType.Ptr x -> 8;
		case BtfType.Composite x -> x.size();
		case BtfType.Enum x -> x.size();
		case BtfType.Float x -> x.size();
		case BtfType.DataSec x -> x.size();
		case BtfType.Array x -> {
			long e = sizeOf(x.element(), depth + 1);
			if (e != 0 && x.count() > Long.MAX_VALUE / e) throw new KernelLayoutException("BTF array type " + id + " size overflows");
			yield e * x.count();
		}
		case BtfType.Var x -> sizeOf(x.type(), depth + 1);
		default -> throw new KernelLayoutException("BTF type " + id + " (" + t.kind() + ") has no size");
		};
	}

	/**
	 * A field of {@code struct} by dotted path: each step names a member of the previous step's struct or union
	 * (anonymous structs/unions are searched as C does), with offsets accumulated.
	 */
	public Field field(String struct, String path) throws KernelLayoutException {
		return field(compositeIdOrThrow(struct), struct, path);
	}

	/** Like {@link #field(String, String)}, or null when the path does not exist. */
	public Field fieldOrNull(String struct, String path) {
		try {
			return field(struct, path);
		} catch (KernelLayoutException e) {
			return null;
		}
	}

	public boolean hasField(String struct, String path) {
		return fieldOrNull(struct, path) != null;
	}

	private int compositeIdOrThrow(String struct) throws KernelLayoutException {
		int id = compositeId(struct);
		if (id < 0) throw new KernelLayoutException("BTF has no struct " + struct + " (" + source + ")");
		return id;
	}

	public Field field(int compositeId, String what, String path) throws KernelLayoutException {
		int cur = compositeId;
		long bitOffset = 0;
		Member found = null;
		// an empty step ("", ".", "a..b") names no member: a member's name from hostile BTF may be such a path
		for (String step : path.split("\\.", -1)) {
			if (step.isEmpty()) throw new KernelLayoutException("BTF: " + what + "." + path + ": an empty member name");
			BtfType t = resolved(cur);
			if (!(t instanceof Composite c)) throw new KernelLayoutException(what + "." + path + ": '" + step + "' is not inside a struct or union");
			Field f = member(c, step, 0);
			if (f == null) throw new KernelLayoutException("BTF: struct " + what + " has no field " + path + " (" + source + ")");
			bitOffset += f.bitOffset();
			cur = f.type();
			found = new Member(step, f.type(), bitOffset, f.bitSize());
		}
		return new Field(found.bitOffset(), found.bitSize(), found.type());
	}

	/** Member {@code name} of {@code c}, searching anonymous members depth-first; offsets relative to {@code c}. */
	private Field member(Composite c, String name, int depth) throws KernelLayoutException {
		if (depth > MAX_CHAIN) throw new KernelLayoutException("BTF: anonymous members nested deeper than " + MAX_CHAIN + " (loop?) in " + source);
		for (Member m : c.members()) {
			if (m.name().equals(name)) return new Field(m.bitOffset(), m.bitSize(), m.type());
		}
		for (Member m : c.members()) {
			if (!m.name().isEmpty()) continue;
			if (resolved(m.type()) instanceof Composite inner) {
				Field f = member(inner, name, depth + 1);
				if (f != null) return new Field(m.bitOffset() + f.bitOffset(), f.bitSize(), f.type());
			}
		}
		return null;
	}

	/** The value of enumerator {@code name} in any enum (named or anonymous), or null. */
	public Long enumValue(String name) {
		if (base != null) {
			Long v = base.enumValue(name);
			if (v != null) return v;
		}
		for (int id = first; id < typeCount(); id++) {
			BtfKind k = kindOf(id);
			if ((k == BtfKind.ENUM || k == BtfKind.ENUM64) && type(id) instanceof BtfType.Enum e) {
				Long v = e.valueOf(name);
				if (v != null) return v;
			}
		}
		return null;
	}

	/** {@code enum name} (ENUM or ENUM64), or null. */
	public BtfType.Enum enumType(String name) {
		for (int id : idsNamed(name)) {
			if (type(id) instanceof BtfType.Enum e) return e;
		}
		return null;
	}

	/**
	 * A located field: {@code bitOffset} from the start of the outermost struct, {@code bitSize} 0 unless a
	 * bitfield, {@code type} the member's declared type id.
	 */
	public record Field(long bitOffset, int bitSize, int type) {
		/** Byte offset (the containing byte for a bitfield). */
		public long offset() {
			return bitOffset >>> 3;
		}

		public boolean isBitfield() {
			return bitSize != 0;
		}
	}
}
