package cacheshadow.report;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import cacheshadow.caches.CacheAnalysis;
import cacheshadow.caches.Mount;
import cacheshadow.cases.Bookmark;
import cacheshadow.cases.Case;
import cacheshadow.cases.CustodyEntry;
import cacheshadow.cases.EvidenceItem;
import cacheshadow.journal.DiskHistory;
import cacheshadow.journal.ResolvedInstant;
import cacheshadow.journal.TimelineSummary;
import cacheshadow.layers.Progress;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.Finding;
import cacheshadow.merge.ByteProvenance;
import cacheshadow.merge.DirtyPageDiff;
import cacheshadow.merge.FileHexDiff;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.PathStatus;
import cacheshadow.merge.View;
import cacheshadow.merge.ViewTree;

/**
 * Everything an examiner's report of a case states, read from the case and from the models the workbench and the
 * command line use (no second logic): the evidence re-hashed now against its recorded SHA-256, the custody log and
 * its chain, the kernel the analysis found, the statuses of the merge, each cache-only, deleted, renamed and
 * differing path with its cached and on-disk metadata, hex diffs of dirty pages, the write journal's chart and the
 * instants examined, the findings, the bookmarks, and the commands that reproduce every table. Deterministic: the
 * same case and evidence give an equal model (lists in a fixed order), so the same report.
 */
