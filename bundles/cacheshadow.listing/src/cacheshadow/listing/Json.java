package cacheshadow.listing;

import java.util.Collection;
import java.util.Map;

/** Minimal JSON text for machine-readable summaries (maps, collections, strings, numbers, booleans): CLI, reports. */
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
				if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
				else sb.append(c);
			}
			}
		}
		sb.append('"');
	}
}
