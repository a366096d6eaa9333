package cacheshadow.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import cacheshadow.caches.Mount;
import cacheshadow.cases.Bookmark;
import cacheshadow.cases.CustodyEntry;
import cacheshadow.journal.ResolvedInstant;
import cacheshadow.journal.TimelineSummary;
import cacheshadow.journal.WriteLog;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.Finding;
import cacheshadow.listing.GuestName;
import cacheshadow.listing.ManifestFormat;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.PathStatus;

/**
 * A report as a sequence of blocks — headings, paragraphs, facts, tables, hex diffs, the chart, commands — built once
 * from a {@link ReportModel}; the HTML and PDF writers only lay the blocks out, and the CSV files beside a report are
 * the complete rows of its long tables. Every text a block holds has passed {@link GuestName#printable} (names are in
 * their escaped text form already): no control, format or bidirectional character reaches a writer.
 */
public final class ReportDocument {
	/** How a cell or paragraph is marked. */
	public enum Mark {
		NONE, DIFFERS, ALERT, OK, NOTE
	}

	/** One cell: one or more lines (a path's cached and on-disk value), monospaced or not. */
	public record Cell(List<String> lines, boolean mono, Mark mark) {
		public Cell {
			lines = lines.stream().map(l -> l == null ? "—" : GuestName.printable(l)).toList();
		}

		public String text() {
			return String.join("\n", lines);
		}
	}

	public record Column(String name, float weight) {
	}

	public sealed interface Block permits Heading, Paragraph, Facts, Table, Hex, Chart, Commands, Generated {
	}

	/** A heading; {@code anchor} names it for links (level 1 and 2 only). */
	public record Heading(int level, String anchor, String text) implements Block {
	}

	public record Paragraph(String text, Mark mark) implements Block {
		public Paragraph {
			text = GuestName.printable(text);
		}
	}

	/** Name/value pairs. */
	public record Facts(List<String[]> pairs) implements Block {
		public Facts {
			pairs = pairs.stream().map(p -> new String[] { p[0], GuestName.printable(p[1] == null ? "—" : p[1]) }).toList();
		}
	}

	/**
	 * A table of {@code total} rows of which the report shows {@code rows} (the first ones) and says how many more the
	 * CSV file {@code csv} (beside the report; null: none) holds with all of them, in the columns {@code csvHeader}.
	 */
	public record Table(List<Column> columns, List<List<Cell>> rows, int total, String csv, List<String> csvHeader, List<List<String>> csvRows)
			implements Block {
		public int notShown() {
			return total - rows.size();
		}
	}

	/** The first rows of {@code all} the report shows, as a table of {@code all.size()} rows. */
	private Table limited(List<Column> columns, List<List<Cell>> all, String csv, List<String> csvHeader, List<List<String>> csvRows) {
		return new Table(columns, List.copyOf(all.subList(0, Math.min(all.size(), model.limits().rows()))), all.size(), csv, csvHeader, csvRows);
	}

	/** A table shown whole. */
	private static Table table(List<Column> columns, List<List<Cell>> rows) {
		return new Table(columns, rows, rows.size(), null, null, null);
	}

	public record Hex(ReportModel.HexFile file, String command) implements Block {
	}

	public record Chart(byte[] png, int width, int height, String alt) implements Block {
	}

	/** Command lines, each one line of a shell. */
	public record Commands(List<String> lines) implements Block {
		public Commands {
			lines = lines.stream().map(GuestName::printable).toList();
		}
	}

	/** The one place a report states when it was generated (everything else is the same for the same case). */
	public record Generated() implements Block {
	}

	/** A section for the contents: anchor and title. */
	public record Section(String anchor, String title) {
	}

	private final ReportModel model;
	private final String stem;
	private final List<Block> blocks = new ArrayList<>();
	private final List<Section> sections = new ArrayList<>();

