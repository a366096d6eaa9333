package cacheshadow.cases.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Every SQL statement the product runs (the case database, the journal catalogue) is text written in its source:
 * string literals (joined by {@code +}), or an element of the case's literal schema list. Whatever a case file, an evidence path or a guest name brings reaches the
 * database through a statement's parameters only, never into the SQL. This is why the long fuzz runs of the case
 * files may leave out Jazzer's SQL-injection detector (it parses every statement run, most of CaseFilesFuzzer's time):
 * that detector could only ever find a statement that is not written out here.
 */
class ConstantSqlTest {
	/** A JDBC call that takes SQL text, and its first argument up to the first ',' or the closing ')' at depth 0. */
	private static final Pattern CALL = Pattern.compile("\\.(prepareStatement|prepareCall|execute|executeQuery|executeUpdate|executeLargeUpdate|addBatch|nativeSQL)\\(");
	private static final Pattern LITERALS = Pattern.compile("\\s*\"(?:[^\"\\\\]|\\\\.)*\"(?:\\s*\\+\\s*\"(?:[^\"\\\\]|\\\\.)*\")*\\s*");

	@Test
	void everyStatementIsWrittenInTheSource() throws Exception {
		// Tycho runs the tests in the fragment's folder, devtest.sh in the repository's
		Path bundles = Stream.of(Path.of(".."), Path.of("bundles")).filter(p -> Files.isDirectory(p.resolve("cacheshadow.cases")))
				.findFirst().orElseThrow().toAbsolutePath().normalize();
		List<String> calls = new ArrayList<>(), bad = new ArrayList<>();
		List<Path> sources;
		try (Stream<Path> dirs = Files.list(bundles)) {
			// the product's bundles: not the tests, the fuzz harnesses or the test support
			sources = dirs.filter(d -> d.getFileName().toString().startsWith("cacheshadow.") && !d.getFileName().toString().endsWith(".tests")
					&& !Set.of("cacheshadow.fuzz", "cacheshadow.testing").contains(d.getFileName().toString())).map(d -> d.resolve("src"))
					.filter(Files::isDirectory).sorted().toList();
		}
		assertTrue(sources.contains(bundles.resolve("cacheshadow.cases/src")) && sources.contains(bundles.resolve("cacheshadow.journal/src")), sources.toString());
		for (Path src : sources) try (Stream<Path> files = Files.walk(src)) {
			for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
				String text = Files.readString(f);
				if (!text.contains("import java.sql.")) continue; // no JDBC here (Cli.execute is not a statement)
				Matcher m = CALL.matcher(text);
				while (m.find()) {
					String arg = firstArgument(text, m.end());
					if (arg.isBlank()) continue; // execute() / executeUpdate() of a prepared statement: no SQL text
					String where = bundles.relativize(f) + ":" + (text.substring(0, m.start()).split("\n", -1).length) + " " + arg.strip();
					calls.add(where);
					boolean schema = arg.strip().equals("table") && text.contains("for (String table : SCHEMA)")
							&& schemaIsLiteral(text);
					if (!literal(arg) && !schema && !literalAtEveryCall(text, arg.strip())) bad.add(where);
				}
			}
		}
		assertTrue(calls.size() >= 15, "SQL calls found: " + calls);
		assertEquals(List.of(), bad, "SQL built from something other than literals");
	}

	@Test
	void theCheckSeesABuiltStatement() {
		String arg = firstArgument("s.executeQuery(\"SELECT * FROM evidence WHERE path='\" + path + \"'\")", "s.executeQuery(".length());
		assertTrue(!LITERALS.matcher(arg).matches(), arg);
		assertTrue(literal(firstArgument("db.prepareStatement(\"SELECT v\" + \" FROM t WHERE k=?\", 1)", 20)));
		assertTrue(literal("kind == null ? \"SELECT a\" : \"SELECT a WHERE kind = ?\""));
		assertTrue(!literal("kind == null ? \"SELECT a\" : \"SELECT a WHERE kind = '\" + kind + \"'\""));
		String helper = "private List<E> query(String sql, Binder b) { db.prepareStatement(sql); }\n";
		assertTrue(literalAtEveryCall(helper + "query(\"SELECT 1\", b);", "sql"));
		assertTrue(!literalAtEveryCall(helper + "query(\"SELECT 1\", b); query(\"SELECT \" + n, b);", "sql"));
	}

	/** String literals joined by {@code +}, or a choice ({@code cond ? a : b}) between two such. */
	private static boolean literal(String arg) {
		if (LITERALS.matcher(arg).matches()) return true;
		Matcher m = CHOICE.matcher(arg);
		return m.matches() && LITERALS.matcher(m.group(1)).matches() && LITERALS.matcher(m.group(2)).matches();
	}

	/** A condition without string literals, then two branches (each checked by {@link #literal}). */
	private static final Pattern CHOICE = Pattern.compile("(?s)[^\"?]*\\?(\\s*\"(?:[^\"\\\\]|\\\\.)*\"\\s*):(\\s*\"(?:[^\"\\\\]|\\\\.)*\"\\s*)");

	/**
	 * {@code name} is the first parameter ({@code String name, ...}) of a helper in this file, and every call of that
	 * helper passes literals there.
	 */
	private static boolean literalAtEveryCall(String text, String name) {
		Matcher decl = Pattern.compile("\\b(\\w+)\\(String " + Pattern.quote(name) + "\\b").matcher(text);
		if (!name.matches("\\w+") || !decl.find()) return false;
		String helper = decl.group(1);
		Matcher call = Pattern.compile("\\b" + helper + "\\(").matcher(text);
		int calls = 0;
		while (call.find()) {
			if (call.start() == decl.start(1)) continue;
			calls++;
			if (!literal(firstArgument(text, call.end()))) return false;
		}
		return calls > 0;
	}

	/** The text of the argument starting at {@code from}, up to ',' or ')' outside parentheses and string literals. */
	private static String firstArgument(String text, int from) {
		int depth = 0;
		boolean quoted = false;
		for (int i = from; i < text.length(); i++) {
			char c = text.charAt(i);
			if (quoted) {
				if (c == '\\') i++;
				else if (c == '"') quoted = false;
			} else if (c == '"') quoted = true;
			else if (c == '(') depth++;
			else if ((c == ')' || c == ',') && depth-- == 0) return text.substring(from, i);
		}
		return text.substring(from);
	}

	/** The SCHEMA list holds string literals only. */
	private static boolean schemaIsLiteral(String text) {
		int at = text.indexOf("SCHEMA = List.of(");
		if (at < 0) return false;
		String list = text.substring(at + "SCHEMA = List.of(".length(), text.indexOf(");", at));
		for (String element : list.split("\",\\s*\"")) {
			String e = element.strip();
			if (!e.startsWith("\"")) e = "\"" + e;
			if (!e.endsWith("\"")) e = e + "\"";
			if (!LITERALS.matcher(e).matches()) return false;
		}
		return true;
	}
}
