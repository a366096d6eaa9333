package cacheshadow.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import cacheshadow.cases.Bookmark;
import cacheshadow.cases.Case;
import cacheshadow.cases.CustodyEntry;
import cacheshadow.cases.EvidenceItem;
import cacheshadow.cases.VerificationReport;
import cacheshadow.journal.InstantSpec;
import cacheshadow.pagecache.LiveGuest;
import cacheshadow.pagecache.LiveSnapshot;

/**
 * {@code case new|add|snapshot|verify|log|summary|bookmark|bookmarks}: the case folder, its evidence registry, custody
 * log and bookmarks.
 */
final class CaseCommand implements Command {
	@Override
	public String name() {
		return "case";
	}

	@Override
	public String summary() {
		return "case new DIR | add DIR FILE... | snapshot DIR --live G | verify DIR | log DIR | summary DIR | bookmark DIR ... | bookmarks DIR";
	}

	@Override
	public String usage() {
		return """
				usage:
				  ./cacheshadow case new DIR [--name NAME]    create a case folder (embedded H2 database + custody.log)
				  ./cacheshadow case add DIR FILE...          register evidence: format from content, size, SHA-256
				                                              (a write journal in HDFS by its webhdfs://HOST:PORT/PATH URL: read
				                                              in place, pinned by its length and HDFS's file checksum)
				  ./cacheshadow case snapshot DIR (--live G | --ram FILE --qmp SOCKET) [--disk D]
				                                              snapshot a running QEMU guest into the case (DIR/live/snapshot-TIME/):
				                                              its RAM (QMP dump-guest-memory: memory.elf) and its disk (QMP
				                                              blockdev-backup: disk.img, point-in-time at the same pause), each
				                                              registered with its SHA-256; the custody log says how. --disk: the
				                                              image whose guest device to copy (default with --live: G/disk.img;
				                                              with --ram/--qmp and no --disk: every writable disk). The guest is
				                                              paused only while QEMU writes its RAM; QEMU writes the files, so it
				                                              must be allowed to write into DIR
				  ./cacheshadow case verify DIR               re-hash every evidence file and check the custody chain
				  ./cacheshadow case log DIR                  print the custody log
				  ./cacheshadow case summary DIR              evidence with format, size, hash and status
				  ./cacheshadow case bookmark DIR --view merged|cache-only|disk-only|disk-at-instant --path P
				                [--at INSTANT] [--bytes OFFSET+LENGTH] [--note TEXT] [--answer]
				                                              save a bookmark (the workbench's Bookmarks view and presentation
				                                              mode step through them; --at is required for disk-at-instant);
				                                              --answer tags it as a trainee's answer (note "answer: TEXT")
				                                              for scenario score
				  ./cacheshadow case bookmarks DIR            the bookmarks: id, view, path, instant, bytes, note (TSV)
				Evidence files are opened read-only and never written. verify exits 1 when anything does not match.
				One process at a time has a case open (case.lock names it): another workbench or command gets one line
				naming the case and that process, exit 2. Each change is one transaction with its custody entries, on
				disk when the command reports it; a command killed half-way keeps what it reported and nothing of the
				change it was making: run it again. A case on a read-only file system is shared: read and verified by
				any process, nothing recorded.""";
	}

