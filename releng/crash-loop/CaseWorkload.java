import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import cacheshadow.cases.Bookmark;
import cacheshadow.cases.Case;
import cacheshadow.cases.CustodyEntry;
import cacheshadow.cases.VerificationReport;
import cacheshadow.layers.Progress;

/**
 * The kill loop's dense case workload (releng/crash-loop.sh, operation "transactions"), run on the product's own case
 * classes outside OSGi: the command line commits once per process, so its kills seldom land on a commit; this commits
 * custody entries, bookmarks and verifications back to back, opening and closing the case often (H2 writes and
 * compacts on close), idling in between as a hash would, and prints each change as it is reported. The loop kills it
 * at a random moment.
 *
 * <pre>
 *   java CaseWorkload work DIR SEED EVIDENCE     runs until killed; prints "entry N" / "bookmark N" / "verified N"
 *   java CaseWorkload check DIR ENTRY BOOKMARK   after the kill: "ok ..." or one line "FAIL ..." (exit 1)
 * </pre>
 */
public final class CaseWorkload {
	public static void main(String[] a) throws Exception {
		Path dir = Path.of(a[1]);
		if (a[0].equals("work")) work(dir, new Random(Long.parseLong(a[2])), Path.of(a[3]));
		else System.exit(check(dir, Long.parseLong(a[2]), Long.parseLong(a[3])));
	}

	static void work(Path dir, Random r, Path evidence) throws Exception {
		for (int round = 0;; round++) {
			try (Case c = Case.isCase(dir) ? Case.open(dir) : Case.create(dir, "transactions")) {
				if (c.evidence().isEmpty()) c.addEvidence(evidence, Progress.NONE);
				Thread.sleep(r.nextInt(300)); // open and idle, as while hashing
				for (int i = 1 + r.nextInt(4); i > 0; i--) {
					int k = r.nextInt(10);
					if (k < 6) {
						CustodyEntry e = c.appendCustody("note", "round " + round + " " + "x".repeat(r.nextInt(400)));
						System.out.println("entry " + e.seq());
					} else if (k < 9) {
						Bookmark b = c.addBookmark("merged", "/mnt/disk/round-" + round, null, 0, 0, "round " + round);
						System.out.println("bookmark " + b.id());
					} else {
						VerificationReport v = c.verify(Progress.NONE);
						System.out.println("verified " + v.allGood());
					}
					System.out.flush();
				}
			}
		}
	}

	/** Everything reported is there, the chain holds (custody.log included), custody.log has every entry once. */
	static int check(Path dir, long lastEntry, long lastBookmark) throws Exception {
		if (!Case.isCase(dir) && lastEntry == 0 && lastBookmark == 0) {
			System.out.println("ok: killed before the case was created");
			return 0;
		}
		try (Case c = Case.open(dir)) {
			Case.ChainState chain = c.custodyChain();
			if (!chain.intact()) return fail("custody chain: " + chain.problem());
			if (chain.entries() < lastEntry) return fail("entry " + lastEntry + " was reported committed; the database has " + chain.entries());
			if (lastBookmark > 0 && c.bookmarks().stream().noneMatch(b -> b.id() == lastBookmark)) return fail("bookmark " + lastBookmark + " was reported saved and is not there");
			long lines = Files.readAllLines(dir.resolve(Case.CUSTODY_TEXT)).size();
			if (lines != chain.entries()) return fail(Case.CUSTODY_TEXT + " has " + lines + " lines, the database " + chain.entries() + " entries");
			System.out.println("ok: " + chain.entries() + " entries, " + c.bookmarks().size() + " bookmarks, " + Files.size(dir.resolve(Case.DB_FILE)) + " bytes");
			return 0;
		} catch (Exception e) {
			return fail("open: " + e);
		}
	}

	static int fail(String why) {
		System.out.println("FAIL " + why);
		return 1;
	}
}
