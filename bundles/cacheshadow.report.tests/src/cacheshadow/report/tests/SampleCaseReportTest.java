package cacheshadow.report.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.cases.Case;
import cacheshadow.cases.CaseInputs;
import cacheshadow.cases.EvidenceItem;
import cacheshadow.layers.Progress;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.PathStatus;
import cacheshadow.report.CaseModels;
import cacheshadow.report.CaseReport;
import cacheshadow.report.HtmlReport;
import cacheshadow.report.ReportLimits;
import cacheshadow.report.ReportModel;
import cacheshadow.testing.EvidenceSamples;

/**
 * The report of the sample case (the evidence and bookmarks {@code releng/sample-case.sh} registers, from the
 * samples): HTML and PDF, their content against the real case and merge (evidence hashes, counts by status, every
 * cache-only, deleted and differing path, bookmarks, kernel), byte-identical HTML but for its generation time,
 * byte-identical PDF for one time, and the PDF's pages rendered with {@code pdftoppm} (kept in
 * {@code target/report-pages/} to be looked at).
 */
class SampleCaseReportTest {
	static final String SET = "debian-6.1-kaslr";
	/** An examiner's note in scripts DejaVu lacks (CJK, emoji) and with a bidirectional override: shown, never a crash. */
	static final String NOTE = "round 2's file <b>as the disk stood</b> & 名前 😀 \u202eexe.txt";
	@TempDir
	static Path tmp;
	static Case kase;
	static MergedFileSystem merge;
	static CaseModels.History history;
	static ReportModel model;

	@BeforeAll
	static void open() throws Exception {
		Path set = EvidenceSamples.dir(SET);
		kase = Case.create(tmp.resolve("case"), "Sample: Debian 6.1 guest, KASLR, cache-only changes");
		for (String f : List.of("memory.elf", "disk.img", "disk.base.img", "writes.log", "timeline.tsv", "kernel/vmlinux.btf", "kernel/System.map", "kernel/config")) {
			kase.addEvidence(set.resolve(f), Progress.NONE);
		}
		kase.addBookmark("merged", "/mnt/disk/data/blob.bin", null, 20480, 4096, "blob.bin: the guest's newer bytes, in a dirty page the disk never received");
		kase.addBookmark("disk-at-instant", "/mnt/disk/hist/r2/f1.txt", "entry:43", 0, 0, NOTE);
		CaseInputs in = CaseInputs.of(kase.evidence());
		merge = CaseModels.merge(in, in.kernelDir().orElse(null), Progress.NONE);
		history = CaseModels.history(kase, in, Progress.NONE);
		model = ReportModel.collect(kase, merge, history, in.kernelDir().orElse(null), ReportLimits.DEFAULT, Progress.NONE);
	}

	@AfterAll
	static void close() throws IOException {
		if (history != null) history.history().close();
		if (merge != null) merge.close();
		if (kase != null) kase.close();
	}

