package cacheshadow.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import cacheshadow.cases.Case;
import cacheshadow.cases.CustodyEntry;
import cacheshadow.cases.EvidenceItem;
import cacheshadow.cases.VerificationReport;

/** {@code case new|add|verify|log|summary}: the case folder, its evidence registry and custody log. */
final class CaseCommand implements Command {
	@Override
	public String name() {
		return "case";
	}

	@Override
	public String summary() {
		return "case new DIR | add DIR FILE... | verify DIR | log DIR | summary DIR";
	}

	@Override
	public String usage() {
		return """
				usage:
				  ./cacheshadow case new DIR [--name NAME]    create a case folder (embedded H2 database + custody.log)
				  ./cacheshadow case add DIR FILE...          register evidence: format from content, size, SHA-256
				  ./cacheshadow case verify DIR               re-hash every evidence file and check the custody chain
				  ./cacheshadow case log DIR                  print the custody log
				  ./cacheshadow case summary DIR              evidence with format, size, hash and status
				Evidence files are opened read-only and never written. verify exits 1 when anything does not match.""";
	}

	@Override
	public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
		if (argv.isEmpty()) throw new UsageException("which case action? new, add, verify, log or summary");
		String action = argv.get(0);
		Args a = new Args(argv.subList(1, argv.size()), Set.of("name"), Set.of());
		List<String> pos = a.positionals();
		if (pos.isEmpty()) throw new UsageException("case " + action + " needs the case folder");
		Path dir = Path.of(pos.get(0));
		switch (action) {
		case "new" -> {
			if (pos.size() != 1) throw new UsageException("case new takes one folder");
			try (Case c = Case.create(dir, a.option("name"))) {
				out.println("created case \"" + c.name() + "\" in " + c.dir());
			}
			return 0;
		}
		case "add" -> {
			if (pos.size() < 2) throw new UsageException("case add needs at least one evidence file");
			try (Case c = Case.open(dir)) {
				for (String f : pos.subList(1, pos.size())) {
					ConsoleProgress p = new ConsoleProgress(err);
					EvidenceItem e = c.addEvidence(Path.of(f), p);
					p.finish();
					out.printf("added #%d %s  %s  %d bytes  sha256 %s%n", e.id(), e.path(), e.format().label(), e.size(), e.sha256());
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
		default -> throw new UsageException("unknown case action '" + action + "'");
		}
	}

	static void printSummary(Case c, PrintStream out) throws Exception {
		out.println("case \"" + c.name() + "\" in " + c.dir());
		List<EvidenceItem> ev = c.evidence();
		out.println(ev.size() + " evidence item(s):");
		for (EvidenceItem e : ev) {
			out.printf("  #%d  %-44s %-40s %12d bytes  %-8s sha256 %s%n", e.id(), e.fileName(), e.format().label(), e.size(), e.status(), e.sha256());
		}
		List<CustodyEntry> log = c.custodyLog();
		out.println("custody log: " + log.size() + " entries, head " + (log.isEmpty() ? "-" : log.get(log.size() - 1).hash()));
	}
}
