package cacheshadow.merge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import cacheshadow.listing.FileRecord;
import cacheshadow.listing.Finding;
import cacheshadow.listing.ManifestFormat;
import cacheshadow.merge.FileContent;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.PathStatus;
import cacheshadow.merge.View;
import cacheshadow.merge.ViewTree;

/**
 * The merge on the real samples: the merged view is the guest's own listing ({@code manifest.tsv}) in every column,
 * the disk-only view the disk after journal replay ({@code manifest.round-6.tsv}, which the sample's verification
 * proved equal to debugfs after e2fsck), and each {@code expect.tsv} line gets the status it describes.
 */
class MergedFileSystemTest {
	static List<String> sets() throws java.io.IOException {
		return Samples.allSets();
	}

	@ParameterizedTest
	@MethodSource("sets")
	void mergedViewEqualsTheGuestsManifest(String set) throws Exception {
		MergedFileSystem m = Samples.merged(set);
		List<FileRecord> expected = ManifestFormat.read(Samples.file(set, "manifest.tsv"));
		List<FileRecord> got = Samples.under(m.tree(View.MERGED).listing(true), "/mnt/disk", "/mnt/tmp");
		List<String> diff = Samples.diff(expected, got);
		assertEquals(List.of(), diff, String.join("\n", diff));
	}

	@ParameterizedTest
	@MethodSource("sets")
	void diskOnlyViewEqualsTheReplayedDisk(String set) throws Exception {
		MergedFileSystem m = Samples.merged(set);
		assertEquals("/mnt/disk", m.tree(View.DISK_ONLY).root());
		List<FileRecord> expected = ManifestFormat.read(Samples.lastRound(set));
		List<String> diff = Samples.diff(expected, m.tree(View.DISK_ONLY).listing(true));
		assertEquals(List.of(), diff, String.join("\n", diff));
	}

	@ParameterizedTest
	@MethodSource("sets")
	void expectationsOfTheStaleDiskBecomeStatuses(String set) throws Exception {
		MergedFileSystem m = Samples.merged(set);
		var expect = Samples.expect(set);
		List<String> wrong = new ArrayList<>();
		for (String p : expect.getOrDefault("absent", List.of())) check(m, p, PathStatus.Kind.CACHE_ONLY, null, wrong);
		for (String p : expect.getOrDefault("gone", List.of())) check(m, p, PathStatus.Kind.DELETED, null, wrong);
		for (String p : expect.getOrDefault("content", List.of())) check(m, p, PathStatus.Kind.DIFFERS, "data", wrong);
		for (String p : expect.getOrDefault("mode", List.of())) check(m, p, PathStatus.Kind.DIFFERS, "mode", wrong);
		for (String p : expect.getOrDefault("owner", List.of())) check(m, p, PathStatus.Kind.DIFFERS, "owner", wrong);
		assertEquals(List.of(), wrong);
		for (PathStatus s : m.statuses()) if (s.path().startsWith("/mnt/")) System.out.println(set + " " + s.path() + "\t" + s.manifestColumn());
	}

	private static void check(MergedFileSystem m, String path, PathStatus.Kind kind, String difference, List<String> wrong) throws Exception {
		PathStatus s = m.status(path);
		if (s == null || s.kind() != kind || difference != null && !s.differences().contains(difference)) {
			wrong.add(path + ": expected " + kind.label() + (difference == null ? "" : ":" + difference) + ", got " + (s == null ? "nothing" : s.manifestColumn()));
		}
	}

	@ParameterizedTest
	@MethodSource("sets")
	void fileLevelAndBlockLevelMergesAgree(String set) throws Exception {
		MergedFileSystem m = Samples.merged(set);
		assertEquals(1, m.disks().size());
		assertNotNull(m.disks().get(0).mount(), "the disk matched a cached super block by UUID");
		assertNotNull(m.disks().get(0).overlay(), "block-device cache found");
		for (Finding f : m.findings()) System.out.println(set + " finding " + f);
		assertEquals(List.of(), m.mergeFindings());
		assertTrue(m.tree(View.MERGED).paths().size() > m.tree(View.DISK_ONLY).paths().size());
	}

	/**
	 * Reads that start and end inside pages, cross from cached pages to disk blocks and back, and span runs of
	 * physically contiguous pages give every file of the merged view the guest's sha256 too.
	 */
	@ParameterizedTest
	@MethodSource("sets")
	void unalignedReadsGiveTheGuestsBytes(String set) throws Exception {
		MergedFileSystem m = Samples.merged(set);
		ViewTree v = m.tree(View.MERGED);
		int checked = 0;
		for (FileRecord want : ManifestFormat.read(Samples.file(set, "manifest.tsv"))) {
			if (!want.type().isRegular() || want.sha256() == null || !v.exists(want.path())) continue;
			FileContent c = v.content(want.path());
			MessageDigest md = MessageDigest.getInstance("SHA-256");
			byte[] buf = new byte[3 * 4096 + 1];
			int[] sizes = { 1, 4095, 4097, 3 * 4096 + 1, 77 };
			long pos = 0;
			for (int i = 0; pos < c.size(); i++) {
				int k = c.read(pos, buf, 0, sizes[i % sizes.length]);
				md.update(buf, 0, k);
				pos += k;
			}
			assertEquals(want.sha256(), HexFormat.of().formatHex(md.digest()), want.path());
			checked++;
		}
		assertTrue(checked > 10, checked + " files");
	}
}
