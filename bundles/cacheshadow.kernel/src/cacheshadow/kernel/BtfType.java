package cacheshadow.kernel;

import java.util.List;

/**
 * One decoded BTF type record. Type ids refer into the same {@link Btf}; id 0 is {@code void}. The variants follow
 * the record layouts of include/uapi/linux/btf.h: what a kind carries after the common {@code struct btf_type}.
 */
public sealed interface BtfType {
	BtfKind kind();

	/** The type's name ("" when anonymous). */
	String name();

	/** {@code BTF_KIND_INT}: {@code bits} wide, {@code bitOffset} inside {@code size} bytes; encoding flags. */
	record Int(String name, int size, int bits, int bitOffset, boolean signed, boolean isChar, boolean isBool)
			implements BtfType {
		@Override
		public BtfKind kind() {
			return BtfKind.INT;
		}
	}

	record Ptr(int target) implements BtfType {
		@Override
		public BtfKind kind() {
			return BtfKind.PTR;
		}

		@Override
		public String name() {
			return "";
		}
	}

	record Array(int element, int indexType, long count) implements BtfType {
		@Override
		public BtfKind kind() {
			return BtfKind.ARRAY;
		}

		@Override
		public String name() {
			return "";
		}
	}

	/**
	 * A struct or union member. {@code bitOffset} is from the start of the enclosing composite; {@code bitSize} is
	 * 0 for a member that is not a bitfield.
	 */
	record Member(String name, int type, long bitOffset, int bitSize) {
		public boolean isBitfield() {
			return bitSize != 0;
		}
	}

	/** {@code BTF_KIND_STRUCT} or {@code BTF_KIND_UNION}. */
	record Composite(BtfKind kind, String name, long size, List<Member> members) implements BtfType {
		public boolean isUnion() {
			return kind == BtfKind.UNION;
		}
	}

	record Enumerator(String name, long value) {
	}

	/** {@code BTF_KIND_ENUM} (32-bit values) or {@code BTF_KIND_ENUM64}. */
	record Enum(BtfKind kind, String name, int size, boolean signed, List<Enumerator> values) implements BtfType {
		public Long valueOf(String enumerator) {
			for (Enumerator e : values) {
				if (e.name().equals(enumerator)) return e.value();
			}
			return null;
		}
	}

	/** A forward declaration of a struct ({@code union == false}) or union. */
	record Fwd(String name, boolean union) implements BtfType {
		@Override
		public BtfKind kind() {
			return BtfKind.FWD;
		}
	}

	/** typedef, volatile, const, restrict or type tag: another name or qualifier for {@code target}. */
	record Modifier(BtfKind kind, String name, int target) implements BtfType {
	}

	record Func(String name, int proto, int linkage) implements BtfType {
		@Override
		public BtfKind kind() {
			return BtfKind.FUNC;
		}
	}

	record Param(String name, int type) {
	}

	record FuncProto(int returnType, List<Param> params) implements BtfType {
		@Override
		public BtfKind kind() {
			return BtfKind.FUNC_PROTO;
		}

		@Override
		public String name() {
			return "";
		}
	}

	record Var(String name, int type, int linkage) implements BtfType {
		@Override
		public BtfKind kind() {
			return BtfKind.VAR;
		}
	}

	record SectionVar(int type, long offset, long size) {
	}

	record DataSec(String name, long size, List<SectionVar> vars) implements BtfType {
		@Override
		public BtfKind kind() {
			return BtfKind.DATASEC;
		}
	}

	record Float(String name, int size) implements BtfType {
		@Override
		public BtfKind kind() {
			return BtfKind.FLOAT;
		}
	}

	/** {@code componentIndex} -1 tags the type itself, otherwise a member or parameter of it. */
	record DeclTag(String name, int target, int componentIndex) implements BtfType {
		@Override
		public BtfKind kind() {
			return BtfKind.DECL_TAG;
		}
	}

	/** Type id 0. */
	record Void() implements BtfType {
		@Override
		public BtfKind kind() {
			return BtfKind.VOID;
		}

		@Override
		public String name() {
			return "void";
		}
	}
}
