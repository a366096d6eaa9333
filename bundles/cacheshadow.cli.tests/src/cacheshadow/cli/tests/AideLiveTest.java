package cacheshadow.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.cli.Aide;
import cacheshadow.cli.BackgroundMount;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.ManifestFormat;
import cacheshadow.pagecache.QmpClient;

/**
 * The first seed's experiment with a real, unmodified IDS (issue 17): Debian's {@code aide} against the running guest
 * of {@code -Dcacheshadow.live=DIR} (releng/live-guest.sh, as LiveCliTest). That guest's workload is the attack: after
 * its last synced round it stops writeback (dirty_writeback_centisecs 0, dirty_expire_centisecs 2e9, commit=86400) and
 * appends to, overwrites, truncates, creates, renames, deletes, chmods and chowns files on its ext4 disk and writes files
 * to its tmpfs; {@code manifest.round-K.tsv} is its own listing of the disk right after that last sync and
 * {@code manifest.tsv} its listing of disk and tmpfs after the attack.
 * <ol>
 * <li>The database is built on the disk as it stood before the attack, through {@code mount --disk}: the hypervisor's
 * write log of that disk as it was at the guest's last sync (its first bytes, as many as {@code timeline.tsv} says it
 * had then; the log only grows) replayed onto the base image with {@code replay}.
 * <li>aide on the disk after the attack ({@code mount --disk DIR/disk.img}) reports nothing.
 * <li>aide on the live merged mount ({@code mount --live DIR}) reports exactly what the guest's two listings differ in:
 * changed, added and removed paths as sets. The tmpfs is not on the disk, so the database has nothing of it: every
 * tmpfs path, the mount point included, is added on the live mount, and on the disk alone there is none.
 * </ol>
 */
@EnabledIfSystemProperty(named = "cacheshadow.live", matches = ".+")
class AideLiveTest {
	private static final List<String> SELECTION = List.of("/mnt/disk", "/mnt/tmp");
	/** A synced round in timeline.tsv: releng/live-guest.sh's guest says CACHESHADOW-, one of make-evidence.sh --live EVIDENCE-. */
	private static final Pattern SYNCED = Pattern.compile("(?:CACHESHADOW|EVIDENCE)-ROUND-(\\d+)-SYNCED\\b.*");

