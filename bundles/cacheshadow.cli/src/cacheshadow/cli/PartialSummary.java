package cacheshadow.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import cacheshadow.layers.Extent;
import cacheshadow.layers.Shortfall;
import cacheshadow.merge.MergedFileSystem;

/**
 * What --partial says after an analysis: per evidence file, how many of the bytes its ranges declare are missing
 * (and where), and how many of the rows shown rest on missing bytes.
 */
record PartialSummary(List<Shortfall> evidence, int rows, int flagged) {

	/** {@code missing}: the {@code missing} column of each row shown ({@code -} when complete). */
	static PartialSummary of(MergedFileSystem m, List<String> missing) {
		int flagged = 0;
		for (String x : missing) if (!x.equals("-")) flagged++;
		return new PartialSummary(m.shortfalls(), missing.size(), flagged);
	}

	/** One line for the custody log. */
	String line() {
		StringBuilder sb = new StringBuilder();
		for (Shortfall s : evidence) sb.append(s.layer()).append(String.format(" %d of %d bytes missing (%.2f%%); ", s.missingBytes(), s.declaredBytes(), s.missingPercent()));
		return sb.append(flagged).append(" of ").append(rows).append(" paths flagged").toString();
	}

	void print(PrintStream out) {
		printEvidence(out);
		out.printf("flagged: %d of %d paths rest on missing bytes (manifest column 'missing', evidence-missing findings)%n", flagged, rows);
	}

	/** The evidence lines alone: {@code partial evidence: } and each file's shortfall. */
	void printEvidence(PrintStream out) {
		for (Shortfall s : evidence) out.println("partial evidence: " + s);
	}

	Map<String, Object> json() {
		Map<String, Object> x = new LinkedHashMap<>();
		List<Object> ev = new ArrayList<>();
		for (Shortfall s : evidence) {
			Map<String, Object> y = new LinkedHashMap<>();
			y.put("evidence", s.layer());
			y.put("declared_bytes", s.declaredBytes());
			y.put("missing_bytes", s.missingBytes());
			y.put("missing_percent", Math.round(s.missingPercent() * 100) / 100.0);
			List<Object> ranges = new ArrayList<>();
			for (Extent e : s.missing()) ranges.add(List.of(AnalyzeCommand.hex(e.start()), AnalyzeCommand.hex(e.end())));
			y.put("missing_ranges", ranges);
			ev.add(y);
		}
		x.put("evidence", ev);
		x.put("paths", rows);
		x.put("flagged_paths", flagged);
		return x;
	}
}
