package cacheshadow.caches.tests;

import cacheshadow.testing.PatchedLayer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import cacheshadow.caches.CacheAnalysis;
import cacheshadow.caches.CachedEntry;
import cacheshadow.kernel.Btf;
import cacheshadow.kernel.BtfParser;
import cacheshadow.kernel.KernelImage;
import cacheshadow.kernel.LinuxKernel;
import cacheshadow.kernel.SymbolTable;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.Finding;

/**
 * Crafted hostile dentry structures over a real snapshot (the attacker is root in the guest): walks end with a
 * finding naming the address, never hang, and everything else is still listed.
 */
class HostileStructuresTest {

	private record Setup(Btf btf, SymbolTable map, LinuxKernel kernel, CacheAnalysis clean) {
	}

	private static Setup setup(String set, Layer mem) throws Exception {
		Btf btf = BtfParser.parse(Samples.file(set, "kernel/vmlinux.btf"));
		SymbolTable map = SymbolTable.readSystemMap(Samples.file(set, "kernel/System.map"));
		LinuxKernel k = LinuxKernel.open(mem, btf, map, Progress.NONE);
		return new Setup(btf, map, k, CacheAnalysis.walk(k, Progress.NONE));
	}

	private static CachedEntry entry(CacheAnalysis a, String path) {
		return a.entries().stream().filter(e -> e.path().equals(path) && e.state() == CachedEntry.State.POSITIVE).findFirst().orElseThrow();
	}

	/** Sibling link addresses (list_head / hlist_node inside each child) of a directory dentry. */
	private static List<Long> siblingLinks(Setup s, long dentry) throws Exception {
		Btf b = s.btf;
		LinuxKernel k = s.kernel;
		boolean hlist = b.hasField("dentry", "d_children");
		long head = dentry + b.field("dentry", hlist ? "d_children" : "d_subdirs").offset();
		long p = k.u64(head);
		List<Long> out = new java.util.ArrayList<>();
		while (hlist ? p != 0 : p != head) {
			out.add(p);
			p = k.u64(p);
		}
		return out;
	}

