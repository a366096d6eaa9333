package cacheshadow.kernel;

/** The kinds of a BTF type record ({@code BTF_KIND_*} of include/uapi/linux/btf.h), by their numeric value. */
public enum BtfKind {
	VOID, INT, PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FUNC_PROTO, VAR,
	DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64;

	private static final BtfKind[] BY_VALUE = values();

	/** The kind for {@code value}, or null when the value names no kind this parser knows. */
	public static BtfKind of(int value) {
		return value > 0 && value < BY_VALUE.length ? BY_VALUE[value] : null;
	}

	/** Kinds that only qualify or rename another type: resolving a field's type looks through them. */
	public boolean isModifier() {
		return this == TYPEDEF || this == VOLATILE || this == CONST || this == RESTRICT || this == TYPE_TAG;
	}
}
