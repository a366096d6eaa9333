package cacheshadow.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import cacheshadow.caches.CacheAnalysis;
import cacheshadow.caches.CachedEntry;
import cacheshadow.caches.Mount;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.Json;
import cacheshadow.listing.Finding;
import cacheshadow.listing.GuestName;
import cacheshadow.listing.ManifestFormat;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.PathStatus;
import cacheshadow.merge.View;

/**
 * {@code analyze}: the guest's file system from a memory snapshot (and its disk) as a ground-truth-format manifest:
 * merged, cache-only or disk-only view, with a status column when the disk is given.
 */
final class AnalyzeCommand implements Command {
	@Override
	public String name() {
		return "analyze";
	}

	@Override
	public String summary() {
		return "the guest's file system as a manifest: merged (caches over disk), cache-only or disk-only";
	}

	@Override
	public String usage() {
		return """
				usage: ./cacheshadow analyze --memory M [--disk D] [--kernel DIR] [--view merged|cache-only|disk-only]
				                             --manifest OUT.tsv [--under P[,P...]] [--no-journal-replay] [--json]
				                             [--fail-on-anomaly] [--case DIR] [--partial]
				""" + EvidenceArgs.USAGE + "\n" + """
				  --view V          merged (default with --disk): the caches over the disk, as the guest sees it;
				                    cache-only (default without --disk): the caches alone; disk-only: the disk alone
				  --manifest OUT    every path of the view in the columns of the guest's own manifest.tsv (path type
				                    mode uid gid size nlink inode atime mtime ctime mtime_full sha256 symlink_target),
				                    sorted by path; sha256 where every byte is known. With --disk a status column
				                    follows: same, differs:WHAT, cache-only, disk-only, deleted. Names the guest
				                    chose that are not plain printable UTF-8 are escaped (\\\\ and \\xNN; a name
				                    that is . or .. as \\x2e), each with a guest-name finding
				  --under P,...     only these guest paths and what is below them, e.g. /mnt/disk,/mnt/tmp (the
				                    mounts a guest-side listing covers); default: the whole view
				  --json            print a machine-readable summary (kernel, KASLR, mounts, counts, anomalies)
				  --fail-on-anomaly exit 1 when guest structures or the merge showed anomalies
				  --case DIR        record the run in this case's custody log\
				""";
	}

