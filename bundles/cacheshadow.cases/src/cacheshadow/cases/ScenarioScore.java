package cacheshadow.cases;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

import cacheshadow.listing.ManifestFormat;

/**
 * A trainee's answers scored against a scenario's {@link ScenarioKey}: the key's findings found and missed, the
 * paths claimed that the key does not hold (wrong), and those claimed that it holds only as incidental (a directory
 * whose entries changed: neither right nor wrong). An answer is a bookmark tagged as one: its note starts with
 * {@value #TAG} ({@code case bookmark --answer}, or the note typed so in the workbench); Bookmarks > Score Answers… and
 * {@code scenario score} show the result; its path is the claim.
 */
public record ScenarioScore(List<ScenarioKey.Entry> found, List<ScenarioKey.Entry> missed, List<String> wrong, List<String> incidental) {
	public static final String TAG = "answer:";

	/**
	 * The note a bookmark is saved with, by {@code case bookmark [--answer]} and the workbench's Bookmark dialog (its
	 * Answer box) alike: stripped, and when tagged as an answer {@value #TAG}, a blank and the note.
	 */
	public static String bookmarkNote(String note, boolean answer) {
		return (answer ? TAG + " " + note : note).strip();
	}

	/** Whether the bookmark is tagged as an answer (its note starts with "answer:", any case, blanks before it). */
	public static boolean isAnswer(Bookmark b) {
		return b.note().strip().toLowerCase(Locale.ROOT).startsWith(TAG);
	}

	public static ScenarioScore of(ScenarioKey key, Collection<String> claimed) {
		TreeSet<String> claims = new TreeSet<>(ManifestFormat.PATH_ORDER);
		claims.addAll(claimed);
		List<ScenarioKey.Entry> found = new ArrayList<>(), missed = new ArrayList<>();
		for (ScenarioKey.Entry e : key.findings()) (claims.contains(e.path()) ? found : missed).add(e);
		List<String> wrong = new ArrayList<>(), incidental = new ArrayList<>();
		for (String p : claims) {
			ScenarioKey.Entry e = key.entry(p);
			if (e == null) wrong.add(p);
			else if (e.incidental()) incidental.add(p);
		}
		return new ScenarioScore(List.copyOf(found), List.copyOf(missed), List.copyOf(wrong), List.copyOf(incidental));
	}

	/** Every finding found and nothing claimed that the key does not hold. */
	public boolean perfect() {
		return missed.isEmpty() && wrong.isEmpty();
	}

	/** One line per finding and claim (tab-separated: verdict, path, kind, detail), then the summary line. */
	public String text() {
		StringBuilder sb = new StringBuilder();
		for (ScenarioKey.Entry e : found) line(sb, "found", e.path(), e.kind(), e.detail());
		for (ScenarioKey.Entry e : missed) line(sb, "missed", e.path(), e.kind(), e.detail());
		for (String p : wrong) line(sb, "wrong", p, "-", "not in the key: as on the disk");
		for (String p : incidental) line(sb, "incidental", p, "-", "changed only as a side effect (counts neither way)");
		int n = found.size() + missed.size();
		sb.append(String.format(Locale.ROOT, "score: %d of %d findings found, %d missed, %d wrongly claimed%s%n", found.size(), n, missed.size(),
				wrong.size(), perfect() ? " (perfect)" : ""));
		return sb.toString();
	}

	private static void line(StringBuilder sb, String verdict, String path, String kind, String detail) {
		sb.append(verdict).append('\t').append(path).append('\t').append(kind).append('\t').append(detail).append('\n');
	}
}
