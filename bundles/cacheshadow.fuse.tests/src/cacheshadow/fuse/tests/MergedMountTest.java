package cacheshadow.fuse.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import cacheshadow.fuse.FuseMount;
import cacheshadow.fuse.MergeViewTree;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.FileType;
import cacheshadow.listing.ManifestFormat;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.View;
import cacheshadow.testing.FuseDevice;
import cacheshadow.testing.SampleMerge;

/**
 * The merge model's views mounted through FUSE: the merged view (guest namespace at the mount's root) shows
 * /mnt/disk and /mnt/tmp exactly as the guest's manifest.tsv lists them to find, stat and sha256sum (st_ino of
 * /mnt/tmp in its low 32 bits), and find walks the whole namespace without a file-system loop; the merge's
 * disk-only view (rooted at /mnt/disk) equals manifest.round-6.tsv.
 */
class MergedMountTest {
	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void mergedAndDiskOnlyViewsOnTheMount(String set, @TempDir Path tmp) throws Exception {
		FuseDevice.assumePresent();
		try (MergedFileSystem merged = SampleMerge.open(set)) {
			List<FileRecord> manifest = ManifestFormat.read(Samples.file(set, "manifest.tsv"));
			mountAndCheck(MergeViewTree.of(merged, View.MERGED), tmp.resolve("merged"), "", manifest, List.of("/mnt/disk", "/mnt/tmp"), true);
			List<FileRecord> round6 = ManifestFormat.read(Samples.file(set, "manifest.round-6.tsv"));
			mountAndCheck(MergeViewTree.of(merged, View.DISK_ONLY), tmp.resolve("disk-only"), "/mnt/disk", round6, List.of("/mnt/disk"), false);
		}
	}

	private static void mountAndCheck(MergeViewTree tree, Path mnt, String guestRoot, List<FileRecord> manifest, List<String> subtrees,
			boolean lowInodeBits) throws Exception {
		Files.createDirectory(mnt);
		List<String> errors = new ArrayList<>();
		FuseMount m = FuseMount.mount(tree, mnt, tree.tree().root(), FuseMount.Options.DEFAULT, errors::add);
		try {
			String root = mnt.toRealPath().toString();
			ManifestOnMount.check(root, guestRoot, manifest, subtrees, lowInodeBits);
			// the whole mount in one walk: no two directories of different guest file systems look like one inode
			Shell.Result all = Shell.run(List.of("find", root, "-printf", ""));
			assertEquals(new Shell.Result(0, ""), all, "find over the whole mount");
			FileRecord file = manifest.stream().filter(r -> r.type() == FileType.REGULAR).findFirst().get();
			ManifestOnMount.readOnly(root, ManifestOnMount.onMount(root, guestRoot, file.path()));
			// provenance of every regular file as an extended attribute: it covers the file; phase 2 left dirty pages
			long dirty = 0;
			for (FileRecord r : manifest) {
				if (!r.type().isRegular()) continue;
				Path p = Path.of(ManifestOnMount.onMount(root, guestRoot, r.path()));
				String prov = Xattrs.get(p, "provenance");
				long covered = 0;
				for (String l : prov.lines().toList()) {
					covered += Long.parseLong(l.substring(l.indexOf('+') + 1, l.indexOf(' ')));
					if (l.contains(" dirty page")) dirty++;
				}
				assertEquals(r.size(), covered, r.path() + " provenance:\n" + prov);
				assertEquals(r.path(), Xattrs.get(p, "path"));
				assertEquals("" + r.inode(), Xattrs.get(p, "inode"));
			}
			if (guestRoot.isEmpty()) {
				assertTrue(dirty > 0, "dirty-page ranges in the merged view");
				assertTrue(Xattrs.names(Path.of(root + "/mnt/disk")).contains("cacheshadow.status"));
				assertTrue(Xattrs.get(Path.of(root + "/mnt/disk"), "status").matches("same|differs.*"), Xattrs.get(Path.of(root + "/mnt/disk"), "status"));
			}
			assertEquals(List.of(), errors, "callback errors");
		} finally {
			m.close();
		}
		assertFalse(m.isServing());
		assertFalse(FuseMount.mountedAt(mnt), "/proc/mounts still lists " + mnt);
		assertTrue(Files.isDirectory(mnt));
	}
}
