package cacheshadow.kernel;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import cacheshadow.kernel.BtfType.Composite;
import cacheshadow.kernel.BtfType.Member;

/**
 * A kernel's types as its BTF describes them: the only source of structure layouts in this project. Lookups by
 * name, sizes, and field offsets by dotted path ({@code "d_name.name"}), looking through typedef/const chains and
 * into anonymous structs and unions as C does. Immutable and safe for concurrent readers.
 */
public final class Btf {
	/** Longest typedef/qualifier chain or nesting followed before calling it a loop. */
	private static final int MAX_CHAIN = 64;

	private final List<BtfType> types;
	private final String source;
	private final Map<String, List<Integer>> byName;

	/** This BTF's own string section; offsets below {@code strOffset} belong to {@code base}. */
	private final byte[] strings;
	private final int strOffset;
	private final Btf base;

	Btf(List<BtfType> types, String source, byte[] strings, int strOffset, Btf base) {
		this.types = List.copyOf(types);
		this.source = source;
		this.strings = strings;
		this.strOffset = strOffset;
		this.base = base;
		this.byName = new HashMap<>(Math.max(16, types.size())); // sized once: ~100,000 named types in a vmlinux BTF
		// A split BTF indexes only its own types; base names are looked up in the base.
		for (int id = base == null ? 1 : base.typeCount(); id < this.types.size(); id++) {
			String n = this.types.get(id).name();
			if (!n.isEmpty()) byName.computeIfAbsent(n, k -> new ArrayList<>(1)).add(id);
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
		return strOffset + strings.length;
	}

	/** The string starting at {@code offset} of the string section (base strings included), or null. */
	String string(int offset) {
		if (offset < strOffset) return base == null ? null : base.string(offset);
		int start = offset - strOffset;
		if (start >= strings.length) return null;
		int end = start;
		while (end < strings.length && strings[end] != 0) end++;
		if (end == strings.length) return null;
		return new String(strings, start, end - start, java.nio.charset.StandardCharsets.UTF_8);
	}

	/** Number of type ids, {@code void} (id 0) included. */
	public int typeCount() {
		return types.size();
	}

	public BtfType type(int id) {
		if (id < 0 || id >= types.size()) throw new IllegalArgumentException("no BTF type " + id + " in " + source);
		return types.get(id);
	}

	/** Ids of every type with this name, in id order. */
	public List<Integer> idsNamed(String name) {
		List<Integer> own = byName.getOrDefault(name, List.of());
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
			if (types.get(id).kind() == kind) return id;
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
		return (Composite) types.get(id);
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
		for (String step : path.split("\\.")) {
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
		for (BtfType t : types) {
			if (t instanceof BtfType.Enum e) {
				Long v = e.valueOf(name);
				if (v != null) return v;
			}
		}
		return null;
	}

	/** {@code enum name} (ENUM or ENUM64), or null. */
	public BtfType.Enum enumType(String name) {
		for (int id : idsNamed(name)) {
			if (types.get(id) instanceof BtfType.Enum e) return e;
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