	@Test
	void aideSeesNothingOnTheDiskAndExactlyTheAttackOnTheLiveMount(@TempDir Path tmp) throws Exception {
		Path dir = cacheshadow.testing.LiveGuestDir.await();

		// the guest's last sync before the attack, and the write log's size then
		int round = -1;
		long logBytes = -1;
		List<String> timeline = Files.readAllLines(dir.resolve("timeline.tsv"));
		List<String> head = List.of(timeline.get(0).split("\t"));
		for (String l : timeline.subList(1, timeline.size())) {
			String[] c = l.split("\t", -1);
			Matcher m = SYNCED.matcher(c[head.indexOf("detail")]);
			if (m.matches() && Integer.parseInt(m.group(1)) > round) {
				round = Integer.parseInt(m.group(1));
				logBytes = Long.parseLong(c[head.indexOf("log_bytes")]);
			}
		}
		assertTrue(round > 0 && logBytes > 0, "no synced round in timeline.tsv");
		Path log = tmp.resolve("writes.before-attack.log");
		assertTrue(Files.size(dir.resolve("writes.log")) >= logBytes, "the write log is shorter than at the last sync");
		try (FileChannel in = FileChannel.open(dir.resolve("writes.log")); FileChannel out = FileChannel.open(log, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
			for (long done = 0, n; done < logBytes; done += n) {
				n = in.transferTo(done, logBytes - done, out);
				assertTrue(n > 0, "the write log ended early");
			}
		}
		Path beforeImage = tmp.resolve("disk.before-attack.img");
		// the copy ends at the last sync while its super block (rewritten later) promises the entries after it: a journal
		// cut short, used up to its last whole entry with --partial
		CliRun replay = CliRun.of("replay", "--disk", dir.resolve("disk.base.img").toString(), "--journal", log.toString(), "--at", "end", "--out",
				beforeImage.toString(), "--partial");
		assertEquals(0, replay.code(), replay.err());

		Aide aide = new Aide(Files.createDirectories(tmp.resolve("aide")), SELECTION);
		Path before = tmp.resolve("before"), disk = tmp.resolve("disk"), live = Files.createDirectories(tmp.resolve("live"));
		Aide.Report init;
		try (BackgroundMount m = BackgroundMount.start(Files.createDirectories(before.resolve("mnt/disk")), 120, "--disk", beforeImage.toString())) {
			init = aide.init(before);
		}
		List<FileRecord> beforeListing = ManifestFormat.read(dir.resolve("manifest.round-" + round + ".tsv"));
		List<FileRecord> afterListing = ManifestFormat.read(dir.resolve("manifest.tsv"));
		long onDisk = beforeListing.stream().filter(r -> r.path().equals("/mnt/disk") || r.path().startsWith("/mnt/disk/")).count();
		assertEquals(onDisk, init.entries(), "the database holds every path of the guest's disk before the attack\n" + init.text());

		Aide.Report diskAlone;
		try (BackgroundMount m = BackgroundMount.start(Files.createDirectories(disk.resolve("mnt/disk")), 120, "--disk", dir.resolve("disk.img").toString())) {
			diskAlone = aide.check(disk);
		}
		System.out.printf("AideLiveTest: aide --check on the disk alone after the attack: exit %d, %d entries, %.0f ms%n", diskAlone.exit(), diskAlone.entries(),
				diskAlone.nanos() / 1e6);
		assertEquals(0, diskAlone.exit(), diskAlone.text());
		assertTrue(diskAlone.differences().none(), diskAlone.text());
		assertEquals(onDisk, diskAlone.entries(), diskAlone.text());

		Aide.Report onLive;
		try (BackgroundMount m = BackgroundMount.start(live, 300, "--live", dir.toString())) {
			System.out.print(m.err().lines().filter(l -> l.startsWith("live guest")).map(l -> "AideLiveTest mount --live: " + l + "\n").reduce("", String::concat));
			onLive = aide.check(live);
		}
		Aide.Differences truth = Aide.differences(beforeListing, afterListing, SELECTION);
		System.out.printf("AideLiveTest: aide --check on the live mount: exit %d, %d entries, %.0f ms; %s%n", onLive.exit(), onLive.entries(), onLive.nanos() / 1e6,
				onLive.differences());
		assertEquals(truth, onLive.differences(), onLive.text());
		assertEquals(1 | 2 | 4, onLive.exit(), "aide's exit status: added, removed and changed entries\n" + onLive.text());

		// the ground truth is the attack the workload made (expect.tsv names part of it), not an accident of listings
		List<String> missing = new ArrayList<>();
		for (String l : Files.readAllLines(dir.resolve("expect.tsv"))) {
			String[] c = l.split("\t");
			boolean ok = switch (c[0]) {
			case "absent" -> truth.added().contains(c[1]);
			case "gone" -> truth.removed().contains(c[1]);
			case "content", "mode", "owner" -> truth.changed().contains(c[1]);
			default -> true;
			};
			if (!ok) missing.add(l);
		}
		assertEquals(List.of(), missing, truth.toString());
		// the tmpfs: every path of it added on the live mount (none is on the disk, so the disk alone shows none)
		List<String> tmpfs = afterListing.stream().map(FileRecord::path).filter(p -> p.equals("/mnt/tmp") || p.startsWith("/mnt/tmp/")).toList();
		assertTrue(tmpfs.size() > 1 && truth.added().containsAll(tmpfs), "tmpfs " + tmpfs + " in " + truth.added());
		try (QmpClient q = QmpClient.connect(dir.resolve("qmp.sock"))) {
			assertTrue(q.running(), "the guest runs after the checks");
		}
	}

	/** {@code bench aide} on the same guest, one round: every check it times found what it must (else it fails). */
	@Test
	void benchAideMeasuresChecksThatFindWhatTheyMust() throws Exception {
		Path dir = cacheshadow.testing.LiveGuestDir.await();
		CliRun b = CliRun.of("bench", "aide", "--live", dir.toString(), "--rounds", "1");
		System.out.print(b.out().lines().map(l -> "AideLiveTest bench: " + l + "\n").reduce("", String::concat));
		assertEquals(0, b.code(), b.err());
		assertTrue(b.out().contains("no differences") && b.out().contains("(= the guest's own listings)"), b.out());
		assertTrue(b.out().lines().anyMatch(l -> l.matches("ratio mount --live / (kernel ro mount|mount --disk): \\d+\\.\\d\\d median of the rounds' ratios.*")), b.out());
	}
}
