package cacheshadow.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A subcommand's arguments: {@code --option value}, {@code --flag}, and positionals. Each command declares its
 * options and flags, so a misspelt option is a usage error rather than silently ignored.
 */
public final class Args {
	private final Map<String, String> options = new HashMap<>();
	private final Set<String> flags = new HashSet<>();
	private final List<String> positionals = new ArrayList<>();
	private final Map<String, List<String>> repeated = new HashMap<>();

	public Args(List<String> argv, Set<String> knownOptions, Set<String> knownFlags) throws UsageException {
		this(argv, knownOptions, Set.of(), knownFlags);
	}

	/** {@code repeatable} options may be given several times ({@code --journal A --journal B}); {@link #all} lists them. */
	public Args(List<String> argv, Set<String> knownOptions, Set<String> repeatable, Set<String> knownFlags) throws UsageException {
		for (int i = 0; i < argv.size(); i++) {
			String a = argv.get(i);
			if (a.startsWith("--") && a.length() > 2) {
				String name = a.substring(2);
				String value = null;
				int eq = name.indexOf('=');
				if (eq >= 0) {
					value = name.substring(eq + 1);
					name = name.substring(0, eq);
				}
				if (knownFlags.contains(name) && value == null) {
					flags.add(name);
				} else if (knownOptions.contains(name) || repeatable.contains(name)) {
					if (value == null) {
						if (i + 1 >= argv.size()) throw new UsageException("--" + name + " needs a value");
						value = argv.get(++i);
					}
					if (repeatable.contains(name)) repeated.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
					else if (options.put(name, value) != null) throw new UsageException("--" + name + " given twice");
				} else {
					throw new UsageException("unknown option --" + name);
				}
			} else {
				positionals.add(a);
			}
		}
	}

	public String option(String name) {
		return options.get(name);
	}

	public String option(String name, String dflt) {
		return options.getOrDefault(name, dflt);
	}

	public String required(String name) throws UsageException {
		String v = options.get(name);
		if (v == null) throw new UsageException("--" + name + " is required");
		return v;
	}

	public Path requiredPath(String name) throws UsageException {
		return Path.of(required(name));
	}

	public Path path(String name) {
		String v = options.get(name);
		return v == null ? null : Path.of(v);
	}

	/**
	 * A duration option in milliseconds ({@code 10s}, {@code 500ms}, {@code 2m}, or plain seconds), {@code dflt}
	 * when not given; more than zero and at most a year.
	 */
	public long duration(String name, long dflt) throws UsageException {
		String s = options.get(name);
		if (s == null) return dflt;
		String t = s.strip().toLowerCase();
		long mult = 1000;
		if (t.endsWith("ms")) {
			mult = 1;
			t = t.substring(0, t.length() - 2);
		} else if (t.endsWith("s")) {
			t = t.substring(0, t.length() - 1);
		} else if (t.endsWith("m")) {
			mult = 60_000;
			t = t.substring(0, t.length() - 1);
		}
		try {
			double v = Double.parseDouble(t);
			if (!(v > 0) || v * mult > 86_400_000L * 365 || v * mult < 1) throw new NumberFormatException();
			return (long) (v * mult);
		} catch (NumberFormatException e) {
			throw new UsageException("--" + name + " " + s + ": a duration such as 10s, 500ms or 2m");
		}
	}

	/** Every value of a repeatable option, in the order given (empty when absent). */
	public List<String> all(String name) {
		return repeated.getOrDefault(name, List.of());
	}

	public boolean flag(String name) {
		return flags.contains(name);
	}

	public List<String> positionals() {
		return positionals;
	}
}