public record ReportModel(String caseName, Path caseDir, String toolVersion, List<EvidenceRow> evidence, List<CustodyEntry> custody,
		Case.ChainState chain, KernelFacts kernel, MergeFacts merge, List<PathRow> paths, DirtyPages dirty, TimelineFacts timeline,
		List<Finding> findings, List<Bookmark> bookmarks, ReproduceCommands commands, ReportLimits limits, List<String> notes) {

	/** A registered evidence file, re-hashed for the report ({@code sha256Now} null when it could not be read). */
	public record EvidenceRow(EvidenceItem item, String sha256Now, String problem) {
		public boolean matches() {
			return sha256Now != null && sha256Now.equals(item.sha256());
		}
	}

	/** The kernel of the snapshot as the analysis found it; {@code snapshot} names the memory snapshot analyzed. */
	public record KernelFacts(String snapshot, String release, Long virtualShift, long physBase, long pageOffsetBase, Long vmemmapBase, String btfSource,
			String symbolSource, List<Mount> mounts, int deletedNames, int orphanInodes, long inodesListed) {
	}

	/** A disk of the merge and the cached super block it was matched to. */
	public record DiskFacts(String disk, String uuid, String mountPath, boolean blockDeviceCache, boolean journalReplayed) {
	}

	/**
	 * The three-way summary: paths per status over the merged and the disk-only view (as {@code analyze --json} counts
	 * them), and paths per view.
	 */
	public record MergeFacts(Map<PathStatus.Kind, Integer> counts, int mergedPaths, int cacheOnlyPaths, int diskOnlyPaths, List<DiskFacts> disks) {
		public int total() {
			return counts.values().stream().mapToInt(Integer::intValue).sum();
		}
	}

	/** One path whose status is not {@code same} or {@code disk-only}, with its merged (cached) and disk-only rows (null where absent). */
	public record PathRow(PathStatus status, FileRecord cached, FileRecord disk) {
	}

	/** One line of a hex diff: 16 bytes at {@code offset}, the disk's (null where nothing is allocated) and the cache's. */
	public record HexLine(long offset, String disk, String cache) {
	}

	/** A run of differing bytes; {@code bytesNotShown} past the report's bound. */
	public record HexRun(long offset, int length, String note, List<HexLine> lines, int bytesNotShown) {
	}

	/** One dirty page against the disk block it will overwrite ({@code against}), summarized. */
	public record HexPage(long index, long fileOffset, int validLength, String against, String summary, List<HexRun> runs) {
	}

	/** A file's dirty pages as hex diffs, bounded: {@code pagesNotShown} compared pages left out. */
	public record HexFile(String path, long inode, long cachedSize, long diskSize, int dirtyPages, List<HexPage> pages, int pagesNotShown,
			List<Long> missingPages) {
	}

	/**
	 * Regular files on a disk's file system whose merged bytes come from dirty pages of the page cache: how many and how
	 * many such pages, and the hex diffs of the first {@link ReportLimits#hexFiles()} of them; {@code filesNotShown}
	 * more; {@code memoryOnlyFiles} files with dirty pages on file systems no disk holds (tmpfs, ramfs).
	 */
	public record DirtyPages(int files, long pages, List<HexFile> shown, int filesNotShown, int memoryOnlyFiles) {
	}

	/** An instant the examiner looked at (a bookmark's, the snapshot's, the end), resolved in the journal; {@code error} when it cannot be. */
	public record Examined(String label, String instant, ResolvedInstant resolved, String error) {
	}

	/** The write journal: what it holds, where its times come from, its chart (PNG) and the instants examined. */
	public record TimelineFacts(String headline, String baseNote, String journal, Path base, Path timing, TimelineSummary summary,
			List<TimelineSummary.Point> named, int namedNotShown, List<Examined> examined, byte[] chartPng, List<String> warnings) {
	}

	/** Chart size in points (drawn at twice the pixels). */
	static final int CHART_WIDTH = 1000, CHART_HEIGHT = 320;

	/** Findings in a fixed order: severity (most severe first), kind, location, message. */
	static final Comparator<Finding> FINDING_ORDER = Comparator.comparing((Finding f) -> -f.severity().ordinal()).thenComparing(Finding::kind)
			.thenComparing(f -> String.valueOf(f.location())).thenComparing(f -> String.valueOf(f.message()));

	/**
	 * Collects the report of {@code c}: {@code m} the merge of its evidence ({@link CaseModels#merge}, analyzed or not
	 * yet: its statuses are computed here when they are not) or null when the case has no memory snapshot;
	 * {@code h} its journal's history or null; {@code kernelDir} the kernel files the merge was opened with (for the
	 * commands). Evidence is re-hashed (read-only); nothing is written to the case.
	 */
	public static ReportModel collect(Case c, MergedFileSystem m, CaseModels.History h, Path kernelDir, ReportLimits limits, Progress p) throws IOException {
		return collect(c, cacheshadow.cases.CaseInputs.of(c.evidence()), m, h, kernelDir, limits, p);
	}

	/**
	 * As {@link #collect(Case, MergedFileSystem, CaseModels.History, Path, ReportLimits, Progress)}, {@code m} made from
	 * {@code in} (the memory snapshot the examiner chose, with its disk: {@link cacheshadow.cases.CaseInputs#of(List, long)}):
	 * the report names that snapshot, and its commands read it.
	 */
	public static ReportModel collect(Case c, cacheshadow.cases.CaseInputs in, MergedFileSystem m, CaseModels.History h, Path kernelDir, ReportLimits limits,
			Progress p) throws IOException {
		List<String> notes = new ArrayList<>();
		List<EvidenceItem> items = c.evidence();
		List<EvidenceRow> evidence = new ArrayList<>();
		for (EvidenceItem e : items) {
			p.checkCanceled();
			try {
				evidence.add(new EvidenceRow(e, Case.pinNow(e, p), null));
			} catch (IOException ex) {
				evidence.add(new EvidenceRow(e, null, ex.getMessage()));
			}
		}
		List<CustodyEntry> custody = c.custodyLog();
		Case.ChainState chain = c.custodyChain();

		KernelFacts kernel = null;
		MergeFacts merge = null;
		List<PathRow> paths = List.of();
		DirtyPages dirty = null;
		List<Finding> findings = new ArrayList<>();
		Path memory = in.memory().map(e -> Path.of(e.path())).orElse(null), disk = in.disk().map(e -> Path.of(e.path())).orElse(null);
		if (m == null) {
			notes.add("The case has no memory snapshot: no kernel, no merge of caches and disk, no paths, no dirty pages.");
		} else {
			p.begin("Report: the merge's statuses and metadata", -1);
			CacheAnalysis an = m.analysis();
			EvidenceItem snap = in.memory().orElse(null);
			kernel = new KernelFacts(snap == null ? "none of the case's evidence files (a running guest's refresh)" : "#" + snap.id() + " " + snap.fileName() + " (" + snap.path() + ")", an.kernelRelease(), an.virtualShift(), an.physBase(), an.kernel().pageOffsetBase(), an.kernel().vmemmapBase(),
					an.btfSource(), an.symbolSource(), List.copyOf(an.mounts()), an.deleted().size(), an.orphans().size(), an.inodesListed());
			if (m.disks().isEmpty()) {
				notes.add("The case has no disk image: paths are those of the caches alone; nothing to compare them with.");
			} else {
				List<PathStatus> statuses = m.statuses();
				p.checkCanceled();
				List<FileRecord> merged = m.tree(View.MERGED).listing(true), onDisk = m.tree(View.DISK_ONLY).listing(true);
				Map<String, FileRecord> mr = byPath(merged), dr = byPath(onDisk);
				Map<PathStatus.Kind, Integer> counts = new EnumMap<>(PathStatus.Kind.class);
				for (PathStatus.Kind k : PathStatus.Kind.values()) counts.put(k, 0);
				List<PathRow> rows = new ArrayList<>();
				for (PathStatus s : statuses) {
					counts.merge(s.kind(), 1, Integer::sum);
					if (s.kind() == PathStatus.Kind.SAME || s.kind() == PathStatus.Kind.DISK_ONLY) continue;
					rows.add(new PathRow(s, mr.get(s.path()), dr.get(s.path())));
				}
				paths = List.copyOf(rows);
				List<DiskFacts> disks = new ArrayList<>();
				for (MergedFileSystem.DiskMatch d : m.disks()) {
					disks.add(new DiskFacts(d.disk().name(), d.diskOnly().superblock().uuidString(), d.mount() == null ? null : d.mount().path(),
							d.overlay() != null, m.replayJournal()));
				}
				merge = new MergeFacts(java.util.Collections.unmodifiableMap(counts), merged.size(), m.tree(View.CACHE_ONLY).paths().size(), onDisk.size(),
						List.copyOf(disks));
				dirty = dirtyPages(m, statuses, limits, p);
			}
			findings.addAll(m.findings());
		}
		findings.sort(FINDING_ORDER);

		List<Bookmark> bookmarks = c.bookmarks();
		TimelineFacts timeline = null;
		String prefix = CaseModels.mountPrefix(m);
		if (h != null) {
			timeline = timeline(h, bookmarks, limits, p);
		} else if (in.journal().isPresent()) {
			notes.add("The case's write journal was not opened.");
		}
		ReproduceCommands commands = new ReproduceCommands(c.dir(), memory, disk, m == null ? null : kernelDir, h == null ? null : h.journal(),
				h == null ? null : h.timing(), h == null ? null : h.base().base(), prefix);
		return new ReportModel(c.name(), c.dir(), ToolVersion.describe(), List.copyOf(evidence), List.copyOf(custody), chain, kernel, merge, paths, dirty,
				timeline, List.copyOf(findings), List.copyOf(bookmarks), commands, limits, List.copyOf(notes));
	}

	private static Map<String, FileRecord> byPath(List<FileRecord> rs) {
		Map<String, FileRecord> m = new HashMap<>(rs.size() * 2);
		for (FileRecord r : rs) m.put(r.path(), r);
		return m;
	}

	/**
	 * Files of the merged view on a disk's file system served from dirty pages (their provenance says so), counted;
	 * the first few (differing paths first, then new ones, each in path order) diffed page by page against the disk
	 * ({@link FileHexDiff}, as {@code diff} does), bounded. Files of memory-only file systems (tmpfs, ramfs: every
	 * page dirty, no disk behind them) are only counted.
	 */
	private static DirtyPages dirtyPages(MergedFileSystem m, List<PathStatus> statuses, ReportLimits limits, Progress p) throws IOException {
		ViewTree merged = m.tree(View.MERGED);
		List<Mount> mounts = new ArrayList<>(m.analysis().mounts());
		java.util.Set<Long> diskSupers = new java.util.HashSet<>();
		for (MergedFileSystem.DiskMatch d : m.disks()) if (d.mount() != null) diskSupers.add(d.mount().superBlock());
		int files = 0, memoryOnly = 0;
		long pages = 0;
		List<String> differing = new ArrayList<>(), other = new ArrayList<>();
		for (PathStatus s : statuses) {
			if (s.kind() == PathStatus.Kind.DELETED || s.kind() == PathStatus.Kind.DISK_ONLY) continue;
			FileRecord r = merged.getattr(s.path());
			if (r == null || !r.type().isRegular()) continue;
			long dirtyBytes = 0;
			for (ByteProvenance b : merged.provenance(s.path())) if (b.source() == ByteProvenance.Source.DIRTY_PAGE) dirtyBytes += b.length();
			if (dirtyBytes == 0) continue;
			Mount mt = mountOf(mounts, s.path());
			if (mt == null || !diskSupers.contains(mt.superBlock())) {
				memoryOnly++;
				continue;
			}
			files++;
			pages += (dirtyBytes + 4095) / 4096;
			(s.kind() == PathStatus.Kind.DIFFERS ? differing : other).add(s.path());
		}
		differing.addAll(other);
		List<HexFile> shown = new ArrayList<>();
		for (String path : differing.subList(0, Math.min(limits.hexFiles(), differing.size()))) {
			p.checkCanceled();
			shown.add(hexFile(m.hexDiff(path), limits));
		}
		return new DirtyPages(files, pages, List.copyOf(shown), files - shown.size(), memoryOnly);
	}

	/** The mount a guest path lies on: the one with the longest mount point above it (the later of two on one point). */
	static Mount mountOf(List<Mount> mounts, String path) {
		Mount best = null;
		for (Mount mt : mounts) {
			String mp = mt.path();
			boolean under = mp.equals("/") || path.equals(mp) || path.startsWith(mp + "/");
			if (under && (best == null || mp.length() >= best.path().length())) best = mt;
		}
		return best;
	}

	private static HexFile hexFile(FileHexDiff d, ReportLimits limits) {
		List<HexPage> pages = new ArrayList<>();
		for (DirtyPageDiff pg : d.pages()) {
			if (pages.size() == limits.hexPages()) break;
			String against = pg.allocated() ? "disk block " + pg.diskBlock() : "not allocated on disk yet";
			String summary = !pg.allocated() ? "the whole page is new" : pg.runs().isEmpty() ? "identical"
					: pg.runs().size() + " differing run" + (pg.runs().size() == 1 ? "" : "s") + ", " + pg.differingBytes() + " bytes";
			List<HexRun> runs = new ArrayList<>();
			for (DirtyPageDiff.ByteRun r : pg.runs()) {
				long end = r.fileOffset() + r.length();
				String note = end > pg.fileOffset() + pg.validLength() ? "past the cached end of file at " + (pg.fileOffset() + pg.validLength()) : null;
				int show = Math.min(r.length(), limits.hexBytes());
				List<HexLine> lines = new ArrayList<>();
				for (int from = 0; from < show; from += 16) {
					int to = Math.min(show, from + 16);
					lines.add(new HexLine(r.fileOffset() + from, r.disk() == null ? null : DirtyPageDiff.hexLine(r.disk(), from, to),
							DirtyPageDiff.hexLine(r.cache(), from, to)));
				}
				runs.add(new HexRun(r.fileOffset(), r.length(), note, List.copyOf(lines), r.length() - show));
			}
			pages.add(new HexPage(pg.pageIndex(), pg.fileOffset(), pg.validLength(), against, summary, List.copyOf(runs)));
		}
		return new HexFile(d.path(), d.inode(), d.cachedSize(), d.diskSize(), d.dirtyPages(), List.copyOf(pages), d.pages().size() - pages.size(),
				d.missingPages());
	}

	private static TimelineFacts timeline(CaseModels.History ch, List<Bookmark> bookmarks, ReportLimits limits, Progress p) throws IOException {
		p.begin("Report: the write journal's chart", -1);
		DiskHistory h = ch.history();
		TimelineSummary sum = h.summary();
		List<Examined> examined = new ArrayList<>();
		for (Bookmark b : bookmarks) {
			if (b.instant() == null) continue;
			examined.add(examined("bookmark #" + b.id(), b.instant(), h));
		}
		h.snapshotNanos().ifPresent(t -> examined.add(examined("memory snapshot", "time:" + Instant.ofEpochSecond(Math.floorDiv(t, 1_000_000_000L),
				Math.floorMod(t, 1_000_000_000L)), h)));
		examined.add(examined("the disk image's end state", "end", h));
		List<TimelineSummary.Point> named = new ArrayList<>(sum.marks());
		named.addAll(sum.events());
		named.sort(Comparator.comparingInt(TimelineSummary.Point::entryCount).thenComparingLong(TimelineSummary.Point::epochNanos));
		int notShown = Math.max(0, named.size() - limits.rows());
		TimelineChart chart = new TimelineChart(h, sum);
		chart.fitAll();
		chart.bucket(limits.chartBars());
		java.awt.Font label = new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.BOLD, 11);
		for (Examined e : examined) {
			if (e.resolved() == null || !e.label().startsWith("bookmark")) continue;
			chart.plot().addDomainMarker(chart.marker(h.activity().position(e.resolved().entryCount()), TimelineChart.EXAMINED, 2f,
					e.label().substring("bookmark ".length()), label), org.jfree.chart.ui.Layer.FOREGROUND);
		}
		byte[] png = chart.png(CHART_WIDTH, CHART_HEIGHT, 2);
		return new TimelineFacts(TimelineChart.headline(h, sum), ch.note(), ch.journal(), ch.base().base(), ch.timing(), sum,
				List.copyOf(named.subList(0, named.size() - notShown)), notShown, List.copyOf(examined), png, h.warnings());
	}

	private static Examined examined(String label, String instant, DiskHistory h) {
		try {
			return new Examined(label, instant, h.resolve(instant), null);
		} catch (IllegalArgumentException e) {
			return new Examined(label, instant, null, e.getMessage());
		}
	}

	/** Paths of one status (renamed: cache-only and deleted paths whose inode has another path on the other side). */
	public List<PathRow> rows(PathStatus.Kind kind) {
		return paths.stream().filter(r -> r.status().kind() == kind).toList();
	}

	public List<PathRow> renamed() {
		return paths.stream().filter(r -> r.status().renamed() != null && r.status().kind() == PathStatus.Kind.CACHE_ONLY).toList();
	}
}