	private static CacheAnalysis walkPatched(Layer mem, Setup s, PatchedLayer patched) throws Exception {
		LinuxKernel k = LinuxKernel.open(patched, s.btf, s.map, Progress.NONE);
		return assertTimeoutPreemptively(Duration.ofSeconds(20), () -> CacheAnalysis.walk(k, Progress.NONE));
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void childListLoopBecomesAFinding(String set) throws Exception {
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			Setup s = setup(set, mem);
			CachedEntry hist = entry(s.clean, "/mnt/disk/hist");
			List<Long> links = siblingLinks(s, hist.dentry());
			assertTrue(links.size() >= 3);
			// The last child's next pointer goes back to the first child: the list never reaches its end.
			long last = links.get(links.size() - 1);
			PatchedLayer p = new PatchedLayer(mem).put64(s.kernel.toPhysical(last), links.get(0));
			CacheAnalysis a = walkPatched(mem, s, p);
			Finding f = a.findings().stream().filter(x -> x.kind().equals("dentry-child-list-cycle")).findFirst().orElseThrow();
			assertEquals(String.format("0x%x", links.get(0)), f.location());
			// Every name is still found: the loop only repeats children already seen.
			assertEquals(paths(s.clean), paths(a));
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void pointerIntoNowhereBecomesAFinding(String set) throws Exception {
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			Setup s = setup(set, mem);
			CachedEntry conf = entry(s.clean, "/mnt/disk/etc/app.conf");
			CachedEntry hist = entry(s.clean, "/mnt/disk/hist");
			long nowhere = 0xffff_fe00_dead_0000L;
			long dInode = s.btf.field("dentry", "d_inode").offset();
			List<Long> links = siblingLinks(s, hist.dentry());
			PatchedLayer p = new PatchedLayer(mem).put64(s.kernel.toPhysical(conf.dentry() + dInode), nowhere)
					// A sibling link into unmapped memory cuts /mnt/disk/hist's child list short.
					.put64(s.kernel.toPhysical(links.get(1)), nowhere);
			CacheAnalysis a = walkPatched(mem, s, p);
			assertTrue(a.findings().stream().anyMatch(x -> x.kind().equals("inode-unreadable") && x.location().equals(String.format("0x%x", nowhere))), a.findings().toString());
			assertTrue(a.findings().stream().anyMatch(x -> x.kind().equals("dentry-child-list-broken") && x.location().equals(String.format("0x%x", nowhere))), a.findings().toString());
			Map<String, FileRecord> got = new HashMap<>();
			a.records().forEach(r -> got.put(r.path(), r));
			assertTrue(!got.containsKey("/mnt/disk/etc/app.conf"));
			assertEquals(s.clean.records().stream().filter(r -> r.path().startsWith("/mnt/tmp")).toList(),
					a.records().stream().filter(r -> r.path().startsWith("/mnt/tmp")).toList());
			assertTrue(got.containsKey("/mnt/disk/data/blob.bin"));
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void directoryCycleBecomesAFinding(String set) throws Exception {
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			Setup s = setup(set, mem);
			// /mnt/disk/a/b/c/d's child list is made to hold /mnt/disk/a: a directory inside itself.
			CachedEntry d = entry(s.clean, "/mnt/disk/a/b/c/d");
			CachedEntry a1 = entry(s.clean, "/mnt/disk/a");
			Btf b = s.btf;
			boolean hlist = b.hasField("dentry", "d_children");
			long headOff = b.field("dentry", hlist ? "d_children" : "d_subdirs").offset();
			long sibOff = b.field("dentry", hlist ? "d_sib" : "d_child").offset();
			PatchedLayer p = new PatchedLayer(mem).put64(s.kernel.toPhysical(d.dentry() + headOff), a1.dentry() + sibOff);
			CacheAnalysis a = walkPatched(mem, s, p);
			// a was already reached under /mnt/disk (and its d_parent is not d): reported, not entered again.
			assertTrue(a.findings().stream().anyMatch(x -> (x.kind().equals("dentry-revisited") || x.kind().equals("dentry-parent-mismatch"))
					&& x.location().equals(String.format("0x%x", a1.dentry()))),
					a.findings().toString());
			// d lost its real child; everything else is still there, once.
			List<String> expected = new java.util.ArrayList<>(paths(s.clean));
			expected.removeIf(x -> x.startsWith("/mnt/disk/a/b/c/d/"));
			assertEquals(expected, paths(a));
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void inodeWithoutDentryIsAnOrphan(String set) throws Exception {
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			Setup s = setup(set, mem);
			CachedEntry conf = entry(s.clean, "/mnt/disk/etc/app.conf");
			// Empty i_dentry (as after the last name of an open file is removed): still on the super block's list.
			long iDentry = s.btf.field("inode", "i_dentry").offset();
			PatchedLayer p = new PatchedLayer(mem).put64(s.kernel.toPhysical(conf.inode().address() + iDentry), 0);
			CacheAnalysis a = walkPatched(mem, s, p);
			assertEquals(1, a.orphans().size(), a.orphans().toString());
			assertEquals(conf.inode().ino(), a.orphans().get(0).ino());
			assertEquals(conf.inode().address(), a.orphans().get(0).address());
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void symlinkTargetFromThePageCache(String set) throws Exception {
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			Setup s = setup(set, mem);
			// A tmpfs file turned into a symlink without i_link: its target must come from its first cached page.
			CachedEntry blob = entry(s.clean, "/mnt/tmp/cache/blob.dat");
			long inode = blob.inode().address();
			byte[] page = new cacheshadow.caches.InodePageLookup(s.kernel).page(inode, 0);
			int len = 20;
			long mode = s.btf.field("inode", "i_mode").offset(), size = s.btf.field("inode", "i_size").offset(),
					link = s.btf.field("inode", "i_link").offset();
			PatchedLayer p = new PatchedLayer(mem).put(s.kernel.toPhysical(inode + mode), new byte[] { (byte) 0xff, (byte) 0xa1 })
					.put64(s.kernel.toPhysical(inode + size), len).put64(s.kernel.toPhysical(inode + link), 0);
			CacheAnalysis a = walkPatched(mem, s, p);
			FileRecord r = a.records().stream().filter(x -> x.path().equals("/mnt/tmp/cache/blob.dat")).findFirst().orElseThrow();
			assertEquals(cacheshadow.listing.FileType.SYMLINK, r.type());
			assertEquals(new String(page, 0, len, java.nio.charset.StandardCharsets.UTF_8), r.symlinkTarget());
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void ext4FastSymlinkWithoutILinkIsReadFromInodeData(String set) throws Exception {
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			Setup s = setup(set, mem);
			CachedEntry latest = entry(s.clean, "/mnt/disk/docs/latest");
			assertEquals("readme.txt", latest.inode().symlinkTarget());
			long link = s.btf.field("inode", "i_link").offset();
			PatchedLayer p = new PatchedLayer(mem).put64(s.kernel.toPhysical(latest.inode().address() + link), 0);
			CacheAnalysis a = walkPatched(mem, s, p);
			// ext4_inode_info.i_data (layout from ext4's module BTF in memory) still holds the target.
			assertEquals("readme.txt", entry(a, "/mnt/disk/docs/latest").inode().symlinkTarget());
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void overlongNameIsShownAndFlagged(String set) throws Exception {
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			Setup s = setup(set, mem);
			CachedEntry conf = entry(s.clean, "/mnt/disk/etc/app.conf");
			long lenOff = s.btf.field("dentry", "d_name.len").offset(), nameOff = s.btf.field("dentry", "d_name.name").offset();
			// 1000 'A's somewhere in the direct map, and the dentry's qstr pointed at them.
			long buffer = s.kernel.pageOffsetBase() + 0x10_0000;
			byte[] name = "A".repeat(1000).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
			byte[] len = new byte[4];
			cacheshadow.layers.LittleEndian.put32(len, 0, name.length);
			PatchedLayer p = new PatchedLayer(mem).put(s.kernel.toPhysical(buffer), name)
					.put(s.kernel.toPhysical(conf.dentry() + lenOff), len).put64(s.kernel.toPhysical(conf.dentry() + nameOff), buffer);
			CacheAnalysis a = walkPatched(mem, s, p);
			assertTrue(a.records().stream().anyMatch(r -> r.path().equals("/mnt/disk/etc/" + "A".repeat(1000))));
			assertTrue(a.findings().stream().anyMatch(f -> f.kind().equals("dentry-name-length") && f.location().equals(String.format("0x%x", conf.dentry()))));
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void unhashedPositiveDentryIsADeletion(String set) throws Exception {
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			Setup s = setup(set, mem);
			// d_drop()ped but still referenced (a file deleted while open): d_hash.pprev is NULL.
			CachedEntry conf = entry(s.clean, "/mnt/disk/etc/app.conf");
			long pprev = s.btf.field("dentry", "d_hash.pprev").offset();
			CacheAnalysis a = walkPatched(mem, s, new PatchedLayer(mem).put64(s.kernel.toPhysical(conf.dentry() + pprev), 0));
			assertTrue(a.records().stream().noneMatch(r -> r.path().equals("/mnt/disk/etc/app.conf")));
			CachedEntry d = a.deleted().stream().filter(e -> e.path().equals("/mnt/disk/etc/app.conf")).findFirst().orElseThrow();
			assertEquals(CachedEntry.State.UNHASHED, d.state());
			assertEquals(conf.inode(), d.inode());
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void decoyInitTaskIsReportedNotFollowed(String set) throws Exception {
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			Setup s = setup(set, mem);
			// A byte-for-byte copy of init_task in low memory, before the real one: self-consistent, and first.
			long realPa = s.kernel.kaslr().initTaskPa();
			byte[] task = new byte[(int) s.btf.sizeOf("task_struct")];
			mem.read(realPa, task, 0, task.length);
			long decoyPa = 0x10000 + (realPa & 0xfff);
			PatchedLayer p = new PatchedLayer(mem).put(decoyPa, task);
			String decoy = String.format("physical 0x%x", decoyPa);
			// With kernel files (System.map), and from the snapshot alone (kallsyms and page tables near each candidate).
			for (java.nio.file.Path dir : new java.nio.file.Path[] { Samples.dir(set).resolve("kernel"), null }) {
				CacheAnalysis a = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> CacheAnalysis.open(p, dir, true, Progress.NONE));
				assertEquals(realPa, a.kernel().kaslr().initTaskPa());
				assertEquals(s.clean.entries(), a.entries());
				assertTrue(a.findings().stream().anyMatch(f -> f.kind().equals("init-task-decoy") && f.location().equals(decoy)), a.findings().toString());
			}
			// Without the sweep, from the snapshot alone, init_task is sought in the image around the BTF (the copy is
			// reported only when it lies that near): the real one is still the one followed.
			CacheAnalysis quick = CacheAnalysis.open(p, null, false, Progress.NONE);
			assertEquals(realPa, quick.kernel().kaslr().initTaskPa());
			assertEquals(s.clean.entries(), quick.entries());
			// No symbols at all: the page tables decide.
			LinuxKernel bare = LinuxKernel.open(p, s.btf, null, Progress.NONE);
			assertEquals(realPa, bare.kaslr().initTaskPa());
			assertEquals(s.kernel.pageTables().topTable(), bare.pageTables().topTable());
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void decoyBtfIsReportedNotUsed(String set) throws Exception {
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			Setup s = setup(set, mem);
			// A slightly altered copy of the kernel's BTF at 1 MiB (ZONE_DMA, unused by the kernel's allocations here),
			// physically before the real one.
			byte[] btf = java.nio.file.Files.readAllBytes(Samples.file(set, "kernel/vmlinux.btf"));
			int lastString = btf.length - 2;
			btf[lastString] = (byte) (btf[lastString] == 'x' ? 'y' : 'x');
			PatchedLayer p = new PatchedLayer(mem).put(0x10_0000, btf);
			CacheAnalysis a = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> CacheAnalysis.open(p, null, Progress.NONE));
			assertTrue(!a.btfSource().contains("0x100000"), a.btfSource());
			assertTrue(a.findings().stream().anyMatch(f -> f.kind().equals("btf-decoy") && f.location().equals("physical 0x100000")), a.findings().toString());
			assertEquals(s.clean.entries(), a.entries());
		}
	}

	/**
	 * An ELF core as QEMU writes it carries each vCPU's registers: the BTF is then looked for first in the kernel image
	 * CR3's page tables map, and the rest of memory swept for copies. A planted copy before the kernel's neither wins
	 * nor goes unreported: an altered one is a btf-decoy, a byte-for-byte one is the same BTF.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void btfFoundInTheKernelImageAndDecoysElsewhereReported(String set, @org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
		byte[] btf = java.nio.file.Files.readAllBytes(Samples.file(set, "kernel/vmlinux.btf"));
		long kernelBtf, initTask;
		List<CachedEntry> clean;
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			Setup s = setup(set, mem);
			clean = s.clean.entries();
			initTask = s.kernel.kaslr().initTaskPa();
			kernelBtf = s.kernel.toPhysical(s.map.address("__start_BTF") + s.kernel.kaslr().virtualShift());
			KernelImage image = KernelImage.fromCpuState(mem);
			assertTrue(image != null && image.start() <= kernelBtf && kernelBtf + btf.length <= image.end() && image.start() <= initTask
					&& initTask < image.end(), String.format("image %s, BTF 0x%x, init_task 0x%x", image, kernelBtf, initTask));
			assertEquals(0, image.start() % (2 << 20));
			assertTrue(image.end() - image.start() < 256L << 20, image.toString());
		}
		byte[] altered = btf.clone();
		altered[altered.length - 2] = (byte) (altered[altered.length - 2] == 'x' ? 'y' : 'x');
		java.nio.file.Path copy = tmp.resolve("memory.elf");
		java.nio.file.Files.copy(Samples.file(set, "memory.elf"), copy);
		// at 1 MiB an altered copy, at 6 MiB an exact one (ZONE_DMA, unused by the kernel here): both before the kernel's
		try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(copy, java.nio.file.StandardOpenOption.READ,
				java.nio.file.StandardOpenOption.WRITE)) {
			ch.write(java.nio.ByteBuffer.wrap(altered), elfFileOffset(ch, 0x10_0000));
			ch.write(java.nio.ByteBuffer.wrap(btf), elfFileOffset(ch, 0x60_0000));
		}
		try (Layer mem = Layers.openMemory(copy)) {
			CacheAnalysis a = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> CacheAnalysis.open(mem, null, Progress.NONE));
			assertEquals(String.format("BTF in memory at physical 0x%x", kernelBtf), a.btfSource());
			assertEquals(initTask, a.kernel().kaslr().initTaskPa());
			List<Finding> decoys = a.findings().stream().filter(f -> f.kind().equals("btf-decoy")).toList();
			assertEquals(List.of("physical 0x100000"), decoys.stream().map(Finding::location).toList(), a.findings().toString());
			assertEquals(clean, a.entries());
		}
	}

	/** The file offset of physical address {@code pa} in an ELF core (its PT_LOAD segments). */
	private static long elfFileOffset(java.nio.channels.FileChannel ch, long pa) throws Exception {
		java.nio.ByteBuffer h = java.nio.ByteBuffer.allocate(64).order(java.nio.ByteOrder.LITTLE_ENDIAN);
		ch.read(h, 0);
		long phoff = h.getLong(0x20);
		int size = Short.toUnsignedInt(h.getShort(0x36)), count = Short.toUnsignedInt(h.getShort(0x38));
		for (int i = 0; i < count; i++) {
			java.nio.ByteBuffer p = java.nio.ByteBuffer.allocate(size).order(java.nio.ByteOrder.LITTLE_ENDIAN);
			ch.read(p, phoff + (long) i * size);
			long offset = p.getLong(8), paddr = p.getLong(24), filesz = p.getLong(32);
			if (p.getInt(0) == 1 && paddr <= pa && pa < paddr + filesz) return offset + (pa - paddr);
		}
		throw new AssertionError(String.format("0x%x not in the core", pa));
	}

	private static List<String> paths(CacheAnalysis a) {
		return a.entries().stream().map(e -> e.path() + " " + e.state()).toList();
	}
}
