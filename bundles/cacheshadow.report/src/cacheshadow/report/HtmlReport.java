package cacheshadow.report;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;

import cacheshadow.report.ReportDocument.Block;
import cacheshadow.report.ReportDocument.Cell;
import cacheshadow.report.ReportDocument.Mark;

/**
 * A report as one self-contained HTML file: inline style, the chart as a PNG data URI, no script, and a content
 * security policy that would refuse any script or outside resource even if one got in. Every text is escaped for
 * HTML after {@link cacheshadow.listing.GuestName#printable} (the blocks hold it so): a name the guest chose cannot
 * add markup. The generation time is the only text that changes between two reports of the same case; it lies
 * between {@link #GENERATED_START} and {@link #GENERATED_END}, once.
 */
public final class HtmlReport {
	public static final String GENERATED_START = "<!--generated-->", GENERATED_END = "<!--/generated-->";

	private HtmlReport() {
	}

	private static final String STYLE = """
			body{font-family:"DejaVu Sans",Verdana,sans-serif;font-size:13px;color:#111;margin:24px 32px;max-width:1500px}
			h1{font-size:22px;border-bottom:2px solid #234;padding-bottom:4px;margin-top:36px}
			h1.title{font-size:26px;margin-top:0}
			h2{font-size:16px;margin-top:22px}
			table{border-collapse:collapse;margin:6px 0 10px 0}
			th,td{border:1px solid #bbb;padding:2px 6px;vertical-align:top;text-align:left}
			th{background:#e8edf3}
			td.m,code,pre{font-family:"DejaVu Sans Mono",monospace;font-size:12px}
			td{overflow-wrap:anywhere}
			.differs{background:#ffe2b0}
			.alert{color:#a00;font-weight:bold}
			.ok{color:#060}
			.note{color:#555;font-style:italic}
			table.facts th{width:190px}
			pre.cmd{background:#f4f4f4;border-left:3px solid #789;padding:6px 10px;white-space:pre-wrap;overflow-wrap:anywhere}
			pre.hex{background:#fbfbfb;border:1px solid #ddd;padding:6px 10px;font-size:12px}
			.disk{color:#555}.cache{color:#06c}
			nav ol{columns:2;max-width:700px}
			img.chart{max-width:100%;border:1px solid #ccc}
			p.generated{color:#333}
			""";

	/** The report's HTML; the generation time {@code generated} (to the second) appears in one marked place. */
	public static String render(ReportDocument doc, Instant generated) {
		StringBuilder sb = new StringBuilder(1 << 16);
		sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
		sb.append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n");
		sb.append("<meta name=\"generator\" content=\"").append(esc(doc.model().toolVersion())).append("\">\n");
		sb.append("<title>").append(esc(doc.title())).append("</title>\n<style>\n").append(STYLE).append("</style>\n</head>\n<body>\n");
		for (Block b : doc.blocks()) {
			switch (b) {
			case ReportDocument.Heading h -> heading(sb, doc, h);
			case ReportDocument.Paragraph p -> sb.append("<p").append(cls(p.mark())).append('>').append(esc(p.text())).append("</p>\n");
			case ReportDocument.Facts f -> {
				sb.append("<table class=\"facts\">\n");
				for (String[] kv : f.pairs()) sb.append("<tr><th>").append(esc(kv[0])).append("</th><td>").append(esc(kv[1])).append("</td></tr>\n");
				sb.append("</table>\n");
			}
			case ReportDocument.Table t -> table(sb, t);
			case ReportDocument.Hex x -> hex(sb, x);
			case ReportDocument.Chart c -> sb.append("<p><img class=\"chart\" width=\"").append(c.width()).append("\" alt=\"").append(esc(c.alt()))
					.append("\" src=\"data:image/png;base64,").append(Base64.getEncoder().encodeToString(c.png())).append("\"></p>\n");
			case ReportDocument.Commands c -> {
				sb.append("<pre class=\"cmd\">");
				for (String l : c.lines()) sb.append(esc(l)).append('\n');
				sb.append("</pre>\n");
			}
			case ReportDocument.Generated g -> sb.append("<p class=\"generated\">Report generated ").append(GENERATED_START)
					.append(esc(generated.truncatedTo(ChronoUnit.SECONDS).toString())).append(GENERATED_END).append("</p>\n");
			}
		}
		sb.append("</body>\n</html>\n");
		return sb.toString();
	}