	/**
	 * The blocks of {@code model}'s report; {@code stem} names the CSV files beside it ({@code STEM.paths.csv},
	 * {@code STEM.findings.csv}, {@code STEM.custody.csv}).
	 */
	public ReportDocument(ReportModel model, String stem) {
		this.model = model;
		this.stem = stem;
		build();
	}

	public ReportModel model() {
		return model;
	}

	public List<Block> blocks() {
		return blocks;
	}

	public List<Section> sections() {
		return sections;
	}

	public String title() {
		return "Examiner's report: " + GuestName.printable(model.caseName());
	}

	/** The tables that have a CSV file, in order. */
	public List<Table> csvTables() {
		return blocks.stream().filter(b -> b instanceof Table t && t.csv() != null).map(b -> (Table) b).toList();
	}

	// ---- building

	private void section(String anchor, String title) {
		sections.add(new Section(anchor, title));
		blocks.add(new Heading(1, anchor, title));
	}

	private void para(String text) {
		blocks.add(new Paragraph(text, Mark.NONE));
	}

	private void para(String text, Mark mark) {
		blocks.add(new Paragraph(text, mark));
	}

	private void reproduce(String... commands) {
		List<String> cs = Arrays.stream(commands).filter(c -> c != null).toList();
		if (!cs.isEmpty()) blocks.add(new Commands(cs));
	}

	private static Cell cell(String text) {
		return new Cell(List.of(text == null ? "—" : text), false, Mark.NONE);
	}

	private static Cell mono(String text) {
		return new Cell(List.of(text == null ? "—" : text), true, Mark.NONE);
	}

	private static Cell cell(String text, Mark mark) {
		return new Cell(List.of(text == null ? "—" : text), false, mark);
	}

	private static List<Column> columns(Object... nameWeight) {
		List<Column> out = new ArrayList<>();
		for (int i = 0; i < nameWeight.length; i += 2) out.add(new Column((String) nameWeight[i], ((Number) nameWeight[i + 1]).floatValue()));
		return out;
	}

	private void build() {
		ReportModel m = model;
		blocks.add(new Heading(0, "top", title()));
		List<String[]> head = new ArrayList<>();
		head.add(new String[] { "Case", m.caseName() });
		head.add(new String[] { "Case folder", m.caseDir().toString() });
		head.add(new String[] { "Tool", m.toolVersion() });
		blocks.add(new Facts(head));
		blocks.add(new Generated());
		summary();
		evidence();
		custody();
		kernel();
		merge();
		paths();
		dirty();
		timeline();
		findings();
		bookmarks();
		reproduceAll();
	}

	private void summary() {
		ReportModel m = model;
		section("summary", "Summary");
		List<String[]> f = new ArrayList<>();
		long bad = m.evidence().stream().filter(e -> !e.matches()).count();
		f.add(new String[] { "Evidence", m.evidence().size() + " file(s); " + (bad == 0 ? "every one re-hashed now and equal to the SHA-256 recorded when it was added"
				: bad + " NOT equal to the SHA-256 recorded when added (or unreadable)") });
		f.add(new String[] { "Custody log", m.custody().size() + " entries; chain " + (m.chain().intact() ? "intact" : "BROKEN: " + m.chain().problem()) });
		if (m.kernel() != null) f.add(new String[] { "Kernel", m.kernel().release() + ", KASLR shift " + shift(m.kernel().virtualShift()) });
		if (m.merge() != null) {
			StringBuilder sb = new StringBuilder();
			for (var e : m.merge().counts().entrySet()) sb.append(sb.length() == 0 ? "" : ", ").append(String.format("%,d %s", e.getValue(), e.getKey().label()));
			f.add(new String[] { "Paths by status", sb.toString() });
		}
		if (m.dirty() != null) f.add(new String[] { "Dirty pages", String.format("%,d file(s) on the disk served from %,d dirty page(s) the disk does not hold yet",
				m.dirty().files(), m.dirty().pages()) });
		if (m.timeline() != null) f.add(new String[] { "Write journal", m.timeline().headline() });
		f.add(new String[] { "Findings", countBySeverity(m.findings()) });
		f.add(new String[] { "Bookmarks", Integer.toString(m.bookmarks().size()) });
		blocks.add(new Facts(f));
		for (String n : m.notes()) para(n, Mark.NOTE);
	}

