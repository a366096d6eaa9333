package cacheshadow.cli;

import java.io.PrintStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import cacheshadow.merge.DirtyPageDiff;
import cacheshadow.merge.FileHexDiff;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.View;

/** {@code diff}: each dirty page of a file against the disk block that holds that range today, as hex. */
final class DiffCommand implements Command {
	/** Hex lines printed per run unless --full: long runs (a whole new page) are summarized after this many. */
	private static final int LINES_PER_RUN = 8;

	@Override
	public String name() {
		return "diff";
	}

	@Override
	public String summary() {
		return "hex diff of a file's dirty pages against the disk blocks holding that range today";
	}

	@Override
	public String usage() {
		return """
				usage: ./cacheshadow diff --memory M --disk D [--kernel DIR] --path P [--full] [--no-journal-replay] [--partial]
				""" + EvidenceArgs.USAGE + """

				  --path P          the guest path of a cached regular file, e.g. /mnt/disk/var/log/app.log
				  --full            every differing byte (default: the first 128 bytes of each run)
				Per dirty page: its file offset, the disk block holding that range (or "not allocated on disk yet"
				for delayed allocation and new files), and each run of differing bytes, disk above cache.""";
	}

	@Override
	public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
		Set<String> options = new HashSet<>(EvidenceArgs.OPTIONS);
		options.add("path");
		Set<String> flags = new HashSet<>(EvidenceArgs.FLAGS);
		flags.add("full");
		Args a = new Args(argv, options, flags);
		if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument " + a.positionals().get(0));
		EvidenceArgs ev = new EvidenceArgs(a, View.MERGED, true);
		String path = a.required("path");
		ConsoleProgress progress = new ConsoleProgress(err);
		FileHexDiff d;
		String gaps = null;
		try (MergedFileSystem m = ev.open(progress)) {
			progress.finish();
			d = m.hexDiff(path);
			var g = m.tree(View.MERGED).gaps();
			String p = d.path();
			if (!g.parts(p).isEmpty()) gaps = p + " rests on bytes missing from the evidence: " + g.column(p) + " (first: " + g.first(p) + "); dirty pages may be left out";
		} finally {
			progress.finish();
		}
		print(d, a.flag("full"), out);
		if (!d.missingPages().isEmpty()) {
			out.printf("%d dirty page%s missing from the evidence, not compared: indices %s%n", d.missingPages().size(), d.missingPages().size() == 1 ? "" : "s",
					d.missingPages());
		}
		if (gaps != null) out.println("partial evidence: " + cacheshadow.listing.GuestName.printable(gaps));
		return 0;
	}

	static void print(FileHexDiff d, boolean full, PrintStream out) {
		out.printf("%s: inode %d, %d bytes in the cache, %s on disk; %d dirty pages%n", d.path(), d.inode(), d.cachedSize(),
				d.diskSize() < 0 ? "no such inode" : d.diskSize() + " bytes", d.dirtyPages());
		for (DirtyPageDiff p : d.pages()) {
			String where = p.allocated() ? "disk block " + p.diskBlock() : "not allocated on disk yet";
			out.printf("page %d (offset 0x%x, %d bytes in the file) vs %s: ", p.pageIndex(), p.fileOffset(), p.validLength(), where);
			if (!p.allocated()) out.println("the whole page is new");
			else if (p.runs().isEmpty()) out.println("identical");
			else out.printf("%d differing run%s, %d bytes%n", p.runs().size(), p.runs().size() == 1 ? "" : "s", p.differingBytes());
			for (DirtyPageDiff.ByteRun r : p.runs()) {
				long end = r.fileOffset() + r.length();
				String tail = end > p.fileOffset() + p.validLength() ? " (past the cached end of file at " + (p.fileOffset() + p.validLength()) + ")" : "";
				out.printf("  run 0x%x..0x%x, %d bytes%s%n", r.fileOffset(), end, r.length(), tail);
				int lines = (r.length() + 15) / 16;
				int shown = full ? lines : Math.min(lines, LINES_PER_RUN);
				for (int l = 0; l < shown; l++) {
					int from = l * 16, to = Math.min(r.length(), from + 16);
					if (r.disk() != null) out.printf("    %08x disk  %s%n", r.fileOffset() + from, hex(r.disk(), from, to));
					out.printf("    %08x cache %s%n", r.fileOffset() + from, hex(r.cache(), from, to));
				}
				if (shown < lines) out.printf("    ... %d more bytes (--full shows them)%n", r.length() - shown * 16);
			}
		}
	}

	/** 16 bytes as hex, then as text (non-printing as '.'): {@link DirtyPageDiff#hexLine}. */
	static String hex(byte[] b, int from, int to) {
		return DirtyPageDiff.hexLine(b, from, to);
	}
}
