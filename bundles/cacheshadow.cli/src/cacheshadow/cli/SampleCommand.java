package cacheshadow.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import cacheshadow.caches.CacheAnalysis;
import cacheshadow.cases.Case;
import cacheshadow.cases.CaseInputs;
import cacheshadow.cases.EvidenceItem;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.listing.FileRecord;
import cacheshadow.pagecache.PageCache;
import cacheshadow.listing.ManifestComparison;
import cacheshadow.listing.ManifestFormat;

/**
 * {@code sample CASE [GROUND_TRUTH.tsv]}: a case run headless — its evidence, a verification, the cache analysis
 * of its memory snapshot (with the case's kernel files), and, when the guest's own manifest is at hand, how the
 * recovered listing compares with it. What {@code ./cacheshadow sample} prints without a display.
 */
final class SampleCommand implements Command {
	@Override
	public String name() {
		return "sample";
	}

	@Override
	public String summary() {
		return "open the bundled sample case (headless summary without a display)";
	}

	@Override
	public String usage() {
		return "usage: ./cacheshadow sample      (the script prepares build/sample/case and runs: sample CASE [MANIFEST])";
	}

	@Override
	public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
		Args a = new Args(argv, Set.of(), Set.of());
		if (a.positionals().isEmpty()) throw new UsageException("sample needs the case folder (./cacheshadow sample prepares it)");
		Path caseDir = Path.of(a.positionals().get(0));
		Path truth = a.positionals().size() > 1 ? Path.of(a.positionals().get(1)) : null;
		try (Case c = Case.open(caseDir)) {
			CaseCommand.printSummary(c, out);
			ConsoleProgress p = new ConsoleProgress(err);
			boolean ok = c.verify(p).allGood();
			p.finish();
			out.println("verification: " + (ok ? "every evidence file matches its recorded SHA-256; custody chain intact" : "FAILED (see case verify)"));
			List<EvidenceItem> ev = c.evidence();
			CaseInputs inputs = CaseInputs.of(ev);
			EvidenceItem memory = inputs.memory().orElse(null);
			if (memory == null) {
				out.println("no memory snapshot in the case: nothing to analyze");
				return ok ? 0 : 1;
			}
			Path kernelDir = inputs.kernelDir().orElse(null);
			CacheAnalysis an;
			try (Layer mem = Layers.openMemory(Path.of(memory.path()))) {
				an = CacheAnalysis.open(mem, kernelDir, p);
			} finally {
				p.finish();
			}
			// contents from the page cache: a file's sha256 wherever every one of its pages is in the snapshot
			List<FileRecord> records = PageCache.withContentHashes(an);
			Path manifest = caseDir.resolve("cache-only.tsv");
			cacheshadow.layers.AtomicFile.writeText(manifest, w -> ManifestFormat.write(w, records));
			c.appendCustody("analysis-run", "cache-only listing of " + memory.fileName() + ": " + records.size() + " paths → " + manifest);
			out.printf("memory %s: kernel %s, KASLR shift 0x%x, BTF from %s%n", memory.fileName(), an.kernelRelease(),
					an.virtualShift() == null ? 0 : an.virtualShift(), an.btfSource());
			an.mounts().forEach(m -> out.printf("  mount %-12s %-10s %-8s %s%n", m.path(), m.device(), m.fsType(), m.uuid() == null ? "" : m.uuid()));
			out.printf("cache-only view: %d paths, %d deleted names in the dentry cache, %d orphan inodes, %d anomalies → %s%n",
					records.size(), an.deleted().size(), an.orphans().size(), an.findings().size(), manifest);
			if (truth != null && Files.isRegularFile(truth)) {
				ManifestComparison cmp = ManifestComparison.of(ManifestFormat.read(truth), records, Set.of(), true);
				out.printf("against the guest's own manifest (every column, sha256 from the page cache): %d of %d paths exact, %d differing, %d not in the cache%n",
						cmp.matching(), cmp.matching() + cmp.differing().size() + cmp.missing().size(), cmp.differing().size(), cmp.missing().size());
			}
			return ok ? 0 : 1;
		}
	}
}
