package cacheshadow.kernel;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
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
		this.addresses = Collections.unmodifiableMap(new HashMap<>(addresses));
		this.types = Collections.unmodifiableMap(new HashMap<>(types));
		this.runtime = runtime;
		this.source = source;
	}

	/** System.map: link-time addresses. */
	public static SymbolTable readSystemMap(Path file) throws IOException {
		return parse(Files.readString(file, StandardCharsets.ISO_8859_1), false, file.toString());
	}

	/** A {@code /proc/kallsyms} capture (as root, so addresses are not zeroed): run-time addresses. */
	public static SymbolTable readKallsyms(Path file) throws IOException {
		return parse(Files.readString(file, StandardCharsets.ISO_8859_1), true, file.toString());
	}

	/**
	 * {@code ADDRESS TYPE NAME [\[module\]]} lines. Module symbols are skipped (they are not in the kernel image);
	 * where a name repeats (static functions), the first one wins. Malformed lines are an error, not skipped: a
	 * file that is not a symbol list should not pass as an empty one.
	 */
	public static SymbolTable parse(String text, boolean runtime, String source) throws IOException {
		Map<String, Long> a = new HashMap<>();
		Map<String, Character> t = new HashMap<>();
		try (BufferedReader r = new BufferedReader(new StringReader(text))) {
			String l;
			int n = 0;
			while ((l = r.readLine()) != null) {
				n++;
				if (l.isBlank()) continue;
				String[] c = l.trim().split("\\s+");
				if (c.length < 3 || c[1].length() != 1) throw new KernelLayoutException(source + ":" + n + ": not a symbol line");
				if (c.length > 3 && c[3].startsWith("[")) continue;
				long addr;
				try {
					addr = Long.parseUnsignedLong(c[0], 16);
				} catch (NumberFormatException e) {
					throw new KernelLayoutException(source + ":" + n + ": bad address " + c[0]);
				}
				if (a.putIfAbsent(c[2], addr) == null) t.put(c[2], c[1].charAt(0));
			}
		}
		if (a.isEmpty()) throw new KernelLayoutException(source + ": no symbols");
		return new SymbolTable(a, t, runtime, source);
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
