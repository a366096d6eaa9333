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
	/** A parsed symbol list (System.map, kallsyms capture), or null when built from maps. */
	private final SymbolListIndex list;
	private final Map<String, Long> addresses;
	private final Map<String, Character> types;
	private final boolean runtime;
	private final String source;
	/** {@link #all()} of a parsed list, built on first request. */
	private volatile Map<String, Long> allOfList;

	public SymbolTable(Map<String, Long> addresses, Map<String, Character> types, boolean runtime, String source) {
		this(new HashMap<>(addresses), new HashMap<>(types), runtime, source, true);
	}

	/** Takes the maps as they are (built here or by a scanner, never shared): no copy of ~100,000 entries. */
	private SymbolTable(HashMap<String, Long> addresses, HashMap<String, Character> types, boolean runtime, String source, boolean owned) {
		this.list = null;
		this.addresses = Collections.unmodifiableMap(addresses);
		this.types = Collections.unmodifiableMap(types);
		this.runtime = runtime;
		this.source = source;
	}

	private SymbolTable(SymbolListIndex list, boolean runtime, String source) {
		this.list = list;
		this.addresses = null;
		this.types = null;
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
	 * {@code ADDRESS TYPE NAME [\[module\]]} lines, validated and indexed in one pass ({@link SymbolListIndex}):
	 * module symbols skipped, the first of a repeated name wins, a malformed line is an error.
	 */
	public static SymbolTable parse(byte[] text, boolean runtime, String source) throws IOException {
		return new SymbolTable(new SymbolListIndex(text, source), runtime, source);
	}

	public boolean isRuntime() {
		return runtime;
	}

	public String source() {
		return source;
	}

	public int size() {
		return list != null ? list.size() : addresses.size();
	}

	public boolean contains(String name) {
		return list != null ? list.contains(name) : addresses.containsKey(name);
	}

	/** The address as the source states it. */
	public long address(String name) throws KernelLayoutException {
		Long a = addressOrNull(name);
		if (a == null) throw new KernelLayoutException("no symbol " + name + " in " + source);
		return a;
	}

	public Long addressOrNull(String name) {
		return list != null ? list.address(name) : addresses.get(name);
	}

	public Character type(String name) {
		return list != null ? list.type(name) : types.get(name);
	}

	public Map<String, Long> all() {
		if (list == null) return addresses;
		Map<String, Long> m = allOfList;
		if (m == null) allOfList = m = Collections.unmodifiableMap(list.all());
		return m;
	}
}
