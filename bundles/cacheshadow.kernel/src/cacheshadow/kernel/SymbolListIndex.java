package cacheshadow.kernel;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A System.map or kallsyms capture ({@code ADDRESS TYPE NAME [\[module\]]} lines), validated in one pass over its
 * bytes and indexed by a hash of each name: no String or boxed address per line (~100,000 of them, most never
 * asked for). A lookup re-reads its line. Module symbols are skipped (not in the kernel image); where a name
 * repeats (static functions) the first one wins. Malformed lines are an error, not skipped: a file that is not a
 * symbol list must not pass as an empty one.
 */
final class SymbolListIndex {
	private final byte[] text;
	/** Offset of each symbol's name in {@code text}. */
	private final NameTable names;
	private final int size;

	SymbolListIndex(byte[] text, String source) throws KernelLayoutException {
		this.text = text;
		int lines = 0;
		for (byte c : text) if (c == '\n') lines++;
		names = new NameTable(lines + 1);
		int line = 0, i = 0, len = text.length, distinct = 0;
		int[] from = new int[4], to = new int[4]; // address, type, name, module: where each field starts and ends
		while (i < len) {
			line++;
			int eol = i;
			while (eol < len && text[eol] != '\n') eol++;
			int fields = 0;
			for (int p = skipBlanks(i, eol); p < eol && fields < 4; p = skipBlanks(p, eol), fields++) {
				from[fields] = p;
				p = to[fields] = skipWord(p, eol);
			}
			i = eol + 1;
			if (fields == 0) continue;
			if (fields < 3 || to[1] - from[1] != 1) throw new KernelLayoutException(source + ":" + line + ": not a symbol line");
			if (fields == 4 && text[from[3]] == '[') continue; // a module's symbol
			if (to[0] - from[0] > 16 || !isHex(from[0], to[0])) {
				throw new KernelLayoutException(source + ":" + line + ": bad address " + new String(text, from[0], to[0] - from[0], StandardCharsets.ISO_8859_1));
			}
			if (insert(from[2], to[2])) distinct++;
		}
		if (distinct == 0) throw new KernelLayoutException(source + ": no symbols");
		this.size = distinct;
	}

	private int skipBlanks(int p, int eol) {
		while (p < eol && isBlank(text[p])) p++;
		return p;
	}

	private int skipWord(int p, int eol) {
		while (p < eol && !isBlank(text[p]) && text[p] != '\n') p++;
		return p;
	}

	private static boolean isBlank(byte b) {
		return b == ' ' || b == '\t' || b == '\r' || b == 0x0b || b == '\f';
	}

	private boolean isHex(int from, int to) {
		if (from == to) return false;
		for (int i = from; i < to; i++) if (HEX[text[i] & 0xff] < 0) return false;
		return true;
	}

	/** Value of each byte as a hex digit, -1 when it is none. */
	private static final byte[] HEX = new byte[256];
	static {
		java.util.Arrays.fill(HEX, (byte) -1);
		for (int c = 0; c < 256; c++) if (Character.digit(c, 16) >= 0) HEX[c] = (byte) Character.digit(c, 16);
	}

	/** False when the name is already there (the first one wins). */
	private boolean insert(int name, int end) {
		int h = NameTable.hash(text, name, end);
		if (names.first(h, at -> sameName(at, text, name, end)) >= 0) return false;
		names.add(name, h);
		return true;
	}

	/** Whether the name at {@code at} is {@code other[from, to)} and ends there. */
	private boolean sameName(int at, byte[] other, int from, int to) {
		int end = at + to - from;
		if (end > text.length || (end < text.length && !isBlank(text[end]) && text[end] != '\n')) return false;
		return java.util.Arrays.equals(text, at, end, other, from, to);
	}

	/** Offset of the line's name, or -1. */
	private int find(String name) {
		byte[] q = name.getBytes(StandardCharsets.ISO_8859_1);
		return names.first(NameTable.hash(q, 0, q.length), at -> sameName(at, q, 0, q.length));
	}

	int size() {
		return size;
	}

	boolean contains(String name) {
		return find(name) >= 0;
	}

	Long address(String name) {
		int at = find(name);
		return at < 0 ? null : addressOfLine(at);
	}

	Character type(String name) {
		int at = find(name);
		return at < 0 ? null : (char) (text[typeAt(at)] & 0xff);
	}

	/** The line's address, read back from the start of the line holding the name at {@code at}. */
	private long addressOfLine(int at) {
		int p = lineStart(at);
		p = skipBlanks(p, at);
		long v = 0;
		for (; p < at && !isBlank(text[p]); p++) v = (v << 4) | HEX[text[p] & 0xff];
		return v;
	}

	private int typeAt(int at) {
		int p = at - 1;
		while (isBlank(text[p])) p--;
		return p;
	}

	private int lineStart(int at) {
		int p = at;
		while (p > 0 && text[p - 1] != '\n') p--;
		return p;
	}

	/** Every symbol as a map, for the few callers that want them all. */
	Map<String, Long> all() {
		HashMap<String, Long> m = HashMap.newHashMap(size);
		names.forEach(at -> m.put(nameAt(at), addressOfLine(at)));
		return m;
	}

	private String nameAt(int at) {
		return new String(text, at, skipWord(at, text.length) - at, StandardCharsets.ISO_8859_1);
	}
}