	@Override
	public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
		if (argv.isEmpty()) throw new UsageException("which case action? new, add, snapshot, verify, log, summary, bookmark or bookmarks");
		String action = argv.get(0);
		Set<String> options = new java.util.HashSet<>(Set.of("name", "view", "path", "at", "bytes", "note", "disk"));
		options.addAll(AttachArgs.OPTIONS);
		Args a = new Args(argv.subList(1, argv.size()), options, Set.of("answer"));
		List<String> pos = a.positionals();
		if (pos.isEmpty()) throw new UsageException("case " + action + " needs the case folder");
		Path dir = Path.of(pos.get(0));
		switch (action) {
		case "new" -> {
			if (pos.size() != 1) throw new UsageException("case new takes one folder");
			// printed once the case is on disk, whole; nothing more to do with it, so it is not opened again
			String name = Case.createClosed(dir, a.option("name"));
			out.println("created case \"" + name + "\" in " + dir.toAbsolutePath().normalize());
			return 0;
		}
		case "add" -> {
			if (pos.size() < 2) throw new UsageException("case add needs at least one evidence file");
			try (Case c = Case.open(dir)) {
				for (String f : pos.subList(1, pos.size())) {
					ConsoleProgress p = new ConsoleProgress(err);
					EvidenceItem e = c.addEvidence(f, p); // a file, or a journal's webhdfs:// URL (read in place)
					p.finish();
					out.printf("added #%d %s  %s  %d bytes  %s %s%n", e.id(), e.path(), e.format().label(), e.size(), e.pinName(), e.sha256());
				}
			}
			return 0;
		}
		case "snapshot" -> {
			if (pos.size() != 1) throw new UsageException("case snapshot takes one case folder");
			AttachArgs live = new AttachArgs(a, null, false);
			if (!live.live()) throw new UsageException("case snapshot needs a running guest: --live DIR, or --ram FILE --qmp SOCKET");
			Path disk = live.disk(a.path("disk"));
			try (Case c = Case.open(dir); LiveGuest g = live.attach()) {
				ConsoleProgress p = new ConsoleProgress(err);
				LiveSnapshot.Result r = LiveSnapshot.intoCase(c, g, disk, p);
				p.finish();
				err.printf("live snapshot: guest paused %.0f ms (QEMU writing its RAM), whole snapshot %.1f s%n", r.pausedNanos() / 1e6, r.totalNanos() / 1e9);
				out.println("snapshot of the running guest at " + r.pausedAt() + " in " + r.memory().getParent());
				for (EvidenceItem e : c.evidence()) {
					if (r.files().contains(Path.of(e.path()))) out.printf("added #%d %s  %s  %d bytes  sha256 %s%n", e.id(), e.path(), e.format().label(), e.size(), e.sha256());
				}
			}
			return 0;
		}
		case "verify" -> {
			try (Case c = Case.open(dir)) {
				ConsoleProgress p = new ConsoleProgress(err);
				VerificationReport r = c.verify(p);
				p.finish();
				for (VerificationReport.Item i : r.items()) {
					out.printf("%-8s #%d %s%s%n", i.status(), i.evidence().id(), i.evidence().path(),
							i.problem() == null ? "" : "  !! " + i.problem());
				}
				out.println(r.chainBrokenAt() < 0 ? "custody chain intact (" + c.custodyLog().size() + " entries)"
						: "CUSTODY CHAIN BROKEN: " + r.chainProblem());
				out.println(r.allGood() ? "verification passed" : "VERIFICATION FAILED");
				if (c.readOnly()) out.println("(the case is on a read-only file system: this verification is not recorded in it)");
				return r.allGood() ? 0 : 1;
			}
		}
		case "log" -> {
			try (Case c = Case.open(dir)) {
				for (CustodyEntry e : c.custodyLog()) {
					out.printf("%4d  %s  %-10s %-16s %s  [%s]%n", e.seq(), e.at(), e.actor(), e.action(), e.detail(), e.hash().substring(0, 16));
				}
			}
			return 0;
		}
		case "summary" -> {
			try (Case c = Case.open(dir)) {
				printSummary(c, out);
			}
			return 0;
		}
		case "bookmark" -> {
			if (pos.size() != 1) throw new UsageException("case bookmark takes one folder");
			String view = a.required("view"), at = a.option("at");
			if (!List.of("merged", "cache-only", "disk-only", "disk-at-instant").contains(view)) {
				throw new UsageException("--view is merged, cache-only, disk-only or disk-at-instant, not '" + view + "'");
			}
			if (view.equals("disk-at-instant") && at == null) throw new UsageException("--view disk-at-instant needs --at INSTANT");
			if (at != null) {
				try {
					InstantSpec.parse(at);
				} catch (IllegalArgumentException e) {
					throw new UsageException(e.getMessage());
				}
			}
			long offset = 0, length = 0;
			String bytes = a.option("bytes");
			if (bytes != null) {
				String[] ol = bytes.split("\\+", 2);
				try {
					if (ol.length != 2) throw new NumberFormatException("no '+'");
					offset = Long.parseLong(ol[0]);
					length = Long.parseLong(ol[1]);
					if (offset < 0 || length <= 0 || offset + length < 0) throw new NumberFormatException("out of range");
				} catch (NumberFormatException e) {
					throw new UsageException("--bytes is OFFSET+LENGTH in bytes, e.g. 20480+4096, not '" + bytes + "'");
				}
			}
			try (Case c = Case.open(dir)) {
				// --answer tags it as a trainee's answer for scenario score
				String note = cacheshadow.cases.ScenarioScore.bookmarkNote(a.option("note", ""), a.flag("answer"));
				Bookmark b = c.addBookmark(view, a.required("path"), at, offset, length, note);
				out.println("bookmark #" + b.id() + " saved");
			}
			return 0;
		}
		case "bookmarks" -> {
			try (Case c = Case.open(dir)) {
				out.println("id\tview\tpath\tinstant\tbytes\tnote");
				for (Bookmark b : c.bookmarks()) {
					out.println(b.id() + "\t" + b.view() + "\t" + b.path() + "\t" + (b.instant() == null ? "-" : b.instant()) + "\t"
							+ (b.length() == 0 ? "-" : b.offset() + "+" + b.length()) + "\t" + b.note().replaceAll("\\p{Cntrl}", " "));
				}
			}
			return 0;
		}
		default -> throw new UsageException("unknown case action '" + action + "'");
		}
	}

	static void printSummary(Case c, PrintStream out) throws Exception {
		out.println("case \"" + c.name() + "\" in " + c.dir());
		List<EvidenceItem> ev = c.evidence();
		out.println(ev.size() + " evidence item(s):");
		for (EvidenceItem e : ev) {
			out.printf("  #%d  %-44s %-40s %12d bytes  %-8s %s %s%n", e.id(), e.fileName(), e.format().label(), e.size(), e.status(), e.pinName(), e.sha256());
		}
		List<CustodyEntry> log = c.custodyLog();
		out.println("custody log: " + log.size() + " entries, head " + (log.isEmpty() ? "-" : log.get(log.size() - 1).hash()));
	}
}
