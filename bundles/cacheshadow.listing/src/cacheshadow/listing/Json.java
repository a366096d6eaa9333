package cacheshadow.listing;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Minimal JSON text for machine-readable summaries (maps, collections, strings, numbers, booleans): CLI, reports.
 * Guest paths appear as their {@link GuestName} text form (a JSON string whose value is exactly the manifest's path
 * column); control and formatting characters of any other text are written as {@code \\uXXXX}. {@link #parse} reads
 * the replies of other programs (QEMU's QMP).
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

	/** Nesting deeper than this is refused, so no text can exhaust the stack. */
	private static final int MAX_DEPTH = 64;

	/**
	 * One JSON document (RFC 8259) as Java values: an object is a {@code Map<String, Object>} in document order, an
	 * array a {@code List<Object>}, a number a {@code Long} when it is integral and fits, else a {@code Double};
	 * strings, booleans and null as themselves. Anything else (trailing text, bad escapes, nesting deeper than 64)
	 * is an {@link IllegalArgumentException} saying where.
	 */
	public static Object parse(String text) {
		Reader r = new Reader(text);
		r.space();
		Object v = r.value(0);
		r.space();
		if (r.at < text.length()) throw r.error("text after the document");
		return v;
	}

	private static final class Reader {
		private final String s;
		private int at;

		Reader(String s) {
			this.s = s;
		}

		IllegalArgumentException error(String what) {
			return new IllegalArgumentException("JSON at offset " + at + ": " + what);
		}

		void space() {
			while (at < s.length() && (s.charAt(at) == ' ' || s.charAt(at) == '\t' || s.charAt(at) == '\n' || s.charAt(at) == '\r')) at++;
		}

		void expect(char c) {
			if (at >= s.length() || s.charAt(at) != c) throw error("expected '" + c + "'");
			at++;
		}

		Object value(int depth) {
			if (depth > MAX_DEPTH) throw error("nested deeper than " + MAX_DEPTH);
			if (at >= s.length()) throw error("unexpected end");
			char c = s.charAt(at);
			switch (c) {
			case '{' -> {
				at++;
				Map<String, Object> m = new LinkedHashMap<>();
				space();
				if (at < s.length() && s.charAt(at) == '}') {
					at++;
					return m;
				}
				while (true) {
					space();
					String k = string();
					space();
					expect(':');
					space();
					m.put(k, value(depth + 1));
					space();
					if (at < s.length() && s.charAt(at) == ',') {
						at++;
						continue;
					}
					expect('}');
					return m;
				}
			}
			case '[' -> {
				at++;
				List<Object> l = new ArrayList<>();
				space();
				if (at < s.length() && s.charAt(at) == ']') {
					at++;
					return l;
				}
				while (true) {
					space();
					l.add(value(depth + 1));
					space();
					if (at < s.length() && s.charAt(at) == ',') {
						at++;
						continue;
					}
					expect(']');
					return l;
				}
			}
			case '"' -> {
				return string();
			}
			default -> {
				if (s.startsWith("true", at)) {
					at += 4;
					return Boolean.TRUE;
				}
				if (s.startsWith("false", at)) {
					at += 5;
					return Boolean.FALSE;
				}
				if (s.startsWith("null", at)) {
					at += 4;
					return null;
				}
				return number();
			}
			}
		}

		String string() {
			expect('"');
			StringBuilder b = new StringBuilder();
			while (true) {
				if (at >= s.length()) throw error("unterminated string");
				char c = s.charAt(at++);
				if (c == '"') return b.toString();
				if (c < 0x20) throw error("control character in a string");
				if (c != '\\') {
					b.append(c);
					continue;
				}
				if (at >= s.length()) throw error("unterminated escape");
				char e = s.charAt(at++);
				switch (e) {
				case '"', '\\', '/' -> b.append(e);
				case 'b' -> b.append('\b');
				case 'f' -> b.append('\f');
				case 'n' -> b.append('\n');
				case 'r' -> b.append('\r');
				case 't' -> b.append('\t');
				case 'u' -> {
					if (at + 4 > s.length()) throw error("truncated \\u escape");
					int u = 0;
					for (int k = 0; k < 4; k++) {
						int h = Character.digit(s.charAt(at + k), 16);
						if (h < 0 || s.charAt(at + k) > 'f') throw error("bad \\u escape");
						u = u << 4 | h;
					}
					b.append((char) u);
					at += 4;
				}
				default -> throw error("bad escape \\" + e);
				}
			}
		}

		private static boolean digit(char c) {
			return c >= '0' && c <= '9';
		}

		Object number() {
			int start = at;
			if (at < s.length() && s.charAt(at) == '-') at++;
			int digits = at;
			while (at < s.length() && digit(s.charAt(at))) at++;
			if (at == digits) throw error("expected a value");
			boolean integral = true;
			if (at < s.length() && s.charAt(at) == '.') {
				integral = false;
				at++;
				int f = at;
				while (at < s.length() && digit(s.charAt(at))) at++;
				if (at == f) throw error("expected digits after '.'");
			}
			if (at < s.length() && (s.charAt(at) == 'e' || s.charAt(at) == 'E')) {
				integral = false;
				at++;
				if (at < s.length() && (s.charAt(at) == '+' || s.charAt(at) == '-')) at++;
				int x = at;
				while (at < s.length() && digit(s.charAt(at))) at++;
				if (at == x) throw error("expected exponent digits");
			}
			String t = s.substring(start, at);
			if (integral) {
				try {
					return Long.parseLong(t);
				} catch (NumberFormatException tooLong) {
					// past the range of a long: as a double, like any other number
				}
			}
			return Double.parseDouble(t);
		}
	}
}
