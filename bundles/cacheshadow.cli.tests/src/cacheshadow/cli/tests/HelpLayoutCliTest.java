package cacheshadow.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** Every subcommand's help sets its option rows in one column, each on a line of its own: two spaces, the option, its text. */
class HelpLayoutCliTest {
	/** An option row: the option (and its argument in capitals), then two or more spaces and its description. */
	private static final Pattern OPTION_ROW = Pattern.compile("^(\\s*)(--[a-z][\\w-]*(?: [A-Z][A-Z.\\d]*)*)( {2,})\\S");
	/** An option row glued to the end of the line before it (a usage text joined without its line break). */
	private static final Pattern GLUED_ROW = Pattern.compile("\\S {2,}--[a-z][\\w-]*(?: [A-Z][A-Z.\\d]*)* {2,}\\S");
	private static final Pattern SUBCOMMAND = Pattern.compile("^  ([a-z]+) ");

	@Test
	void everyOptionRowStartsInTheOptionColumnAndProseFits() {
		List<String> subcommands = new ArrayList<>();
		List<String> outOfColumn = new ArrayList<>();
		for (String line : CliRun.of("--help").out().split("\n")) {
			Matcher m = SUBCOMMAND.matcher(line);
			if (m.find()) subcommands.add(m.group(1));
			if (line.length() > 120) outOfColumn.add("--help: over 120 columns: " + line);
			// a summary's next lines start under its first column, never at a subcommand's
			if (!line.isBlank() && !m.find(0) && line.startsWith("  ") && !line.startsWith(" ".repeat(26))) outOfColumn.add("--help: " + line);
		}
		assertTrue(subcommands.size() >= 15, "subcommands read from --help: " + subcommands);
		int rows = 0;
		for (String sub : subcommands) {
			if (sub.equals("workbench") || sub.equals("sample")) continue; // no options of the kind
			CliRun r = CliRun.of("help", sub);
			String text = r.out() + r.err();
			for (String line : text.split("\n")) {
				if (GLUED_ROW.matcher(line).find()) outOfColumn.add(sub + ": " + line);
				// prose fits a terminal of 120 columns; only a synopsis line (./cacheshadow ...) may run longer
				if (line.length() > 120 && !line.stripLeading().startsWith("./cacheshadow") && !line.startsWith("usage:")) {
					outOfColumn.add(sub + ": over 120 columns: " + line);
				}
				Matcher m = OPTION_ROW.matcher(line);
				if (!m.find()) continue;
				rows++;
				if (!m.group(1).equals("  ")) outOfColumn.add(sub + ": " + line);
			}
		}
		assertTrue(rows > 50, "option rows found: " + rows);
		assertEquals(List.of(), outOfColumn, "option rows out of their column");
	}
}
