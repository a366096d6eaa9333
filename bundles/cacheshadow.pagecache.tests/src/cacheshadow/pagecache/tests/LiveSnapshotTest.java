package cacheshadow.pagecache.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.caches.CacheAnalysis;
import cacheshadow.cases.Case;
import cacheshadow.cases.CustodyEntry;
import cacheshadow.cases.EvidenceItem;
import cacheshadow.layers.EvidenceFormat;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.ManifestFormat;
import cacheshadow.pagecache.CachedFile;
import cacheshadow.pagecache.LiveGuest;
import cacheshadow.pagecache.LiveSnapshot;
import cacheshadow.pagecache.PageCache;

/**
 * "Snapshot now" of the live guest started by {@code make-evidence.sh --live DIR} ({@code -Dcacheshadow.live=DIR}):
 * into a new case, the RAM as an ELF core that reads like any snapshot (every {@code pages.tsv} page bit-exact, every
 * regular file's sha256 as the guest's manifest) and the disk as it stood (the idle guest's image, byte for byte),
 * both registered with their SHA-256, read-only, the custody log telling how; the guest runs afterwards and QEMU keeps
 * no job or node of ours. Refused without leaving anything: a folder that holds a snapshot, a disk no device reads.
 */
@EnabledIfSystemProperty(named = "cacheshadow.live", matches = ".+")
class LiveSnapshotTest {
	@Test
	void snapshotNowIntoACase(@TempDir Path tmp) throws Exception {
		Path dir = cacheshadow.testing.LiveGuestDir.await();
		try (LiveGuest g = LiveGuest.attach(dir); Case c = Case.create(tmp.resolve("case"), "live snapshot")) {
			LiveSnapshot.Result r = LiveSnapshot.intoCase(c, g, dir.resolve("disk.img"), Progress.NONE);
			System.out.printf("live snapshot: guest paused %.0f ms (RAM written by QEMU), whole snapshot %.1f s, %d + %d bytes%n", r.pausedNanos() / 1e6,
					r.totalNanos() / 1e9, Files.size(r.memory()), r.disks().get(0).size());
			assertTrue(g.qmp().running(), "the guest runs after the snapshot");
			assertEquals(List.of(), leftovers(g), "QEMU keeps no job or block node of the snapshot");
			assertTrue(r.memory().startsWith(c.dir().resolve("live")), r.memory().toString());

			// registered as evidence: format from content, SHA-256 of the file as it is, read-only
			List<EvidenceItem> ev = c.evidence();
			assertEquals(2, ev.size());
			assertEquals(r.memory().toString(), ev.get(0).path());
			assertEquals(EvidenceFormat.Kind.MEMORY, ev.get(0).format().kind());
			assertEquals(r.disks().get(0).file().toString(), ev.get(1).path());
			assertEquals(EvidenceFormat.Kind.DISK, ev.get(1).format().kind());
			for (EvidenceItem e : ev) {
				assertEquals(sha256(Path.of(e.path())), e.sha256(), e.path());
				assertEquals("r--r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(e.path()))));
			}
			// the idle guest's disk image is what the backup copied
			assertEquals(sha256(dir.resolve("disk.img")), ev.get(1).sha256(), "the disk as it stood at the pause");
			// custody: how it was taken, then each file added and hashed
			List<String> actions = c.custodyLog().stream().map(CustodyEntry::action).toList();
			assertEquals(List.of("case-created", "live-snapshot", "evidence-added", "evidence-hashed", "evidence-added", "evidence-hashed"), actions);
			String how = c.custodyLog().get(1).detail();
			assertTrue(how.contains("dump-guest-memory") && how.contains("blockdev-backup") && how.contains("paused at " + r.pausedAt())
					&& how.contains(dir.resolve("disk.img").toRealPath().toString()), how);
			assertTrue(c.custodyChain().intact());

			// the RAM reads like any snapshot: the guest's own page hashes and file hashes
			List<String> pagesTsv = Files.readAllLines(dir.resolve("pages.tsv"));
			Map<String, String> sha = new HashMap<>();
			for (FileRecord f : ManifestFormat.read(dir.resolve("manifest.tsv"))) if (f.type().isRegular()) sha.put(f.path(), f.sha256());
			try (Layer mem = Layers.openMemory(r.memory())) {
				PageCache cache = new PageCache(CacheAnalysis.open(mem, null, Progress.NONE));
				for (String l : pagesTsv.subList(1, pagesTsv.size())) {
					String[] col = l.split("\t");
					CachedFile f = cache.file(col[0]);
					assertEquals(col[2], f.pageSha256(Long.parseLong(col[1])), l);
				}
				int hashed = 0;
				for (FileRecord f : cache.withContentHashes()) {
					if (sha.containsKey(f.path())) {
						assertEquals(sha.get(f.path()), f.sha256(), f.path());
						hashed++;
					}
				}
				assertEquals(sha.size(), hashed);
			}

			// refused, leaving nothing behind: the same folder again, a disk image the guest does not read
			Path folder = r.memory().getParent();
			assertThrows(FileAlreadyExistsException.class, () -> LiveSnapshot.take(g, folder, dir.resolve("disk.img"), Progress.NONE));
			IOException none = assertThrows(IOException.class, () -> LiveSnapshot.take(g, tmp.resolve("other"), dir.resolve("disk.base.img"), Progress.NONE));
			assertTrue(none.getMessage().contains("no block device reading") && none.getMessage().contains("hd0"), none.getMessage());
			assertFalse(Files.exists(tmp.resolve("other").resolve("memory.elf")));
			IOException failed = assertThrows(IOException.class, () -> LiveSnapshot.intoCase(c, g, dir.resolve("disk.base.img"), Progress.NONE));
			assertEquals("live-snapshot-failed", c.custodyLog().get(c.custodyLog().size() - 1).action(), failed.getMessage());
			assertEquals(2, c.evidence().size());
			assertTrue(g.qmp().running());
			assertEquals(List.of(), leftovers(g));
		}
	}

	/** Block jobs and block nodes of ours that QEMU still holds. */
	private static List<String> leftovers(LiveGuest g) throws IOException {
		List<String> out = new java.util.ArrayList<>();
		for (Object j : (List<?>) g.qmp().call("query-jobs", null)) out.add("job " + ((Map<?, ?>) j).get("id"));
		for (Object n : (List<?>) g.qmp().call("query-named-block-nodes", Map.of("flat", true))) {
			Object name = ((Map<?, ?>) n).get("node-name");
			if (name instanceof String s && s.startsWith("cs")) out.add("node " + s);
		}
		return out;
	}

	static String sha256(Path f) throws Exception {
		MessageDigest md = MessageDigest.getInstance("SHA-256");
		try (var in = Files.newInputStream(f)) {
			byte[] b = new byte[1 << 20];
			for (int n; (n = in.read(b)) > 0;) md.update(b, 0, n);
		}
		return HexFormat.of().formatHex(md.digest());
	}
}
