package cacheshadow.report;

import java.util.ArrayList;
import java.util.List;

/**
 * A file's bounded hex diff as lines of text, in the layout of {@code ./cacheshadow diff}: a line per dirty page
 * (offset, the disk block it will overwrite, a summary), a line per run of differing bytes, then the run's bytes,
 * disk above cache, 16 to a line; and what the bounds left out. The HTML and PDF reports show these lines.
 */
final class HexText {
	enum Kind {
		PAGE, RUN, DISK, CACHE, CUT
	}

	record Line(Kind kind, String text) {
	}

	private HexText() {
	}

	static String header(ReportModel.HexFile f) {
		return String.format("inode %d, %,d bytes in the cache, %s on disk; %d dirty page%s", f.inode(), f.cachedSize(),
				f.diskSize() < 0 ? "no such inode" : String.format("%,d bytes", f.diskSize()), f.dirtyPages(), f.dirtyPages() == 1 ? "" : "s");
	}

	static List<Line> lines(ReportModel.HexFile f) {
		List<Line> out = new ArrayList<>();
		for (ReportModel.HexPage p : f.pages()) {
			out.add(new Line(Kind.PAGE, String.format("page %d (offset 0x%x, %d bytes in the file) vs %s: %s", p.index(), p.fileOffset(), p.validLength(), p.against(),
					p.summary())));
			for (ReportModel.HexRun r : p.runs()) {
				out.add(new Line(Kind.RUN, String.format("  run 0x%x..0x%x, %d bytes%s", r.offset(), r.offset() + r.length(), r.length(),
						r.note() == null ? "" : " (" + r.note() + ")")));
				for (ReportModel.HexLine l : r.lines()) {
					if (l.disk() != null) out.add(new Line(Kind.DISK, String.format("    %08x disk  %s", l.offset(), l.disk())));
					out.add(new Line(Kind.CACHE, String.format("    %08x cache %s", l.offset(), l.cache())));
				}
				if (r.bytesNotShown() > 0) out.add(new Line(Kind.CUT, String.format("    ... cut: %,d more bytes of this run not shown", r.bytesNotShown())));
			}
		}
		if (f.pagesNotShown() > 0) out.add(new Line(Kind.CUT, String.format("... cut: %d more dirty page%s not shown", f.pagesNotShown(), f.pagesNotShown() == 1 ? "" : "s")));
		if (!f.missingPages().isEmpty()) out.add(new Line(Kind.CUT, "dirty pages missing from the evidence, not compared: " + f.missingPages()));
		if (f.pages().isEmpty() && f.missingPages().isEmpty()) out.add(new Line(Kind.CUT, "no whole dirty page to compare"));
		return out;
	}
}
