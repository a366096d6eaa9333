package cacheshadow.report.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.cases.Case;
import cacheshadow.cases.CaseInputs;
import cacheshadow.layers.Progress;
import cacheshadow.listing.GuestName;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.report.CaseModels;
import cacheshadow.report.CaseReport;
import cacheshadow.report.ReportLimits;
import cacheshadow.report.ReportModel;
import cacheshadow.testing.HostileNames;

/**
 * The report of a case whose evidence holds names a root attacker planted ({@link HostileNames}: terminal escapes,
 * newlines, invalid UTF-8, a bidirectional override, names of thousands of bytes...), with a case name and a note
 * that are HTML themselves: the HTML holds only the report's own markup (every tag and attribute from a short list,
 * no script, no control character), every planted name appears in its escaped text form, and the PDF is written and
 * shows them too.
 */
class HostileNamesReportTest {
	static final Set<String> TAGS = Set.of("html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "table", "tr", "th", "td", "br", "pre", "span", "nav",
			"ol", "li", "a", "img");
	static final Set<String> ATTRIBUTES = Set.of("lang", "charset", "http-equiv", "content", "name", "class", "id", "href", "src", "alt", "width");

	@Test
	void plantedNamesAreTextNotMarkup(@TempDir Path tmp) throws Exception {
		HostileNames.Evidence ev = HostileNames.write("debian-6.1-kaslr", tmp.resolve("evidence"));
		String hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>";
		try (Case c = Case.create(tmp.resolve("case"), "Lab " + hostile)) {
			for (Path f : List.of(ev.memory(), ev.disk(), ev.kernel().resolve("vmlinux.btf"), ev.kernel().resolve("System.map"))) c.addEvidence(f, Progress.NONE);
			c.addBookmark("merged", HostileNames.RENAMES.get(5).path(), null, 0, 0, "note " + hostile + " \u001b[2J");
			CaseInputs in = CaseInputs.of(c.evidence());
			try (MergedFileSystem m = CaseModels.merge(in, in.kernelDir().orElse(null), Progress.NONE)) {
				ReportModel model = ReportModel.collect(c, m, null, in.kernelDir().orElse(null), new ReportLimits(5000, 5, 2, 64, 60), Progress.NONE);
				Path html = tmp.resolve("out/hostile.html"), pdf = tmp.resolve("out/hostile.pdf");
				CaseReport.write(model, html, Instant.parse("2026-12-07T10:00:00Z"));
				CaseReport.write(model, pdf, Instant.parse("2026-12-07T10:00:00Z"));
				String text = Files.readString(html, StandardCharsets.UTF_8);
				onlyOwnMarkup(text);
				for (String p : HostileNames.memoryPaths()) assertTrue(text.contains(SampleCaseReportTest.esc(p)), "planted " + GuestName.printable(p));
				assertTrue(text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the case name, as text");
				assertTrue(text.contains("\\x1b[2J"), "the note's escape sequence, escaped");
				// the PDF shows the planted names' text forms (pdftotext reads them back)
				Process p = new ProcessBuilder("pdftotext", pdf.toString(), "-").redirectErrorStream(true).start();
				String pdfText = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
				assertEquals(0, p.waitFor(), pdfText);
				assertTrue(pdfText.contains("\\x1b[31mred\\x1b[0m"), "the terminal escape name in the PDF");
				assertTrue(pdfText.contains("\\xe2\\x80\\xaetxt.exe"), "the bidirectional override, escaped");
				assertFalse(pdfText.contains("\u202e"));
			}
		}
	}

	/** Every tag of {@code html} is one the report writes, with attributes it writes; no control character but newline. */
	static void onlyOwnMarkup(String html) {
		for (int i = 0; i < html.length(); i++) {
			char ch = html.charAt(i);
			assertFalse(ch < 0x20 && ch != '\n' || ch >= 0x7f && ch <= 0x9f || ch >= 0x202a && ch <= 0x202e || ch >= 0x2066 && ch <= 0x2069,
					"character 0x" + Integer.toHexString(ch) + " at " + i);
		}
		String body = html.replace("<!DOCTYPE html>", "").replace("<!--generated-->", "").replace("<!--/generated-->", "");
		Matcher t = Pattern.compile("<(/?)([^\\s>/]*)([^>]*)>").matcher(body);
		Pattern attr = Pattern.compile("\\s*([a-zA-Z-]+)=\"([^\"]*)\"");
		int tags = 0;
		while (t.find()) {
			tags++;
			assertTrue(TAGS.contains(t.group(2)), "tag <" + t.group(2) + ">");
			String rest = t.group(3);
			Matcher a = attr.matcher(rest);
			int end = 0;
			while (a.find() && a.start() == end) {
				assertTrue(ATTRIBUTES.contains(a.group(1)), "attribute " + a.group(1) + " of <" + t.group(2) + ">");
				if (a.group(1).equals("src")) assertTrue(a.group(2).startsWith("data:image/png;base64,"));
				if (a.group(1).equals("href")) assertTrue(a.group(2).startsWith("#") || a.group(2).matches("[A-Za-z0-9._-]+\\.csv"), a.group(2));
				end = a.end();
			}
			assertEquals(rest.strip().length(), rest.substring(0, end).strip().length(), "unexpected text in <" + t.group(2) + rest + ">");
		}
		// no markup outside the tags: every other '<' is escaped
		assertEquals(tags, body.chars().filter(c -> c == '<').count());
		assertTrue(tags > 100);
	}
}
