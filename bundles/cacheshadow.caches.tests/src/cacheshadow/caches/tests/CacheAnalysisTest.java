package cacheshadow.caches.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import cacheshadow.caches.CacheAnalysis;
import cacheshadow.caches.CachedEntry;
import cacheshadow.caches.Mount;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.Finding;
import cacheshadow.listing.ManifestFormat;

class CacheAnalysisTest {

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void withKernelFilesEveryCachedManifestPathMatches(String set) throws Exception {
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			CacheAnalysis a = CacheAnalysis.open(mem, Samples.dir(set).resolve("kernel"), Progress.NONE);
			check(set, a);
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void snapshotAloneGivesTheSameListing(String set) throws Exception {
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			CacheAnalysis withFiles = CacheAnalysis.open(mem, Samples.dir(set).resolve("kernel"), Progress.NONE);
			long t0 = System.nanoTime();
			CacheAnalysis alone = CacheAnalysis.open(mem, null, Progress.NONE);
			System.out.printf("%s: snapshot-only analysis in %.0f ms (BTF: %s)%n", set, (System.nanoTime() - t0) / 1e6, alone.btfSource());
			assertTrue(alone.btfSource().startsWith("BTF in memory"));
			assertTrue(alone.symbolSource().startsWith("kallsyms in memory"), alone.symbolSource());
			assertEquals(withFiles.virtualShift(), alone.virtualShift());
			assertEquals(withFiles.kernel().pageOffsetBase(), alone.kernel().pageOffsetBase());
			assertEquals(withFiles.kernel().vmemmapBase(), alone.kernel().vmemmapBase());
			assertEquals(withFiles.kernel().vmallocBase(), alone.kernel().vmallocBase());
			check(set, alone);
			assertEquals(withFiles.records(), alone.records());
			assertEquals(withFiles.entries(), alone.entries());
			assertEquals(withFiles.mounts(), alone.mounts());
			assertEquals(withFiles.orphans(), alone.orphans());
			assertEquals(withFiles.physBase(), alone.physBase());
		}
	}