	private static void heading(StringBuilder sb, ReportDocument doc, ReportDocument.Heading h) {
		if (h.level() == 0) {
			sb.append("<h1 class=\"title\" id=\"top\">").append(esc(h.text())).append("</h1>\n");
			return;
		}
		if (h.level() == 1 && h.anchor().equals("summary")) { // the contents, before the first section
			sb.append("<nav><h2>Contents</h2><ol>\n");
			for (ReportDocument.Section s : doc.sections()) sb.append("<li><a href=\"#").append(esc(s.anchor())).append("\">").append(esc(s.title())).append("</a></li>\n");
			sb.append("</ol></nav>\n");
		}
		String tag = h.level() == 1 ? "h1" : "h2";
		sb.append('<').append(tag);
		if (h.anchor() != null) sb.append(" id=\"").append(esc(h.anchor())).append('"');
		sb.append('>').append(esc(h.text())).append("</").append(tag).append(">\n");
	}

	private static void table(StringBuilder sb, ReportDocument.Table t) {
		if (t.rows().isEmpty()) return;
		sb.append("<table>\n<tr>");
		for (ReportDocument.Column c : t.columns()) sb.append("<th>").append(esc(c.name())).append("</th>");
		sb.append("</tr>\n");
		int n = t.rows().size();
		for (int i = 0; i < n; i++) {
			sb.append("<tr>");
			for (Cell c : t.rows().get(i)) {
				String cls = (c.mono() ? "m" : "") + (c.mark() == Mark.NONE ? "" : (c.mono() ? " " : "") + markClass(c.mark()));
				sb.append("<td").append(cls.isEmpty() ? "" : " class=\"" + cls + "\"").append('>');
				List<String> lines = c.lines();
				for (int k = 0; k < lines.size(); k++) sb.append(k == 0 ? "" : "<br>").append(esc(lines.get(k)));
				sb.append("</td>");
			}
			sb.append("</tr>\n");
		}
		sb.append("</table>\n");
		if (t.notShown() > 0) {
			sb.append("<p class=\"note\">").append(esc(String.format("%,d of %,d rows shown; ", n, t.total())));
			if (t.csv() != null) sb.append("every row is in <a href=\"").append(esc(t.csv())).append("\">").append(esc(t.csv())).append("</a>.");
			else sb.append("the command below lists every one.");
			sb.append("</p>\n");
		} else if (t.csv() != null) {
			sb.append("<p class=\"note\">Also in <a href=\"").append(esc(t.csv())).append("\">").append(esc(t.csv())).append("</a>.</p>\n");
		}
	}

	private static void hex(StringBuilder sb, ReportDocument.Hex x) {
		ReportModel.HexFile f = x.file();
		sb.append("<h2>").append(esc(f.path())).append("</h2>\n<p>").append(esc(HexText.header(f))).append("</p>\n<pre class=\"hex\">");
		for (HexText.Line l : HexText.lines(f)) {
			String cls = switch (l.kind()) {
			case DISK -> "disk";
			case CACHE -> "cache";
			case CUT -> "note";
			default -> null;
			};
			if (cls == null) sb.append(esc(l.text())).append('\n');
			else sb.append("<span class=\"").append(cls).append("\">").append(esc(l.text())).append("</span>\n");
		}
		sb.append("</pre>\n");
		if (x.command() != null) sb.append("<pre class=\"cmd\">").append(esc(x.command())).append("</pre>\n");
	}

	private static String cls(Mark m) {
		return m == Mark.NONE ? "" : " class=\"" + markClass(m) + "\"";
	}

	private static String markClass(Mark m) {
		return switch (m) {
		case DIFFERS -> "differs";
		case ALERT -> "alert";
		case OK -> "ok";
		case NOTE -> "note";
		case NONE -> "";
		};
	}

	/** {@code s} as HTML text or attribute value: the five characters that could end either escaped. */
	static String esc(String s) {
		if (s == null) return "";
		StringBuilder sb = null;
		for (int i = 0; i < s.length(); i++) {
			char c = s.charAt(i);
			String r = switch (c) {
			case '&' -> "&amp;";
			case '<' -> "&lt;";
			case '>' -> "&gt;";
			case '"' -> "&quot;";
			case '\'' -> "&#39;";
			default -> null;
			};
			if (r == null) {
				if (sb != null) sb.append(c);
				continue;
			}
			if (sb == null) sb = new StringBuilder(s.length() + 16).append(s, 0, i);
			sb.append(r);
		}
		return sb == null ? s : sb.toString();
	}
}
