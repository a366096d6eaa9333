package cacheshadow.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import cacheshadow.caches.CacheAnalysis;
import cacheshadow.caches.CachedEntry;
import cacheshadow.caches.Mount;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.Finding;
import cacheshadow.listing.ManifestFormat;

/** {@code analyze}: the guest's file-system caches from a memory snapshot, as a ground-truth-format manifest. */
final class AnalyzeCommand implements Command {
	@Override
	public String name() {
		return "analyze";
	}

	@Override
	public String summary() {
		return "the file system as the guest's caches show it (--view cache-only), as a manifest";
	}

	@Override
	public String usage() {
		return """
				usage: ./cacheshadow analyze --memory M [--kernel DIR] [--view cache-only] --manifest OUT.tsv
				                             [--json] [--fail-on-anomaly] [--case DIR]
				  --memory M        memory snapshot: ELF core, LiME or raw (format from content)
				  --kernel DIR      optional: vmlinux.btf or vmlinux, System.map or kallsyms; without it the BTF and
				                    the symbols come from the snapshot itself
				  --view V          cache-only (the file system as the caches alone show it)
				  --manifest OUT    every cached path with its cached metadata, in the columns of the guest's own
				                    manifest.tsv (path type mode uid gid size nlink inode atime mtime ctime
				                    mtime_full sha256 symlink_target), sorted by path
				  --json            print a machine-readable summary (kernel, KASLR, mounts, counts, anomalies)
				  --fail-on-anomaly exit 1 when guest structures showed anomalies
				  --case DIR        record the run in this case's custody log""";
	}

	@Override
	public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
		Args a = new Args(argv, Set.of("memory", "kernel", "view", "manifest", "case", "disk"), Set.of("json", "fail-on-anomaly"));
		if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument " + a.positionals().get(0));
		Path memory = a.requiredPath("memory");
		String view = a.option("view", "cache-only");
		if (!view.equals("cache-only")) {
			throw new UsageException("--view " + view + " needs the merge of cache and disk, which is not built yet; use cache-only");
		}
		if (a.option("disk") != null) throw new UsageException("--disk belongs to the merged and disk-only views, which are not built yet");
		Path manifest = a.path("manifest");
		if (manifest == null && !a.flag("json")) throw new UsageException("--manifest OUT.tsv or --json is required");
		ConsoleProgress progress = new ConsoleProgress(err);
		CacheAnalysis analysis;
		try (Layer mem = Layers.openMemory(memory)) {
			analysis = CacheAnalysis.open(mem, a.path("kernel"), progress);
		} finally {
			progress.finish();
		}
		List<FileRecord> records = analysis.records();
		if (manifest != null) ManifestFormat.write(manifest, records);
		if (a.option("case") != null) {
			try (cacheshadow.cases.Case c = cacheshadow.cases.Case.open(Path.of(a.option("case")))) {
				c.appendCustody("analysis-run", "analyze --view " + view + " --memory " + memory.toAbsolutePath() + ": " + records.size()
						+ " paths, " + analysis.findings().size() + " findings" + (manifest == null ? "" : " → " + manifest.toAbsolutePath()));
			}
		}
		if (a.flag("json")) {
			out.println(Json.of(summary(analysis, records)));
		} else {
			out.printf("kernel %s, KASLR shift %s; %d mounts; %d cached paths, %d deleted names, %d orphan inodes; %d findings%n",
					analysis.kernelRelease(), analysis.virtualShift() == null ? "unknown" : "0x" + Long.toHexString(analysis.virtualShift()),
					analysis.mounts().size(), records.size(), analysis.deleted().size(), analysis.orphans().size(), analysis.findings().size());
			for (Finding f : analysis.findings()) out.println("  " + f);
			if (manifest != null) out.println("manifest: " + manifest);
		}
		return a.flag("fail-on-anomaly") && !analysis.findings().isEmpty() ? 1 : 0;
	}

	static Map<String, Object> summary(CacheAnalysis an, List<FileRecord> records) {
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
		counts.put("findings", an.findings().size());
		m.put("counts", counts);
		List<Object> deleted = new ArrayList<>();
		for (CachedEntry e : an.deleted()) deleted.add(e.path() + " (" + e.state().name().toLowerCase() + ")");
		m.put("deleted", deleted);
		List<Object> findings = new ArrayList<>();
		for (Finding f : an.findings()) {
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