	@org.junit.jupiter.api.Test
	void kernelFilesOfAnotherBuildAreSetAsideWithAWarning(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
		String set = "debian-6.1-kaslr", other = "debian-6.12-kaslr";
		Path both = Files.createDirectories(tmp.resolve("both-wrong"));
		Files.copy(Samples.file(other, "kernel/vmlinux.btf"), both.resolve("vmlinux.btf"));
		Files.copy(Samples.file(other, "kernel/System.map"), both.resolve("System.map"));
		Path mapWrong = Files.createDirectories(tmp.resolve("map-wrong"));
		Files.copy(Samples.file(set, "kernel/vmlinux.btf"), mapWrong.resolve("vmlinux.btf"));
		Files.copy(Samples.file(other, "kernel/System.map"), mapWrong.resolve("System.map"));
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			CacheAnalysis alone = CacheAnalysis.open(mem, null, Progress.NONE);
			for (Path dir : List.of(both, mapWrong)) {
				CacheAnalysis a = CacheAnalysis.open(mem, dir, Progress.NONE);
				long warnings = a.findings().stream().filter(f -> f.kind().equals("kernel-files-mismatch")).count();
				assertEquals(dir == both ? 2 : 1, warnings, a.findings().toString());
				assertTrue(a.symbolSource().startsWith("kallsyms in memory"));
				assertEquals(alone.entries(), a.entries());
				assertEquals(alone.virtualShift(), a.virtualShift());
			}
		}
	}

	@org.junit.jupiter.api.Test
	void elfLimeAndRawFormsGiveIdenticalResults(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
		String set = "debian-6.1-kaslr";
		// The samples ship no raw image: the ELF core's RAM segment (guest-physical 0 up) is one, byte for byte.
		Path raw = tmp.resolve("memory.raw");
		try (Layer elf = Layers.openMemory(Samples.file(set, "memory.elf"));
				java.io.OutputStream o = Files.newOutputStream(raw)) {
			cacheshadow.layers.Extent ram = elf.extents().get(0);
			assertEquals(0, ram.start());
			byte[] buf = new byte[1 << 20];
			for (long p = 0; p < ram.end(); p += buf.length) {
				int n = (int) Math.min(buf.length, ram.end() - p);
				elf.read(p, buf, 0, n);
				o.write(buf, 0, n);
			}
		}
		try (Layer elf = Layers.openMemory(Samples.file(set, "memory.elf"));
				Layer lime = Layers.openMemory(Samples.file(set, "memory.lime"));
				Layer rawLayer = Layers.openMemory(raw)) {
			CacheAnalysis a = CacheAnalysis.open(elf, null, Progress.NONE);
			for (Layer other : List.of(lime, rawLayer)) {
				CacheAnalysis b = CacheAnalysis.open(other, null, Progress.NONE);
				assertEquals(a.entries(), b.entries(), other.name());
				assertEquals(a.mounts(), b.mounts());
				assertEquals(a.orphans(), b.orphans());
				assertEquals(a.findings(), b.findings());
				assertEquals(a.kernelRelease(), b.kernelRelease());
				assertEquals(a.virtualShift(), b.virtualShift());
				assertEquals(a.physBase(), b.physBase());
			}
		}
	}

	static void check(String set, CacheAnalysis a) throws Exception {
		System.out.printf("%s: release %s, shift %s, phys_base 0x%x, %d mounts, %d entries, %d deleted, %d orphans, %d inodes listed, walk %.1f ms%n",
				set, a.kernelRelease(), a.virtualShift() == null ? "-" : "0x" + Long.toHexString(a.virtualShift()), a.physBase(),
				a.mounts().size(), a.entries().size(), a.deleted().size(), a.orphans().size(), a.inodesListed(), a.walkNanos() / 1e6);
		for (Mount m : a.mounts()) System.out.println("  mount " + m.path() + " " + m.device() + " " + m.fsType() + " " + m.id() + " " + m.uuid());
		for (Finding f : a.findings()) System.out.println("  finding " + f);
		for (CachedEntry e : a.deleted()) if (e.path().startsWith("/mnt/")) System.out.println("  deleted " + e.state() + " " + e.path());
		assertEquals(Samples.info(set, "uname_r"), a.kernelRelease());
		// The samples' only nameless cached inodes are ext4's reserved ones (bad blocks 1, journal 8): no orphans.
		assertEquals(List.of(), a.orphans());
		assertTrue(a.inodesListed() > 500);
		Mount disk = a.mounts().stream().filter(m -> m.path().equals("/mnt/disk")).findFirst().orElse(null);
		assertNotNull(disk, "ext4 mount");
		assertEquals("ext4", disk.fsType());
		assertEquals("/dev/vda", disk.device());
		// The file system UUID the merge matches disks by: equal to the on-disk ext4 superblock's s_uuid
		// (superblock at byte 1024, s_uuid at 0x68 — the ext4 on-disk format).
		byte[] sb = new byte[16];
		try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(Samples.file(set, "disk.img").toFile(), "r")) {
			f.seek(1024 + 0x68);
			f.readFully(sb);
		}
		java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(sb);
		assertEquals(new java.util.UUID(bb.getLong(), bb.getLong()).toString(), disk.uuid());
		Mount tmp = a.mounts().stream().filter(m -> m.path().equals("/mnt/tmp")).findFirst().orElse(null);
		assertNotNull(tmp, "tmpfs mount");
		assertEquals("tmpfs", tmp.fsType());

		List<FileRecord> expected = ManifestFormat.read(Samples.file(set, "manifest.tsv"));
		Map<String, FileRecord> got = new HashMap<>();
		for (FileRecord r : a.records()) got.put(r.path(), r);
		Path out = Path.of(System.getProperty("java.io.tmpdir"), "cacheshadow-" + set + "-cache-only.tsv");
		ManifestFormat.write(out, a.records().stream().filter(r -> r.path().startsWith("/mnt/")).toList());
		List<String> diffs = new ArrayList<>();
		List<String> missing = new ArrayList<>();
		int matched = 0;
		for (FileRecord e : expected) {
			FileRecord g = got.get(e.path());
			if (g == null) {
				missing.add(e.path());
				continue;
			}
			String d = differences(e, g);
			if (d.isEmpty()) matched++;
			else diffs.add(e.path() + ": " + d);
		}
		System.out.printf("%s: %d of %d manifest paths in the dentry cache, %d match exactly; not cached: %s%n", set,
				expected.size() - missing.size(), expected.size(), matched, missing);
		diffs.forEach(d -> System.out.println("  DIFF " + d));
		assertTrue(diffs.isEmpty(), diffs.toString());
		assertTrue(matched > expected.size() / 2, "only " + matched + " matched");
		assertTrue(Files.size(out) > 0);
	}

	static String differences(FileRecord e, FileRecord g) {
		StringBuilder sb = new StringBuilder();
		if (e.type() != g.type()) sb.append(" type ").append(e.type()).append("/").append(g.type());
		if (e.permissions() != g.permissions()) sb.append(" mode ").append(Integer.toOctalString(e.permissions())).append("/").append(Integer.toOctalString(g.permissions()));
		if (e.uid() != g.uid()) sb.append(" uid ").append(e.uid()).append("/").append(g.uid());
		if (e.gid() != g.gid()) sb.append(" gid ").append(e.gid()).append("/").append(g.gid());
		if (e.size() != g.size()) sb.append(" size ").append(e.size()).append("/").append(g.size());
		if (e.nlink() != g.nlink()) sb.append(" nlink ").append(e.nlink()).append("/").append(g.nlink());
		if (e.inode() != g.inode()) sb.append(" inode ").append(e.inode()).append("/").append(g.inode());
		if (e.atime() != g.atime()) sb.append(" atime ").append(e.atime()).append("/").append(g.atime());
		if (e.mtime() != g.mtime()) sb.append(" mtime ").append(e.mtime()).append("/").append(g.mtime());
		if (e.ctime() != g.ctime()) sb.append(" ctime ").append(e.ctime()).append("/").append(g.ctime());
		if (e.mtimeNanos() != g.mtimeNanos()) sb.append(" mtime_ns ").append(e.mtimeNanos()).append("/").append(g.mtimeNanos());
		if (!java.util.Objects.equals(e.symlinkTarget(), g.symlinkTarget())) sb.append(" symlink ").append(e.symlinkTarget()).append("/").append(g.symlinkTarget());
		return sb.toString();
	}
}