	private static String countBySeverity(List<Finding> fs) {
		if (fs.isEmpty()) return "none";
		Map<Finding.Severity, Integer> n = new java.util.EnumMap<>(Finding.Severity.class);
		for (Finding f : fs) n.merge(f.severity(), 1, Integer::sum);
		StringBuilder sb = new StringBuilder(fs.size() + ": ");
		List<Finding.Severity> order = new ArrayList<>(n.keySet());
		java.util.Collections.reverse(order);
		for (Finding.Severity s : order) sb.append(sb.charAt(sb.length() - 2) == ':' ? "" : ", ").append(n.get(s)).append(' ').append(s.name().toLowerCase());
		return sb.toString();
	}

	private void evidence() {
		ReportModel m = model;
		section("evidence", "Evidence");
		para("Each file as registered in the case (format from its content, size, SHA-256 taken when it was added) and re-hashed for this report, read-only. "
				+ "Evidence files are never written.");
		List<List<Cell>> rows = new ArrayList<>();
		for (ReportModel.EvidenceRow e : m.evidence()) {
			var i = e.item();
			rows.add(List.of(cell("#" + i.id()), mono(i.path()), cell(i.format().label()), cell(String.format("%,d", i.size())), mono(i.sha256()),
					cell(e.matches() ? "equal" : e.sha256Now() == null ? "unreadable: " + e.problem() : "DIFFERS: " + e.sha256Now(), e.matches() ? Mark.OK : Mark.ALERT),
					cell(i.status().name().toLowerCase() + (i.verifiedAt() == null ? "" : " " + i.verifiedAt()))));
		}
		blocks.add(table(columns("#", 0.4f, "File", 5f, "Format", 2.2f, "Bytes", 1.3f, "SHA-256 when added", 4.6f, "Re-hashed now", 1.6f,
				"Last case verification", 2f), rows));
		reproduce(m.commands().caseSummary(), m.commands().caseVerify() + "    # also records the verification in the custody log");
	}

	private void custody() {
		ReportModel m = model;
		section("custody", "Custody log");
		para(m.chain().intact() ? "The hash chain holds: every one of the " + m.chain().entries() + " entries links to the one before it and matches its own hash."
				: "THE HASH CHAIN IS BROKEN: " + m.chain().problem() + ".", m.chain().intact() ? Mark.OK : Mark.ALERT);
		List<List<Cell>> rows = new ArrayList<>();
		List<List<String>> csv = new ArrayList<>();
		for (CustodyEntry e : m.custody()) {
			if (rows.size() < m.limits().rows()) rows.add(List.of(cell(Long.toString(e.seq())), mono(e.at().toString()), cell(e.actor()), cell(e.action()), cell(e.detail()),
					mono(e.hash().substring(0, 16))));
			csv.add(List.of(Long.toString(e.seq()), e.at().toString(), e.actor(), e.action(), e.detail(), e.prevHash(), e.hash()));
		}
		blocks.add(new Table(columns("#", 0.4f, "Time (UTC)", 2.4f, "Actor", 0.9f, "Action", 1.5f, "Detail", 8f, "Hash", 1.7f), rows, m.custody().size(),
				stem + ".custody.csv", List.of("seq", "time", "actor", "action", "detail", "prev_hash", "hash"), csv));
		reproduce(m.commands().custodyLog());
	}

	private static String shift(Long v) {
		return v == null ? "unknown" : "0x" + Long.toHexString(v);
	}