	@Test
	void theHtmlStatesTheRealCase() throws Exception {
		Path out = tmp.resolve("html/sample.html");
		CaseReport.Written w = CaseReport.write(model, out, Instant.parse("2026-12-07T10:00:00Z"));
		String html = Files.readString(out, StandardCharsets.UTF_8);
		// evidence: every file with the SHA-256 the case recorded, re-hashed equal
		for (EvidenceItem e : kase.evidence()) {
			assertTrue(html.contains(e.sha256()), e.path());
			assertTrue(html.contains(esc(e.path())), e.path());
		}
		assertEquals(kase.evidence().size(), model.evidence().size());
		assertTrue(model.evidence().stream().allMatch(ReportModel.EvidenceRow::matches));
		assertTrue(html.contains("chain intact"));
		// counts by status: the merge's own
		Map<PathStatus.Kind, Integer> counts = new EnumMap<>(PathStatus.Kind.class);
		for (PathStatus.Kind k : PathStatus.Kind.values()) counts.put(k, 0);
		for (PathStatus s : merge.statuses()) counts.merge(s.kind(), 1, Integer::sum);
		assertEquals(counts, model.merge().counts());
		for (var e : counts.entrySet()) assertTrue(html.contains(String.format("%,d %s", e.getValue(), e.getKey().label())), e.toString());
		assertTrue(counts.get(PathStatus.Kind.CACHE_ONLY) > 0 && counts.get(PathStatus.Kind.DELETED) > 0 && counts.get(PathStatus.Kind.DIFFERS) > 0, counts.toString());
		// every cache-only, deleted and differing path: in the report up to its limit, all of them in the CSV beside it
		List<String> csvPaths = new ArrayList<>();
		for (String l : Files.readAllLines(tmp.resolve("html/sample.paths.csv")).subList(1, 1 + model.paths().size())) csvPaths.add(firstField(l));
		List<String> expected = merge.statuses().stream().filter(s -> s.kind() == PathStatus.Kind.CACHE_ONLY || s.kind() == PathStatus.Kind.DELETED
				|| s.kind() == PathStatus.Kind.DIFFERS).map(PathStatus::path).toList();
		assertEquals(expected, csvPaths);
		for (PathStatus.Kind k : List.of(PathStatus.Kind.CACHE_ONLY, PathStatus.Kind.DELETED, PathStatus.Kind.DIFFERS)) {
			List<ReportModel.PathRow> rows = model.rows(k);
			for (ReportModel.PathRow r : rows.subList(0, Math.min(rows.size(), ReportLimits.DEFAULT.rows()))) {
				assertTrue(html.contains(">" + esc(r.status().path()) + "<"), r.status().path());
			}
		}
		// the kernel, the journal and the bookmarks
		assertTrue(html.contains(merge.analysis().kernelRelease()));
		assertTrue(html.contains("0x" + Long.toHexString(merge.analysis().virtualShift())));
		assertTrue(html.contains(esc(merge.analysis().btfSource())));
		assertTrue(html.contains("writes.log over disk.base.img"), "the journal's base chosen by content");
		assertTrue(html.contains("bookmark #2") && html.contains("entry:43"));
		assertTrue(html.contains(esc(NOTE).replace("\u202e", "\\xe2\\x80\\xae")), "the note, escaped");
		assertFalse(html.contains("<b>as the disk"));
		// dirty pages of a file on the disk, as hex
		assertTrue(model.dirty().files() > 0 && !model.dirty().shown().isEmpty());
		assertTrue(html.contains(esc("/mnt/disk/data/blob.bin")));
		// the commands that reproduce the tables
		assertTrue(html.contains("./cacheshadow case log " + kase.dir()));
		assertTrue(html.contains("./cacheshadow analyze --memory "));
		assertTrue(html.contains("./cacheshadow timeline --journal "));
		assertTrue(html.contains("<img class=\"chart\""));
		assertEquals(3, w.csv().size());
		assertTrue(Files.readString(tmp.resolve("html/sample.custody.csv")).lines().count() == kase.custodyLog().size() + 1);
	}

	@Test
	void theSameCaseGivesTheSameHtmlButForItsGenerationTime() throws Exception {
		Path a = tmp.resolve("twice/a.html");
		CaseReport.write(model, a, Instant.parse("2026-12-07T10:00:00Z"));
		// a second model of the same case and evidence (everything collected again)
		CaseInputs in = CaseInputs.of(kase.evidence());
		ReportModel again = ReportModel.collect(kase, merge, history, in.kernelDir().orElse(null), ReportLimits.DEFAULT, Progress.NONE);
		CaseReport.write(again, tmp.resolve("twice2/a.html"), Instant.parse("2031-01-02T03:04:05Z"));
		String x = Files.readString(a), y = Files.readString(tmp.resolve("twice2/a.html"));
		assertNotEquals(x, y);
		assertEquals(1, count(x, HtmlReport.GENERATED_START));
		assertEquals(CaseReport.withoutGenerated(x), CaseReport.withoutGenerated(y));
		assertTrue(x.contains(HtmlReport.GENERATED_START + "2026-12-07T10:00:00Z" + HtmlReport.GENERATED_END));
		for (String csv : List.of("a.paths.csv", "a.findings.csv", "a.custody.csv")) {
			assertEquals(Files.readString(tmp.resolve("twice").resolve(csv)), Files.readString(tmp.resolve("twice2").resolve(csv)), csv);
		}
	}

