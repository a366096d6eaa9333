package cacheshadow.listing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A listing compared with an expected one (e.g. the guest's own manifest), column by column in the manifest's
 * text form, so "equal" means exactly what an outside tool comparing the TSV files would see.
 */
public record ManifestComparison(int matching, List<String> missing, List<String> extra, Map<String, List<String>> differing) {

	/**
	 * @param ignore column names not compared (e.g. {@code sha256} before contents are known)
	 * @param scope  only paths of {@code got} that are also in {@code expected} count when {@code onlyCommon};
	 *               otherwise extra paths are reported
	 */
	public static ManifestComparison of(List<FileRecord> expected, List<FileRecord> got, Set<String> ignore, boolean onlyCommon) {
		Map<String, String[]> exp = index(expected), have = index(got);
		List<String> missing = new ArrayList<>(), extra = new ArrayList<>();
		Map<String, List<String>> differing = new LinkedHashMap<>();
		int matching = 0;
		for (Map.Entry<String, String[]> e : exp.entrySet()) {
			String[] g = have.get(e.getKey());
			if (g == null) {
				missing.add(e.getKey());
				continue;
			}
			List<String> cols = new ArrayList<>();
			for (int i = 1; i < ManifestFormat.COLUMNS.size(); i++) {
				String c = ManifestFormat.COLUMNS.get(i);
				if (!ignore.contains(c) && !e.getValue()[i].equals(g[i])) cols.add(c + ": " + e.getValue()[i] + " ≠ " + g[i]);
			}
			if (cols.isEmpty()) matching++;
			else differing.put(e.getKey(), cols);
		}
		if (!onlyCommon) {
			for (String p : have.keySet()) if (!exp.containsKey(p)) extra.add(p);
		}
		return new ManifestComparison(matching, missing, extra, differing);
	}

	private static Map<String, String[]> index(List<FileRecord> records) {
		Map<String, String[]> m = new LinkedHashMap<>();
		for (FileRecord r : records) m.put(r.path(), ManifestFormat.line(r, List.of()).split("\t", -1));
		return m;
	}

	public boolean exact() {
		return missing.isEmpty() && extra.isEmpty() && differing.isEmpty();
	}

	@Override
	public String toString() {
		StringBuilder sb = new StringBuilder();
		for (String p : missing) sb.append("missing ").append(p).append('\n');
		for (String p : extra) sb.append("extra   ").append(p).append('\n');
		differing.forEach((p, c) -> sb.append("differs ").append(p).append(": ").append(String.join("; ", c)).append('\n'));
		sb.append(matching).append(" exact, ").append(missing.size()).append(" missing, ").append(extra.size()).append(" extra, ")
				.append(differing.size()).append(" differing");
		return sb.toString();
	}
}