	private void kernel() {
		ReportModel m = model;
		section("kernel", "Kernel found in the snapshot");
		if (m.kernel() == null) {
			para("No memory snapshot was analyzed.", Mark.NOTE);
			return;
		}
		ReportModel.KernelFacts k = m.kernel();
		List<String[]> f = new ArrayList<>();
		f.add(new String[] { "Memory snapshot analyzed", k.snapshot() });
		f.add(new String[] { "Release", k.release() });
		f.add(new String[] { "KASLR shift (virtual)", shift(k.virtualShift()) });
		f.add(new String[] { "Physical base", "0x" + Long.toHexString(k.physBase()) });
		f.add(new String[] { "page_offset_base", "0x" + Long.toHexString(k.pageOffsetBase()) });
		f.add(new String[] { "vmemmap_base", k.vmemmapBase() == null ? "—" : "0x" + Long.toHexString(k.vmemmapBase()) });
		f.add(new String[] { "BTF (types) from", k.btfSource() });
		f.add(new String[] { "Symbols from", k.symbolSource() });
		f.add(new String[] { "Caches", String.format("%,d inodes listed; %,d deleted names in the dentry cache; %,d orphan inodes", k.inodesListed(), k.deletedNames(),
				k.orphanInodes()) });
		blocks.add(new Facts(f));
		List<List<Cell>> rows = new ArrayList<>();
		for (Mount mt : k.mounts()) {
			rows.add(List.of(mono(mt.path()), cell(mt.device()), cell(mt.fsType()), mono("0x" + Long.toHexString(mt.superBlock())), mono(mt.uuid())));
		}
		blocks.add(new Heading(2, null, "Mounts"));
		blocks.add(table(columns("Mount point", 3f, "Device", 1.5f, "File system", 1.2f, "Super block", 2f, "UUID", 3f), rows));
		reproduce(m.commands().analyzeJson() + "    # kernel_release, kaslr, btf_source, symbol_source, mounts");
	}

	private static final Map<PathStatus.Kind, String> MEANING = Map.of(PathStatus.Kind.CACHE_ONLY,
			"only in the guest's caches (new, renamed to, tmpfs or other memory-only file systems)", PathStatus.Kind.DISK_ONLY,
			"on the disk, not cached (the merged view shows the disk's version)", PathStatus.Kind.DELETED,
			"on the disk, gone in the guest's caches (deleted, or renamed from)", PathStatus.Kind.SAME, "cached and equal to the disk in every column",
			PathStatus.Kind.DIFFERS, "cached and different from the disk");

	private void merge() {
		ReportModel m = model;
		section("merge", "Caches and disk: the three-way summary");
		if (m.merge() == null) {
			para("No merge of caches and disk (see the summary's notes).", Mark.NOTE);
			return;
		}
		para(String.format("The merged view (the guest's caches over its disk, as the guest sees its files) has %,d paths, the cache-only view %,d, the disk-only view "
				+ "%,d. Every path of the merged and the disk-only view has one status:", m.merge().mergedPaths(), m.merge().cacheOnlyPaths(), m.merge().diskOnlyPaths()));
		List<List<Cell>> rows = new ArrayList<>();
		for (var e : m.merge().counts().entrySet()) rows.add(List.of(mono(e.getKey().label()), cell(String.format("%,d", e.getValue())), cell(MEANING.get(e.getKey()))));
		rows.add(List.of(cell("total"), cell(String.format("%,d", m.merge().total())), cell("")));
		blocks.add(table(columns("Status", 1.2f, "Paths", 1f, "Meaning", 8f), rows));
		List<List<Cell>> disks = new ArrayList<>();
		for (ReportModel.DiskFacts d : m.merge().disks()) {
			disks.add(List.of(mono(d.disk()), mono(d.uuid()), mono(d.mountPath() == null ? "not matched to a cached super block" : d.mountPath()),
					cell(d.blockDeviceCache() ? "yes" : "no"), cell(d.journalReplayed() ? "replayed" : "as it lies")));
		}
		blocks.add(new Heading(2, null, "Disks"));
		blocks.add(table(columns("Disk image", 4f, "File-system UUID", 3f, "Mounted at", 2f, "Block-device cache", 1.3f, "jbd2 journal", 1.2f), disks));
		reproduce(m.commands().analyzeJson() + "    # merge.status");
	}