	@Test
	void thePdfIsTheSameForOneTimeAndItsPagesRender() throws Exception {
		Instant t = Instant.parse("2026-12-07T10:00:00Z");
		Path a = tmp.resolve("pdf/sample.pdf"), b = tmp.resolve("pdf2/sample.pdf"), c = tmp.resolve("pdf3/sample.pdf");
		CaseReport.write(model, a, t);
		CaseReport.write(model, b, t);
		CaseReport.write(model, c, Instant.parse("2031-01-02T03:04:05Z"));
		assertEquals(-1, Files.mismatch(a, b), "two PDFs of one case and one generation time are byte-identical");
		// another time: the text of every page but the first (which prints the time) is the same
		List<String> pa = pages(a), pc = pages(c);
		assertEquals(pa.size(), pc.size());
		for (int i = 1; i < pa.size(); i++) assertEquals(pa.get(i), pc.get(i), "page " + (i + 1));
		assertTrue(pa.get(0).contains("Report generated 2026-12-07T10:00:00Z") && pc.get(0).contains("Report generated 2031-01-02T03:04:05Z"));
		String all = String.join("\n", pa);
		for (EvidenceItem e : kase.evidence()) assertTrue(all.replace("\n", "").contains(e.sha256()), e.path());
		assertTrue(all.contains(merge.analysis().kernelRelease()));
		assertTrue(all.contains("名前") || all.contains("\\u{540d}"), "the note's CJK: shown or spelled as code points");
		// rendered to PNG by poppler: every page, at 50 dpi; the first pages at 80 dpi kept for looking at
		Path pngs = Path.of("target/report-pages").toAbsolutePath();
		Files.createDirectories(pngs);
		Process p = new ProcessBuilder("pdftoppm", "-r", "50", "-png", a.toString(), tmp.resolve("pdf/page").toString()).redirectErrorStream(true).start();
		String log = new String(p.getInputStream().readAllBytes());
		assertEquals(0, p.waitFor(), log);
		long rendered;
		try (var s = Files.list(tmp.resolve("pdf"))) {
			rendered = s.filter(f -> f.getFileName().toString().startsWith("page")).count();
		}
		assertEquals(pa.size(), rendered);
		Process q = new ProcessBuilder("pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "3", a.toString(), pngs.resolve("sample").toString()).redirectErrorStream(true).start();
		q.getInputStream().readAllBytes();
		assertEquals(0, q.waitFor());
	}

	/** Each page's text, by poppler's pdftotext. */
	static List<String> pages(Path pdf) throws Exception {
		Process p = new ProcessBuilder("pdftotext", "-layout", pdf.toString(), "-").redirectErrorStream(true).start();
		String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertEquals(0, p.waitFor(), text);
		List<String> pages = new ArrayList<>(List.of(text.split("\f", -1)));
		if (pages.get(pages.size() - 1).isBlank()) pages.remove(pages.size() - 1);
		return pages;
	}

	static String firstField(String csvLine) {
		if (!csvLine.startsWith("\"")) return csvLine.substring(0, csvLine.indexOf(','));
		Matcher m = Pattern.compile("^\"((?:[^\"]|\"\")*)\"").matcher(csvLine);
		assertTrue(m.find(), csvLine);
		return m.group(1).replace("\"\"", "\"");
	}

	static int count(String s, String what) {
		int n = 0;
		for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) n++;
		return n;
	}

	static String esc(String s) {
		return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
	}
}
