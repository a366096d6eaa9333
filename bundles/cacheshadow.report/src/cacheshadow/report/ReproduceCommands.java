package cacheshadow.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code ./cacheshadow} command lines that reproduce each table of a report from the same case and evidence, with
 * the same choices the report made (the memory snapshot analyzed, the disk and kernel files with it, the journal's base
 * chosen by content, jbd2 replayed). Arguments are quoted for a POSIX shell.
 */
public final class ReproduceCommands {
	private final String caseDir;
	private final String evidence; // --memory M [--disk D] [--kernel K], or null without a snapshot
	private final String journal; // --journal J [--timeline T], or null
	private final String base; // --disk BASE for replay, or null
	private final String mountPrefix;

	ReproduceCommands(Path caseDir, Path memory, Path disk, Path kernel, String journal, Path timing, Path base, String mountPrefix) {
		this.caseDir = quote(caseDir.toString());
		this.evidence = memory == null ? null
				: "--memory " + quote(memory.toString()) + (disk == null ? "" : " --disk " + quote(disk.toString()))
						+ (kernel == null ? "" : " --kernel " + quote(kernel.toString()));
		this.journal = journal == null ? null : "--journal " + quote(journal) + (timing == null ? "" : " --timeline " + quote(timing.toString()));
		this.base = base == null ? null : quote(base.toString());
		this.mountPrefix = mountPrefix;
	}

	public String caseSummary() {
		return "./cacheshadow case summary " + caseDir;
	}

	/** Re-hashes and checks the chain as the report did; note that it records its result in the custody log. */
	public String caseVerify() {
		return "./cacheshadow case verify " + caseDir;
	}

	public String custodyLog() {
		return "./cacheshadow case log " + caseDir;
	}

	public String bookmarks() {
		return "./cacheshadow case bookmarks " + caseDir;
	}

	/** Kernel, KASLR, where BTF and symbols came from, counts by status, findings (JSON); null without a snapshot. */
	public String analyzeJson() {
		return evidence == null ? null : "./cacheshadow analyze " + evidence + " --json";
	}

	/** Every path of a view with its metadata and status (TSV); null without a snapshot. */
	public String manifest(String view, String out) {
		return evidence == null ? null : "./cacheshadow analyze " + evidence + " --view " + view + " --manifest " + quote(out);
	}

	/** The hex diff of one file's dirty pages; null without a snapshot. */
	public String diff(String guestPath) {
		return evidence == null ? null : "./cacheshadow diff " + evidence + " --path " + quote(guestPath) + " --full";
	}

	/** The journal's instants, flushes, marks and writes per second; null without a journal. */
	public String timeline() {
		return journal == null ? null : "./cacheshadow timeline " + journal;
	}

	/** The disk's paths as they stood at an instant (TSV); null without a journal. */
	public String replay(String instant, String out) {
		return journal == null || base == null ? null
				: "./cacheshadow replay --disk " + base + " " + journal + " --at " + quote(instant) + " --manifest " + quote(out)
						+ (mountPrefix.equals("/") ? "" : " --mount-prefix " + quote(mountPrefix));
	}

	/** Every command, in the order of the report's sections (nulls left out). */
	public List<String> all(List<String> diffPaths, List<String> instants) {
		List<String> out = new ArrayList<>();
		out.add(caseSummary());
		out.add(caseVerify());
		out.add(custodyLog());
		add(out, analyzeJson());
		add(out, manifest("merged", "merged.tsv"));
		add(out, manifest("disk-only", "disk-only.tsv"));
		for (String p : diffPaths) add(out, diff(p));
		add(out, timeline());
		for (String i : instants) add(out, replay(i, "at-" + ReportDocument.fileWord(i) + ".tsv"));
		out.add(bookmarks());
		return out;
	}

	private static void add(List<String> out, String c) {
		if (c != null) out.add(c);
	}

	/** {@code s} as one word for a POSIX shell: as it is when plainly safe, else in single quotes. */
	public static String quote(String s) {
		if (!s.isEmpty() && s.matches("[A-Za-z0-9_./:=+,@%-]+")) return s;
		return "'" + s.replace("'", "'\\''") + "'";
	}
}