	private void paths() {
		ReportModel m = model;
		section("paths", "Cache-only, deleted, renamed and differing paths");
		if (m.merge() == null) {
			para("No merge of caches and disk.", Mark.NOTE);
			return;
		}
		para("Each path with its metadata in the guest's caches (side cache: the merged view's row) and on the disk (side disk: the disk-only view's "
				+ "row), where it has them; fields that differ between the two are marked. Names the guest chose that are not plain printable UTF-8 are shown escaped (\\\\ and \\xNN), as everywhere in "
				+ "CacheShadow. Every such path, with both sides' full rows and SHA-256, is in " + stem + ".paths.csv beside this report.");
		List<List<String>> csv = new ArrayList<>();
		for (ReportModel.PathRow r : m.paths()) csv.add(csvRow(r));
		subsection(PathStatus.Kind.CACHE_ONLY, "Cache-only paths", m.rows(PathStatus.Kind.CACHE_ONLY), csv);
		subsection(PathStatus.Kind.DELETED, "Deleted paths", m.rows(PathStatus.Kind.DELETED), null);
		List<ReportModel.PathRow> renamed = m.renamed();
		blocks.add(new Heading(2, "renamed", "Renamed paths (" + String.format("%,d", renamed.size()) + ")"));
		if (renamed.isEmpty()) para("None: no cache-only path's inode has another path on the disk.");
		else {
			List<List<Cell>> rows = new ArrayList<>();
			for (ReportModel.PathRow r : renamed) rows.add(List.of(mono(r.status().renamed()), mono(r.status().path()), mono(Long.toString(r.cached().inode()))));
			blocks.add(limited(columns("On the disk", 5f, "In the caches", 5f, "Inode", 1f), rows, null, null, null));
		}
		subsection(PathStatus.Kind.DIFFERS, "Differing paths", m.rows(PathStatus.Kind.DIFFERS), null);
		reproduce(m.commands().manifest("merged", "merged.tsv") + "    # cached side, status column", m.commands().manifest("disk-only", "disk-only.tsv")
				+ "    # disk side, status column");
	}

	private void subsection(PathStatus.Kind kind, String title, List<ReportModel.PathRow> rows, List<List<String>> csv) {
		blocks.add(new Heading(2, kind.label(), title + " (" + String.format("%,d", rows.size()) + ")"));
		if (rows.isEmpty()) {
			para("None.");
			return;
		}
		List<List<Cell>> cells = new ArrayList<>();
		for (ReportModel.PathRow r : rows.subList(0, Math.min(rows.size(), model.limits().rows()))) cells.add(pathCells(r));
		// every status' rows go to one CSV, listed with the first table
		blocks.add(new Table(columns("Path", 4.4f, "Status", 1.5f, "Side", 0.55f, "Type", 1.05f, "Mode", 0.55f, "Owner", 0.7f, "Size", 0.9f, "nlink", 0.55f,
				"Inode", 0.75f, "Modified (UTC)", 2.45f, "SHA-256", 1.55f), cells, rows.size(), csv == null ? null : stem + ".paths.csv", csv == null ? null : CSV_PATH_HEADER, csv));
		if (rows.size() > model.limits().rows()) {
			List<List<Cell>> dirs = new ArrayList<>();
			for (Map.Entry<String, Integer> e : topDirectories(rows, 20)) dirs.add(List.of(mono(e.getKey()), cell(String.format("%,d", e.getValue()))));
			para("By directory (the " + dirs.size() + " with the most " + kind.label() + " paths):");
			blocks.add(table(columns("Directory", 8f, "Paths", 1f), dirs));
		}
	}

