package cacheshadow.fuse.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.fuse.FuseMount;
import cacheshadow.fuse.MergeViewTree;
import cacheshadow.layers.Progress;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.ManifestFormat;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.View;
import cacheshadow.merge.ViewTree;
import cacheshadow.testing.CutEvidence;
import cacheshadow.testing.FuseDevice;

/**
 * The merged view of a memory snapshot cut at 99% (mount --partial): sha256sum of every file whose row no gap flags
 * is the guest's; reading a file whose bytes the snapshot lacks fails with EIO, reported once per message, and no
 * file is served as zeros or as the disk's older bytes where the guest's page cache is unknown.
 */
class PartialMountTest {
	@Test
	void readsOfMissingBytesFailWithEio(@TempDir Path tmp) throws Exception {
		FuseDevice.assumePresent();
		String set = "debian-6.1-kaslr";
		CutEvidence cut = CutEvidence.copy(Samples.file(set, "memory.elf"), tmp);
		cut.cutTo(cut.size() * 99 / 100); // the page table mapping the last struct pages is cut: some files flagged, most not
		try (MergedFileSystem m = MergedFileSystem.open(cut.file(), Samples.file(set, "disk.img"), Samples.dir(set).resolve("kernel"), true, false, true,
				Progress.NONE)) {
			ViewTree merged = m.tree(View.MERGED);
			merged.listing(true); // the gaps of content are known once hashed
			Path mnt = tmp.resolve("mnt");
			Files.createDirectory(mnt);
			List<String> errors = new ArrayList<>();
			FuseMount mount = FuseMount.mount(MergeViewTree.of(m, View.MERGED), mnt, "partial", FuseMount.Options.DEFAULT, errors::add);
			int same = 0, refused = 0;
			try {
				String root = mnt.toRealPath().toString();
				for (FileRecord r : ManifestFormat.read(Samples.file(set, "manifest.tsv"))) {
					if (!r.type().isRegular()) continue;
					Shell.Result sum = Shell.run(List.of("sha256sum", root + r.path()));
					if (merged.gaps().parts(r.path()).isEmpty()) {
						assertEquals(0, sum.exit(), r.path() + ": " + sum.out());
						assertEquals(r.sha256(), sum.out().split(" ")[0], r.path() + " is not flagged: the guest's bytes");
						same++;
					} else if (sum.exit() != 0) {
						assertTrue(sum.out().contains("Input/output error"), sum.out());
						refused++;
					}
				}
			} finally {
				mount.close();
			}
			assertTrue(same > 0 && refused > 0, same + " files read whole, " + refused + " refused");
			assertTrue(errors.stream().anyMatch(e -> e.contains("missing from the evidence")), errors.toString());
		}
	}
}
