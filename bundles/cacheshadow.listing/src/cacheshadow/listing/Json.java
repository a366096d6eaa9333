package cacheshadow.listing;

import java.util.Collection;
import java.util.Map;

/**
 * Minimal JSON text for machine-readable summaries (maps, collections, strings, numbers, booleans): CLI, reports.
 * Guest paths appear as their {@link GuestName} text form (a JSON string whose value is exactly the manifest's path
 * column); control and formatting characters of any other text are written as {@code \\uXXXX}.
 */
public final class Json {
	private Json() {
	}

	public static String of(Object v) {
		StringBuilder sb = new StringBuilder();
		write(sb, v, 0);
		return sb.toString();
	}

	private static void write(StringBuilder sb, Object v, int indent) {
		if (v == null) {
			sb.append("null");
		} else if (v instanceof String s) {
			quote(sb, s);
		} else if (v instanceof Number || v instanceof Boolean) {
			sb.append(v);
		} else if (v instanceof Map<?, ?> m) {
			sb.append('{');
			boolean first = true;
			for (Map.Entry<?, ?> e : m.entrySet()) {
				sb.append(first ? "\n" : ",\n").append("  ".repeat(indent + 1));
				first = false;
				quote(sb, String.valueOf(e.getKey()));
				sb.append(": ");
				write(sb, e.getValue(), indent + 1);
			}
			if (!first) sb.append('\n').append("  ".repeat(indent));
			sb.append('}');
		} else if (v instanceof Collection<?> c) {
			sb.append('[');
			boolean first = true;
			for (Object o : c) {
				sb.append(first ? "\n" : ",\n").append("  ".repeat(indent + 1));
				first = false;
				write(sb, o, indent + 1);
			}
			if (!first) sb.append('\n').append("  ".repeat(indent));
			sb.append(']');
		} else {
			quote(sb, v.toString());
		}
	}

	/** {@code s} as a JSON string literal. */
	public static String quote(String s) {
		StringBuilder sb = new StringBuilder(s.length() + 2);
		quote(sb, s);
		return sb.toString();
	}

	private static void quote(StringBuilder sb, String s) {
		sb.append('"');
		for (int i = 0; i < s.length(); i++) {
			char c = s.charAt(i);
			switch (c) {
			case '"' -> sb.append("\\\"");
			case '\\' -> sb.append("\\\\");
			case '\n' -> sb.append("\\n");
			case '\r' -> sb.append("\\r");
			case '\t' -> sb.append("\\t");
			default -> {
				// controls (C0, DEL, C1), invisible formatting and line separators, unpaired surrogates: \\uXXXX, so a
				// document printed to a terminal cannot carry an escape sequence or a bidirectional override
				if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0xa0 && !GuestName.printable(c) && !Character.isSurrogate(c))
						|| (Character.isHighSurrogate(c) && !(i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))))
						|| (Character.isLowSurrogate(c) && !(i > 0 && Character.isHighSurrogate(s.charAt(i - 1))))) {
					sb.append(String.format("\\u%04x", (int) c));
				} else {
					sb.append(c);
				}
			}
			}
		}
		sb.append('"');
	}
}