	static List<Map.Entry<String, Integer>> topDirectories(List<ReportModel.PathRow> rows, int n) {
		Map<String, Integer> count = new HashMap<>();
		for (ReportModel.PathRow r : rows) {
			String p = r.status().path();
			int i = p.lastIndexOf('/');
			count.merge(i <= 0 ? "/" : p.substring(0, i), 1, Integer::sum);
		}
		List<Map.Entry<String, Integer>> es = new ArrayList<>(count.entrySet());
		es.sort(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
		return es.subList(0, Math.min(n, es.size()));
	}

	private static final List<String> SIDE = List.of("type", "mode", "uid", "gid", "size", "nlink", "inode", "atime", "mtime", "ctime", "mtime_full", "sha256",
			"symlink_target");
	static final List<String> CSV_PATH_HEADER;
	static {
		List<String> h = new ArrayList<>(List.of("path", "status", "differences", "renamed"));
		for (String s : SIDE) h.add("cached_" + s);
		for (String s : SIDE) h.add("disk_" + s);
		CSV_PATH_HEADER = List.copyOf(h);
	}

	private static List<String> csvRow(ReportModel.PathRow r) {
		List<String> out = new ArrayList<>(List.of(r.status().path(), r.status().kind().label(), String.join(" ", r.status().differences()),
				r.status().renamed() == null ? "" : r.status().renamed()));
		side(out, r.cached());
		side(out, r.disk());
		return out;
	}

	private static void side(List<String> out, FileRecord f) {
		if (f == null) {
			for (int i = 0; i < SIDE.size(); i++) out.add("");
			return;
		}
		// the manifest's own formatting of a row, so the CSV reads like analyze --manifest
		String[] c = ManifestFormat.line(f, List.of()).split("\t", -1);
		out.addAll(Arrays.asList(c).subList(1, c.length));
	}

	/**
	 * A path's cells: its cached side (the merged view's row) and its disk side (the disk-only view's), one line each,
	 * in that order, and only the sides it has; fields that differ between them marked.
	 */
	private static List<Cell> pathCells(ReportModel.PathRow r) {
		FileRecord a = r.cached(), b = r.disk();
		List<String> diff = r.status().kind() == PathStatus.Kind.DIFFERS ? r.status().differences()
				: a != null && b != null ? MergedFileSystem.differences(a, b) : List.of();
		List<FileRecord> sides = new ArrayList<>(2);
		List<String> names = new ArrayList<>(2);
		if (a != null) {
			sides.add(a);
			names.add("cache");
		}
		if (b != null) {
			sides.add(b);
			names.add("disk");
		}
		List<Cell> out = new ArrayList<>();
		out.add(new Cell(List.of(r.status().path()), true, Mark.NONE));
		out.add(new Cell(List.of(r.status().manifestColumn()), true, Mark.NOTE));
		out.add(new Cell(names, false, Mark.NONE));
		out.add(side(sides, f -> f.type().label(), diff.contains("type"), false));
		out.add(side(sides, f -> Integer.toOctalString(f.permissions()), diff.contains("mode"), true));
		out.add(side(sides, f -> f.uid() + ":" + f.gid(), diff.contains("owner"), true));
		out.add(side(sides, f -> Long.toString(f.size()), diff.contains("size"), true));
		out.add(side(sides, f -> Long.toString(f.nlink()), diff.contains("nlink"), true));
		out.add(side(sides, f -> Long.toString(f.inode()), diff.contains("inode"), true));
		out.add(side(sides, f -> ManifestFormat.fullTime(f.mtime(), f.mtimeNanos()).replace(" +0000", ""), diff.contains("times"), true));
		out.add(side(sides, f -> f.sha256() == null ? (f.type().isRegular() ? "unknown" : "—") : f.sha256().substring(0, 16) + "…", diff.contains("data"), true));
		return out;
	}

	private static Cell side(List<FileRecord> sides, java.util.function.Function<FileRecord, String> f, boolean differs, boolean mono) {
		return new Cell(sides.stream().map(f).toList(), mono, differs ? Mark.DIFFERS : Mark.NONE);
	}

	private void dirty() {
		ReportModel m = model;
		section("dirty", "Dirty pages against the disk");
		if (m.dirty() == null) {
			para("No merge of caches and disk.", Mark.NOTE);
			return;
		}
		ReportModel.DirtyPages d = m.dirty();
		para(String.format("%,d file(s) on the guest's disk are served, in part or whole, from %,d dirty page(s) of its page cache: bytes the guest wrote "
				+ "that its disk does not hold yet. Below, each dirty page of the first %d of them (differing paths first, then new ones) against the disk "
				+ "block write-back would overwrite (at most %d pages per file and %d bytes per run of differing bytes; disk above cache).", d.files(), d.pages(),
				Math.min(d.files(), m.limits().hexFiles()), m.limits().hexPages(), m.limits().hexBytes()));
		if (d.memoryOnlyFiles() > 0) para(String.format("%,d more file(s) with dirty pages lie on file systems no disk holds (tmpfs, ramfs): their pages are "
				+ "their only copy; they are listed among the cache-only paths.", d.memoryOnlyFiles()), Mark.NOTE);
		if (d.filesNotShown() > 0) para(String.format("Cut: %,d more file(s) with dirty pages are not shown; ./cacheshadow diff shows any of them.", d.filesNotShown()), Mark.NOTE);
		for (ReportModel.HexFile f : d.shown()) blocks.add(new Hex(f, m.commands().diff(f.path())));
	}

	private void timeline() {
		ReportModel m = model;
		section("timeline", "Write journal and the instants examined");
		ReportModel.TimelineFacts t = m.timeline();
		if (t == null) {
			para("The case has no write journal (or it was not opened): the disk's history is not part of this report.", Mark.NOTE);
			return;
		}
		para(t.headline());
		para("Base image: " + t.baseNote());
		para("Times: " + t.summary().timeSource());
		for (String w : t.warnings()) para("Journal: " + w, Mark.ALERT);
		blocks.add(new Chart(t.chartPng(), ReportModel.CHART_WIDTH, ReportModel.CHART_HEIGHT, "4 KiB blocks written over time; flushes grey, marks purple, "
				+ "the memory snapshot red, the sidecar's samples and events green, the instants of bookmarks orange"));
		blocks.add(new Heading(2, null, "Instants examined"));
		List<List<Cell>> rows = new ArrayList<>();
		for (ReportModel.Examined e : t.examined()) {
			ResolvedInstant r = e.resolved();
			if (r == null) rows.add(List.of(cell(e.label()), mono(e.instant()), cell("—"), cell("—"), cell(e.error(), Mark.ALERT)));
			else rows.add(List.of(cell(e.label()), mono(e.instant()), cell(String.format("%,d", r.entryCount())),
					mono(r.epochNanos() == WriteLog.NO_TIME ? "—" : iso(r.epochNanos()) + " (" + r.timeQuality().word() + ")"), cell(r.description())));
		}
		blocks.add(table(columns("Examined", 1.6f, "Instant", 3f, "Entries applied", 1.1f, "Time (UTC)", 3.2f, "State", 3f), rows));
		blocks.add(new Heading(2, null, "Marks and the timing sidecar's events"));
		List<List<Cell>> named = new ArrayList<>();
		for (TimelineSummary.Point p : t.named()) {
			named.add(List.of(mono(p.instant()), cell(String.format("%,d", p.entryCount())),
					mono(p.epochNanos() == WriteLog.NO_TIME ? "—" : iso(p.epochNanos()) + " (" + p.quality().word() + ")"), cell(p.label())));
		}
		if (named.isEmpty()) para("None.");
		else blocks.add(table(columns("Instant", 3.5f, "Entries", 1f, "Time (UTC)", 3.2f, "Label", 4f), named));
		if (t.namedNotShown() > 0) para(String.format("Cut: %,d more; ./cacheshadow timeline lists every one.", t.namedNotShown()), Mark.NOTE);
		List<String> cmds = new ArrayList<>();
		cmds.add(m.commands().timeline());
		for (ReportModel.Examined e : t.examined()) if (e.resolved() != null) cmds.add(m.commands().replay(e.instant(), "at-" + fileWord(e.instant()) + ".tsv"));
		reproduce(cmds.toArray(String[]::new));
	}

	static String fileWord(String s) {
		return s.replaceAll("[^A-Za-z0-9._-]", "_");
	}

	static String iso(long epochNanos) {
		return java.time.Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L), Math.floorMod(epochNanos, 1_000_000_000L)).toString();
	}

	private void findings() {
		ReportModel m = model;
		section("findings", "Findings");
		para("Anomalies of the guest's kernel structures, the file systems and the merge, and the names the guest chose that had to be escaped: "
				+ countBySeverity(m.findings()) + ".");
		List<List<Cell>> rows = new ArrayList<>();
		List<List<String>> csv = new ArrayList<>();
		for (Finding f : m.findings()) {
			Mark mark = f.severity() == Finding.Severity.ANOMALY || f.severity() == Finding.Severity.ERROR ? Mark.ALERT : Mark.NONE;
			if (rows.size() < m.limits().rows()) rows.add(List.of(cell(f.severity().name().toLowerCase(), mark), mono(f.kind()), mono(f.location()), cell(f.message())));
			csv.add(List.of(f.severity().name().toLowerCase(), f.kind(), String.valueOf(f.location()), String.valueOf(f.message())));
		}
		if (rows.isEmpty()) para("None.");
		blocks.add(new Table(columns("Severity", 0.9f, "Kind", 1.6f, "Where", 3.5f, "What", 7f), rows, m.findings().size(), stem + ".findings.csv",
				List.of("severity", "kind", "location", "message"), csv));
		reproduce(m.commands().analyzeJson() + "    # anomalies");
	}

	private void bookmarks() {
		ReportModel m = model;
		section("bookmarks", "Bookmarks");
		if (m.bookmarks().isEmpty()) para("None.");
		else {
			List<List<Cell>> rows = new ArrayList<>();
			for (Bookmark b : m.bookmarks()) {
				rows.add(List.of(cell("#" + b.id()), mono(b.view()), mono(b.path()), mono(b.instant()), mono(b.length() == 0 ? "whole path" : b.offset() + "+" + b.length()),
						cell(b.note().isEmpty() ? "—" : b.note()), mono(b.createdAt().toString())));
			}
			blocks.add(limited(columns("#", 0.4f, "Tree", 1.4f, "Path", 4f, "Instant", 1.2f, "Bytes", 1.2f, "Note", 5f, "Made (UTC)", 2.3f), rows, null, null, null));
		}
		reproduce(m.commands().bookmarks());
	}

	private void reproduceAll() {
		ReportModel m = model;
		section("reproduce", "Reproducing this report");
		para("Made by " + m.toolVersion() + " from the case and the evidence registered in it, without changing either (no custody entry is written; the "
				+ "evidence is only read). The same case and evidence give the same report, byte for byte, but for the one line that says when it was generated. "
				+ "Each table's rows come from these commands (paths as the case registered them; run from the folder holding ./cacheshadow):");
		List<String> diffs = m.dirty() == null ? List.of() : m.dirty().shown().stream().map(ReportModel.HexFile::path).toList();
		List<String> instants = m.timeline() == null ? List.of()
				: m.timeline().examined().stream().filter(e -> e.resolved() != null).map(ReportModel.Examined::instant).toList();
		blocks.add(new Commands(m.commands().all(diffs, instants)));
		para("CSV files beside this report hold every row of its long tables (cells that begin with =, +, - or @ are prefixed with ' so that a spreadsheet "
				+ "does not read them as formulas).");
	}
}
