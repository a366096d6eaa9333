package cacheshadow.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * Kernel symbol addresses by name, as a System.map, a {@code /proc/kallsyms} capture or the kernel's in-memory
 * kallsyms tables give them. Addresses are as the source states them: a System.map holds link-time addresses
 * (add the KASLR virtual shift), kallsyms holds run-time ones ({@link #isRuntime()}).
 */
public final class SymbolTable {
	private final Map<String, Long> addresses;
	private final Map<String, Character> types;
	private final boolean runtime;
	private final String source;

	public SymbolTable(Map<String, Long> addresses, Map<String, Character> types, boolean runtime, String source) {
		this(new HashMap<>(addresses), new HashMap<>(types), runtime, source, true);
	}

	/** Takes the maps as they are (built here or by a scanner, never shared): no copy of ~100,000 entries. */
	private SymbolTable(HashMap<String, Long> addresses, HashMap<String, Character> types, boolean runtime, String source, boolean owned) {
		this.addresses = Collections.unmodifiableMap(addresses);
		this.types = Collections.unmodifiableMap(types);
		this.runtime = runtime;
		this.source = source;
	}

	/** A table over maps the caller built for it and hands over. */
	static SymbolTable of(HashMap<String, Long> addresses, HashMap<String, Character> types, boolean runtime, String source) {
		return new SymbolTable(addresses, types, runtime, source, true);
	}

	/** System.map: link-time addresses. */
	public static SymbolTable readSystemMap(Path file) throws IOException {
		return parse(Files.readAllBytes(file), false, file.toString());
	}

	/** A {@code /proc/kallsyms} capture (as root, so addresses are not zeroed): run-time addresses. */
	public static SymbolTable readKallsyms(Path file) throws IOException {
		return parse(Files.readAllBytes(file), true, file.toString());
	}

	public static SymbolTable parse(String text, boolean runtime, String source) throws IOException {
		return parse(text.getBytes(StandardCharsets.ISO_8859_1), runtime, source);
	}

	/**
	 * {@code ADDRESS TYPE NAME [\[module\]]} lines. Module symbols are skipped (they are not in the kernel image);
	 * where a name repeats (static functions), the first one wins. Malformed lines are an error, not skipped: a
	 * file that is not a symbol list should not pass as an empty one. Scans bytes by hand: a System.map has
	 * ~100,000 lines and a regex split per line cost most of the time of loading kernel files.
	 */
	public static SymbolTable parse(byte[] text, boolean runtime, String source) throws IOException {
		HashMap<String, Long> a = new HashMap<>(1 << 17);
		HashMap<String, Character> t = new HashMap<>(1 << 17);
		int n = 0, i = 0, len = text.length;
		String[] field = new String[4];
		while (i < len) {
			n++;
			int eol = i;
			while (eol < len && text[eol] != '\n') eol++;
			int fields = 0, p = i;
			while (fields < 4) {
				while (p < eol && isBlank(text[p])) p++;
				if (p >= eol) break;
				int q = p;
				while (q < eol && !isBlank(text[q])) q++;
				field[fields++] = new String(text, p, q - p, StandardCharsets.ISO_8859_1);
				p = q;
			}
			i = eol + 1;
			if (fields == 0) continue;
			if (fields < 3 || field[1].length() != 1) throw new KernelLayoutException(source + ":" + n + ": not a symbol line");
			if (fields > 3 && field[3].startsWith("[")) continue;
			long addr;
			try {
				addr = Long.parseUnsignedLong(field[0], 16);
			} catch (NumberFormatException e) {
				throw new KernelLayoutException(source + ":" + n + ": bad address " + field[0]);
			}
			if (a.putIfAbsent(field[2], addr) == null) t.put(field[2], field[1].charAt(0));
		}
		if (a.isEmpty()) throw new KernelLayoutException(source + ": no symbols");
		return of(a, t, runtime, source);
	}

	private static boolean isBlank(byte b) {
		return b == ' ' || b == '\t' || b == '\r' || b == 0x0b || b == '\f';
	}

	public boolean isRuntime() {
		return runtime;
	}

	public String source() {
		return source;
	}

	public int size() {
		return addresses.size();
	}

	public boolean contains(String name) {
		return addresses.containsKey(name);
	}

	/** The address as the source states it. */
	public long address(String name) throws KernelLayoutException {
		Long a = addresses.get(name);
		if (a == null) throw new KernelLayoutException("no symbol " + name + " in " + source);
		return a;
	}

	public Long addressOrNull(String name) {
		return addresses.get(name);
	}

	public Character type(String name) {
		return types.get(name);
	}

	public Map<String, Long> all() {
		return addresses;
	}
}
