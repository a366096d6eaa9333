package cacheshadow.merge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import cacheshadow.ext4.BlockMap;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.ManifestFormat;
import cacheshadow.merge.ByteProvenance;
import cacheshadow.merge.DirtyPageDiff;
import cacheshadow.merge.FileHexDiff;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.View;
import cacheshadow.merge.ViewTree;

/**
 * Per-byte provenance and the hex diff on the samples: phase-2 bytes come from dirty pages and nothing is unknown;
 * with clean pages dropped the disk side of the merge supplies the same bytes from the right blocks; each dirty page
 * of the {@code content} files of {@code expect.tsv} differs from the old disk blocks exactly where phase 2 wrote.
 */
class ProvenanceAndDiffTest {
	static List<String> sets() throws java.io.IOException {
		return Samples.allSets();
	}

	@ParameterizedTest
	@MethodSource("sets")
	void provenanceCoversEveryByteAndPhase2BytesAreDirty(String set) throws Exception {
		MergedFileSystem m = Samples.merged(set);
		ViewTree t = m.tree(View.MERGED);
		for (FileRecord r : ManifestFormat.read(Samples.file(set, "manifest.tsv"))) {
			if (!r.type().isRegular()) continue;
			List<ByteProvenance> ps = t.provenance(r.path());
			long at = 0;
			for (ByteProvenance p : ps) {
				assertEquals(at, p.offset(), r.path() + " " + ps);
				assertFalse(p.source() == ByteProvenance.Source.UNKNOWN, r.path() + " " + ps);
				at = p.end();
			}
			assertEquals(r.size(), at, r.path());
		}
		for (String p : Samples.expect(set).get("content")) {
			assertTrue(t.provenance(p).stream().anyMatch(b -> b.source() == ByteProvenance.Source.DIRTY_PAGE), p + " " + t.provenance(p));
		}
		for (String p : Samples.expect(set).get("absent")) {
			if (t.getattr(p).type().isRegular() && m.status(p).renamed() == null) { // a renamed file keeps its old, clean pages
				assertTrue(t.provenance(p).stream().allMatch(b -> b.source() == ByteProvenance.Source.DIRTY_PAGE), p + " " + t.provenance(p));
			}
		}
	}

	@ParameterizedTest
	@MethodSource("sets")
	void withCleanPagesDroppedTheDiskSuppliesTheSameBytes(String set) throws Exception {
		MergedFileSystem m = Samples.merged(set);
		ViewTree dropped = m.mergedWithoutCleanPages();
		List<FileRecord> expected = ManifestFormat.read(Samples.file(set, "manifest.tsv"));
		List<String> diff = Samples.diff(expected, Samples.under(dropped.listing(true), "/mnt/disk", "/mnt/tmp"));
		assertEquals(List.of(), diff, String.join("\n", diff));
		// the disk ranges name the blocks the disk's own block map gives
		Ext4FileSystem disk = m.disks().get(0).merged();
		int diskRanges = 0;
		for (FileRecord r : expected) {
			if (!r.type().isRegular() || !r.path().startsWith("/mnt/disk/")) continue;
			BlockMap map = disk.blockMap(disk.inode(r.inode()));
			for (ByteProvenance p : dropped.provenance(r.path())) {
				if (p.source() != ByteProvenance.Source.DISK_BLOCK) continue;
				diskRanges++;
				assertEquals(map.physical(p.offset() / disk.blockSize()), p.diskBlock(), r.path() + " " + p);
				assertEquals(map.physical((p.end() - 1) / disk.blockSize()), p.diskBlock() + (p.end() - 1) / disk.blockSize() - p.offset() / disk.blockSize(), r.path() + " " + p);
			}
		}
		assertTrue(diskRanges > 20, "only " + diskRanges + " disk ranges");
	}

	@ParameterizedTest
	@MethodSource("sets")
	void hexDiffShowsThePhase2BytesAgainstTheOldBlocks(String set) throws Exception {
		MergedFileSystem m = Samples.merged(set);
		String ops = Files.readString(Samples.file(set, "operations.txt"));
		for (String path : Samples.expect(set).get("content")) {
			FileHexDiff d = m.hexDiff(path);
			assertTrue(d.dirtyPages() > 0 && !d.pages().isEmpty(), path);
			assertTrue(d.pages().stream().anyMatch(p -> !p.runs().isEmpty()), path + ": no differing bytes");
			String rel = path.substring("/mnt/disk".length());
			long lo = 0, hi = Long.MAX_VALUE;
			Matcher ow = Pattern.compile("phase2 overwrite " + Pattern.quote(rel) + " offset (\\d+) len (\\d+)").matcher(ops);
			Matcher tr = Pattern.compile("phase2 truncate " + Pattern.quote(rel) + " to (\\d+)").matcher(ops);
			Matcher ap = Pattern.compile("phase2 append \\d+ lines to " + Pattern.quote(rel)).matcher(ops);
			if (ow.find()) {
				lo = Long.parseLong(ow.group(1));
				hi = lo + Long.parseLong(ow.group(2));
			} else if (tr.find()) {
				lo = Long.parseLong(tr.group(1)); // the truncated tail: zeros in the page, old bytes on disk
			} else if (ap.find()) {
				lo = d.diskSize(); // the appended bytes
			} else {
				throw new AssertionError("no phase-2 operation on " + path);
			}
			long first = Long.MAX_VALUE, last = -1;
			for (DirtyPageDiff p : d.pages()) {
				for (DirtyPageDiff.ByteRun r : p.runs()) {
					if (r.disk() != null) for (int i = 0; i < r.length(); i++) assertTrue(r.disk()[i] != r.cache()[i]);
					long end = Math.min(r.fileOffset() + r.length(), d.cachedSize());
					if (end <= r.fileOffset() && d.cachedSize() < d.diskSize()) end = r.fileOffset() + r.length(); // truncate: past the end
					if (p.allocated()) {
						first = Math.min(first, r.fileOffset());
						last = Math.max(last, r.fileOffset() + r.length());
					}
				}
			}
			if (hi != Long.MAX_VALUE) {
				// every differing byte lies inside the overwritten range, and the range's ends are reached
				assertTrue(first >= lo && last <= hi, path + ": runs " + first + ".." + last + " outside " + lo + ".." + hi);
			} else {
				assertTrue(first >= lo, path + ": a run starts at " + first + " before " + lo);
			}
			System.out.printf("%s %s: %d dirty pages, runs %d..%d, phase-2 range %d..%s%n", set, path, d.dirtyPages(), first, last, lo, hi == Long.MAX_VALUE ? "end" : Long.toString(hi));
		}
		FileHexDiff fresh = m.hexDiff(Samples.expect(set).get("absent").stream().filter(p -> p.endsWith("p2_file_1.txt")).findFirst().orElseThrow());
		assertEquals(-1, fresh.diskSize());
		assertTrue(fresh.pages().stream().allMatch(p -> !p.allocated() && p.runs().size() == 1 && p.runs().get(0).disk() == null));
		assertNull(m.tree(View.DISK_ONLY).getattr("/mnt/disk/new"));
	}

	static List<String> names(List<FileRecord> rs) {
		List<String> out = new ArrayList<>();
		for (FileRecord r : rs) out.add(r.path());
		return out;
	}
}