	@Override
	public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
		Set<String> options = new java.util.HashSet<>(EvidenceArgs.OPTIONS);
		options.addAll(Set.of("manifest", "case", "under"));
		Set<String> flags = new java.util.HashSet<>(EvidenceArgs.FLAGS);
		flags.addAll(Set.of("json", "fail-on-anomaly"));
		Args a = new Args(argv, options, flags);
		if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument " + a.positionals().get(0));
		EvidenceArgs ev = new EvidenceArgs(a, View.MERGED, false);
		Path manifest = a.path("manifest");
		if (manifest == null && !a.flag("json")) throw new UsageException("--manifest OUT.tsv or --json is required");
		ConsoleProgress progress = new ConsoleProgress(err);
		List<FileRecord> records;
		List<String> status = null;
		List<String> missing = null;
		PartialSummary partial = null;
		CacheAnalysis analysis;
		List<Finding> findings;
		Map<String, Object> merge = null;
		try (MergedFileSystem m = ev.open(progress)) {
			progress.finish();
			analysis = m.analysis();
			findings = m.findings();
			records = under(m.tree(ev.view).listing(true), a.option("under"));
			if (ev.disk != null) {
				Map<String, PathStatus> byPath = new HashMap<>();
				for (PathStatus s : m.statuses()) byPath.put(s.path(), s);
				status = new ArrayList<>(records.size());
				for (FileRecord r : records) {
					PathStatus s = byPath.get(r.path());
					status.add(s == null ? "cache-only" : s.manifestColumn());
				}
				merge = mergeSummary(m);
			}
			if (ev.partial) {
				// gaps of content are known once the view is listed with hashes (above); findings include them from here
				findings = m.findings();
				missing = new ArrayList<>(records.size());
				for (FileRecord r : records) missing.add(m.tree(ev.view).gaps().column(r.path()));
				partial = PartialSummary.of(m, missing);
			}
		} finally {
			progress.finish();
		}
		if (manifest != null) {
			List<String> columns = new ArrayList<>();
			if (status != null) columns.add("status");
			if (missing != null) columns.add("missing");
			writeManifest(manifest, records, columns, extraColumns(status, missing));
		}
		if (a.option("case") != null) {
			try (cacheshadow.cases.Case c = cacheshadow.cases.Case.open(Path.of(a.option("case")))) {
				c.appendCustody("analysis-run", "analyze --view " + ev.view.label() + " --memory " + ev.memory.toAbsolutePath()
						+ (ev.disk == null ? "" : " --disk " + ev.disk.toAbsolutePath()) + ": " + records.size()
						+ " paths, " + findings.size() + " findings" + (partial == null ? "" : "; partial evidence: " + partial.line())
						+ (manifest == null ? "" : " → " + manifest.toAbsolutePath()));
			}
		}
		if (a.flag("json")) {
			Map<String, Object> sum = summary(analysis, records, findings);
			sum.put("view", ev.view.label());
			if (merge != null) sum.put("merge", merge);
			if (partial != null) sum.put("partial", partial.json());
			out.println(Json.of(sum));
		} else {
			out.printf("kernel %s, KASLR shift %s; %d mounts; view %s: %d paths; %d deleted names, %d orphan inodes; %d findings%n",
					GuestName.printable(analysis.kernelRelease()), analysis.virtualShift() == null ? "unknown" : "0x" + Long.toHexString(analysis.virtualShift()),
					analysis.mounts().size(), ev.view.label(), records.size(), analysis.deleted().size(), analysis.orphans().size(), findings.size());
			if (merge != null) out.println("status: " + merge.get("status"));
			if (partial != null) partial.print(out);
			for (Finding f : findings) out.println("  " + f);
			if (manifest != null) out.println("manifest: " + manifest);
		}
		return a.flag("fail-on-anomaly") && !findings.isEmpty() ? 1 : 0;
	}

	/**
	 * Per record the values of the columns after the standard ones, or null for none: {@code status} with a disk,
	 * {@code missing} with --partial (FORMAT.md of the listing bundle).
	 */
	static List<List<String>> extraColumns(List<String> status, List<String> missing) {
		if (status == null && missing == null) return null;
		int n = status != null ? status.size() : missing.size();
		List<List<String>> out = new ArrayList<>(n);
		for (int i = 0; i < n; i++) {
			List<String> row = new ArrayList<>(2);
			if (status != null) row.add(status.get(i));
			if (missing != null) row.add(missing.get(i));
			out.add(row);
		}
		return out;
	}

	/** The records at or below one of the comma-separated roots (all when none are given). */
	static List<FileRecord> under(List<FileRecord> records, String roots) {
		if (roots == null || roots.isBlank()) return records;
		List<String> rs = new ArrayList<>();
		for (String r : roots.split(",")) {
			String t = r.strip();
			while (t.length() > 1 && t.endsWith("/")) t = t.substring(0, t.length() - 1);
			if (!t.isEmpty()) rs.add(t);
		}
		List<FileRecord> out = new ArrayList<>();
		for (FileRecord r : records) {
			for (String root : rs) {
				if (root.equals("/") || r.path().equals(root) || r.path().startsWith(root + "/")) {
					out.add(r);
					break;
				}
			}
		}
		return out;
	}

	/**
	 * The manifest in the ground-truth conventions, then the extra columns {@code columns} ({@code status} with a disk,
	 * {@code missing} with --partial), {@code extra} holding each row's values (or null without extra columns).
	 * Whole or not at all ({@link cacheshadow.layers.AtomicFile}): an interrupted run leaves the earlier manifest or none.
	 */
	static void writeManifest(Path file, List<FileRecord> records, List<String> columns, List<List<String>> extra) throws java.io.IOException {
		cacheshadow.layers.AtomicFile.writeText(file, w -> {
			w.write(ManifestFormat.header(columns));
			w.write('\n');
			for (int i = 0; i < records.size(); i++) {
				w.write(ManifestFormat.line(records.get(i), extra == null ? List.of() : extra.get(i)));
				w.write('\n');
			}
		});
	}

	static Map<String, Object> mergeSummary(MergedFileSystem m) throws java.io.IOException {
		Map<String, Object> x = new LinkedHashMap<>();
		List<Object> disks = new ArrayList<>();
		for (MergedFileSystem.DiskMatch d : m.disks()) {
			Map<String, Object> y = new LinkedHashMap<>();
			y.put("disk", d.disk().name());
			y.put("uuid", d.diskOnly().superblock().uuidString());
			y.put("mount", d.mount() == null ? null : d.mount().path());
			y.put("block_device_cache", d.overlay() != null);
			y.put("journal_replayed", m.replayJournal());
			disks.add(y);
		}
		x.put("disks", disks);
		Map<String, Object> counts = new LinkedHashMap<>();
		for (PathStatus.Kind k : PathStatus.Kind.values()) counts.put(k.label(), 0);
		for (PathStatus s : m.statuses()) counts.merge(s.kind().label(), 1, (p, q) -> (Integer) p + (Integer) q);
		x.put("status", counts);
		return x;
	}

	static Map<String, Object> summary(CacheAnalysis an, List<FileRecord> records, List<Finding> all) {
		Map<String, Object> m = new LinkedHashMap<>();
		m.put("kernel_release", an.kernelRelease());
		Map<String, Object> kaslr = new LinkedHashMap<>();
		kaslr.put("virtual_shift", an.virtualShift() == null ? null : hex(an.virtualShift()));
		kaslr.put("phys_base", hex(an.physBase()));
		kaslr.put("page_offset_base", hex(an.kernel().pageOffsetBase()));
		kaslr.put("vmemmap_base", an.kernel().vmemmapBase() == null ? null : hex(an.kernel().vmemmapBase()));
		kaslr.put("vmalloc_base", an.kernel().vmallocBase() == null ? null : hex(an.kernel().vmallocBase()));
		m.put("kaslr", kaslr);
		m.put("btf_source", an.btfSource());
		m.put("symbol_source", an.symbolSource());
		List<Object> mounts = new ArrayList<>();
		for (Mount mt : an.mounts()) {
			Map<String, Object> x = new LinkedHashMap<>();
			x.put("path", mt.path());
			x.put("device", mt.device());
			x.put("fs_type", mt.fsType());
			x.put("super_block", hex(mt.superBlock()));
			x.put("uuid", mt.uuid());
			mounts.add(x);
		}
		m.put("mounts", mounts);
		Map<String, Object> counts = new LinkedHashMap<>();
		counts.put("paths", records.size());
		counts.put("deleted_names", an.deleted().size());
		counts.put("orphan_inodes", an.orphans().size());
		counts.put("inodes_listed", an.inodesListed());
		counts.put("findings", all.size());
		m.put("counts", counts);
		List<Object> deleted = new ArrayList<>();
		for (CachedEntry e : an.deleted()) deleted.add(e.path() + " (" + e.state().name().toLowerCase() + ")");
		m.put("deleted", deleted);
		List<Object> findings = new ArrayList<>();
		for (Finding f : all) {
			Map<String, Object> x = new LinkedHashMap<>();
			x.put("severity", f.severity().name());
			x.put("kind", f.kind());
			x.put("location", f.location());
			x.put("message", f.message());
			findings.add(x);
		}
		m.put("anomalies", findings);
		return m;
	}

	static String hex(long v) {
		return "0x" + Long.toHexString(v);
	}
}
