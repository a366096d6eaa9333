package cacheshadow.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a raw BTF blob (include/uapi/linux/btf.h, little-endian) for kernels no sample exists of: ints, pointers,
 * arrays, structs/unions with members at byte offsets, enums, typedefs. Ids are handed out in call order; a type
 * can name one defined later ({@link #reserve()} then {@link #struct(int, String, int, Member...)}), as pahole's
 * output does for self-referencing structs.
 */
final class BtfWriter {
	private static final int INT = 1, PTR = 2, ARRAY = 3, STRUCT = 4, UNION = 5, ENUM = 6, TYPEDEF = 8;

	record Member(String name, int type, int byteOffset) {
	}

	static Member m(String name, int type, int byteOffset) {
		return new Member(name, type, byteOffset);
	}

	private final List<byte[]> types = new ArrayList<>();
	private final ByteArrayOutputStream strings = new ByteArrayOutputStream();
	private final Map<String, Integer> stringOffsets = new HashMap<>();
	private int arrayIndex;

	BtfWriter() {
		strings.write(0); // offset 0 is the empty string
		stringOffsets.put("", 0);
		types.add(null); // id 0 is void
	}

	private int str(String s) {
		return stringOffsets.computeIfAbsent(s, k -> {
			int off = strings.size();
			strings.writeBytes(k.getBytes(StandardCharsets.UTF_8));
			strings.write(0);
			return off;
		});
	}

	private static void u32(ByteArrayOutputStream o, long v) {
		o.write((int) v);
		o.write((int) (v >>> 8));
		o.write((int) (v >>> 16));
		o.write((int) (v >>> 24));
	}

	private ByteArrayOutputStream header(String name, int kind, int vlen, boolean kindFlag, long sizeOrType) {
		ByteArrayOutputStream o = new ByteArrayOutputStream();
		u32(o, str(name));
		u32(o, (long) kind << 24 | vlen | (kindFlag ? 1L << 31 : 0));
		u32(o, sizeOrType);
		return o;
	}

	private int add(ByteArrayOutputStream o) {
		types.add(o.toByteArray());
		return types.size() - 1;
	}

	/** An id to define later with {@link #struct(int, String, int, Member...)}. */
	int reserve() {
		types.add(null);
		return types.size() - 1;
	}

	int integer(String name, int size, boolean signed) {
		ByteArrayOutputStream o = header(name, INT, 0, false, size);
		u32(o, (signed ? 1L : 0) << 24 | size * 8L);
		return add(o);
	}

	int ptr(int target) {
		return add(header("", PTR, 0, false, target));
	}

	int array(int element, int count) {
		if (arrayIndex == 0) arrayIndex = integer("__ARRAY_SIZE_TYPE__", 4, false);
		ByteArrayOutputStream o = header("", ARRAY, 0, false, 0);
		u32(o, element);
		u32(o, arrayIndex);
		u32(o, count);
		return add(o);
	}

	int typedef(String name, int target) {
		return add(header(name, TYPEDEF, 0, false, target));
	}

	int struct(String name, int size, Member... members) {
		return composite(STRUCT, name, size, members);
	}

	int union(String name, int size, Member... members) {
		return composite(UNION, name, size, members);
	}

	/** Defines the reserved id {@code id} as a struct. */
	int struct(int id, String name, int size, Member... members) {
		types.set(id, compositeBytes(STRUCT, name, size, members));
		return id;
	}

	private int composite(int kind, String name, int size, Member... members) {
		types.add(compositeBytes(kind, name, size, members));
		return types.size() - 1;
	}

	private byte[] compositeBytes(int kind, String name, int size, Member... members) {
		ByteArrayOutputStream o = header(name, kind, members.length, false, size);
		for (Member mb : members) {
			u32(o, str(mb.name()));
			u32(o, mb.type());
			u32(o, mb.byteOffset() * 8L);
		}
		return o.toByteArray();
	}

	/** A 4-byte enum of {@code names[i] = values[i]}. */
	int enumeration(String name, String[] names, long[] values) {
		ByteArrayOutputStream o = header(name, ENUM, names.length, false, 4);
		for (int i = 0; i < names.length; i++) {
			u32(o, str(names[i]));
			u32(o, values[i]);
		}
		return add(o);
	}

	byte[] bytes() {
		ByteArrayOutputStream typeSection = new ByteArrayOutputStream();
		for (int id = 1; id < types.size(); id++) {
			if (types.get(id) == null) throw new IllegalStateException("BTF type " + id + " reserved, never defined");
			typeSection.writeBytes(types.get(id));
		}
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		out.write(0x9f);
		out.write(0xeb); // BTF_MAGIC 0xeB9F
		out.write(1); // version
		out.write(0); // flags
		u32(out, 24); // hdr_len
		u32(out, 0); // type_off
		u32(out, typeSection.size());
		u32(out, typeSection.size()); // str_off
		u32(out, strings.size());
		out.writeBytes(typeSection.toByteArray());
		out.writeBytes(strings.toByteArray());
		return out.toByteArray();
	}
}
