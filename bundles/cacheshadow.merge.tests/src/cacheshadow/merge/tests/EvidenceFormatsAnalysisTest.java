package cacheshadow.merge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import cacheshadow.layers.EvidenceFormat;
import cacheshadow.layers.KdumpLayer;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;
import cacheshadow.listing.ManifestFormat;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.View;
import cacheshadow.testing.FormatEvidence;

/**
 * The analysis through every evidence format equals the one through its raw or ELF form: the sample's disk.img as
 * VMDK, VHD, VHDX and E01 (made by qemu-img and ewfacquire) under the merged and disk-only views; one pause of the
 * live guest dumped as ELF and as compressed kdump (zlib by QEMU, flattened and reassembled; LZO and Snappy pages); the
 * sample's ELF dump as a Xen dump-core built to the published layout.
 */
class EvidenceFormatsAnalysisTest {
	private static final String SET = "debian-6.1-kaslr";

	private static String manifest(MergedFileSystem m, View v) throws Exception {
		StringWriter w = new StringWriter();
		ManifestFormat.write(w, m.tree(v).listing(true));
		return w.toString();
	}

	@Test
	void diskFormatsGiveTheRawDisksAnalysis() throws Exception {
		Path set = Samples.dir(SET), d = FormatEvidence.disks(SET);
		String merged, diskOnly;
		try (MergedFileSystem m = MergedFileSystem.open(set.resolve("memory.elf"), set.resolve("disk.img"), set.resolve("kernel"), true, Progress.NONE)) {
			merged = manifest(m, View.MERGED);
			diskOnly = manifest(m, View.DISK_ONLY);
		}
		assertTrue(diskOnly.lines().count() > 30, diskOnly);
		for (String f : List.of("disk.sparse.vmdk", "disk.stream.vmdk", "disk.dynamic.vhd", "disk.fixed.vhd", "disk.vhdx", "disk.E01", "segmented.E01")) {
			try (MergedFileSystem m = MergedFileSystem.open(set.resolve("memory.elf"), d.resolve(f), set.resolve("kernel"), true, Progress.NONE)) {
				assertEquals(diskOnly, manifest(m, View.DISK_ONLY), f);
				assertEquals(merged, manifest(m, View.MERGED), f);
			}
		}
	}

	@Test
	void xenDumpCoreGivesTheElfDumpsAnalysis() throws Exception {
		Path set = Samples.dir(SET), xen = FormatEvidence.xenCore(SET);
		String want, got;
		try (MergedFileSystem m = MergedFileSystem.open(set.resolve("memory.elf"), set.resolve("disk.img"), set.resolve("kernel"), true, Progress.NONE)) {
			want = manifest(m, View.MERGED);
		}
		try (MergedFileSystem m = MergedFileSystem.open(xen, set.resolve("disk.img"), set.resolve("kernel"), true, Progress.NONE)) {
			got = manifest(m, View.MERGED);
		}
		assertTrue(want.lines().filter(l -> l.startsWith("/mnt/tmp/")).count() > 0, want);
		assertEquals(want, got);
	}

	@Test
	void compressedKdumpsGiveTheElfDumpsAnalysis() throws Exception {
		Path d = FormatEvidence.dumps();
		String want;
		try (MergedFileSystem m = MergedFileSystem.open(d.resolve("memory.elf"), null, d.resolve("kernel"), true, Progress.NONE)) {
			want = manifest(m, View.MERGED);
		}
		assertTrue(want.lines().filter(l -> l.startsWith("/mnt/disk/")).count() > 5, "the guest's disk files are in its caches:\n" + want);
		for (String f : List.of("memory.kdump-zlib.flat", "memory.kdump-zlib", "memory.kdump-lzo", "memory.kdump-snappy")) {
			assertEquals(EvidenceFormat.KDUMP, EvidenceFormat.detect(d.resolve(f)), f);
			try (Layer l = Layers.openMemory(d.resolve(f))) {
				assertInstanceOf(KdumpLayer.class, l);
			}
			try (MergedFileSystem m = MergedFileSystem.open(d.resolve(f), null, d.resolve("kernel"), true, Progress.NONE)) {
				assertEquals(want, manifest(m, View.MERGED), f);
			}
		}
	}
}
