package cacheshadow.pagecache.tests;

import cacheshadow.testing.PatchedLayer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import cacheshadow.caches.CacheAnalysis;
import cacheshadow.kernel.Btf;
import cacheshadow.kernel.BtfParser;
import cacheshadow.kernel.LinuxKernel;
import cacheshadow.kernel.SymbolTable;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.Finding;
import cacheshadow.listing.ManifestFormat;
import cacheshadow.pagecache.CachedFile;
import cacheshadow.pagecache.CachedPage;
import cacheshadow.pagecache.PageCache;
import cacheshadow.pagecache.PageCacheCrossCheck;
import cacheshadow.pagecache.PageStructScan;
import cacheshadow.pagecache.Provenance;
import cacheshadow.pagecache.PageIndexWalker;
import cacheshadow.pagecache.XArrayWalker;

/**
 * Crafted hostile page-cache structures over a real snapshot (the attacker is root in the guest): a loop in the
 * XArray, an entry far past the end of a file, a struct page with every flag set, a mapping pointer into nowhere,
 * shadow and swap entries. Each ends bounded, with a finding naming the address, and everything else delivered.
 */
class HostilePageCacheTest {
	private static final Duration LIMIT = Duration.ofSeconds(30);

	private record Setup(Layer mem, Btf btf, SymbolTable map, LinuxKernel kernel, PageCache clean, Map<String, String> sha) {
		long slotsOff() throws Exception {
			return btf.field("xa_node", "slots").offset();
		}

		long pa(long va) throws Exception {
			return kernel.toPhysical(va);
		}

		/** Entries (node, slot) of a file's i_pages. */
		List<PageIndexWalker.Entry> entries(String path) throws Exception {
			CachedFile f = clean.file(path);
			List<PageIndexWalker.Entry> out = new ArrayList<>();
			new XArrayWalker(kernel).walk(f.mapping() + btf.field("address_space", "i_pages").offset(), out::add, new ArrayList<>());
			return out;
		}

		PageCache patched(PatchedLayer p) throws Exception {
			LinuxKernel k = LinuxKernel.open(p, btf, map, Progress.NONE);
			return new PageCache(CacheAnalysis.walk(k, Progress.NONE));
		}
	}

	private static Setup setup(String set, Layer mem) throws Exception {
		Btf btf = BtfParser.parse(Samples.file(set, "kernel/vmlinux.btf"));
		SymbolTable map = SymbolTable.readSystemMap(Samples.file(set, "kernel/System.map"));
		LinuxKernel k = LinuxKernel.open(mem, btf, map, Progress.NONE);
		Map<String, String> sha = new HashMap<>();
		for (FileRecord r : ManifestFormat.read(Samples.file(set, "manifest.tsv"))) if (r.sha256() != null) sha.put(r.path(), r.sha256());
		return new Setup(mem, btf, map, k, new PageCache(CacheAnalysis.walk(k, Progress.NONE)), sha);
	}

	private static Finding finding(List<Finding> fs, String kind) {
		return fs.stream().filter(f -> f.kind().equals(kind)).findFirst().orElseThrow(() -> new AssertionError("no " + kind + " in " + fs));
	}

	private static String hex(long a) {
		return String.format("0x%x", a);
	}

	/** Every other regular file still hashes to the manifest. */
	private static void restDelivered(Setup s, PageCache p, String except) throws Exception {
		int n = 0;
		for (Map.Entry<String, String> e : s.sha.entrySet()) {
			if (e.getKey().equals(except)) continue;
			assertEquals(e.getValue(), p.file(e.getKey()).sha256(), e.getKey());
			n++;
		}
		assertTrue(n > 30);
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void xarrayLoopIsBounded(String set) throws Exception {
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			Setup s = setup(set, mem);
			String path = "/mnt/disk/data/blob.bin"; // 134 pages: a root node of shift 6 over leaf nodes
			List<PageIndexWalker.Entry> es = s.entries(path);
			long leaf = es.get(0).node(), lastLeaf = es.get(es.size() - 1).node();
			// The last leaf's slot 63 points back to the first leaf node.
			PageIndexWalker.Entry last = es.get(es.size() - 1);
			PatchedLayer p = new PatchedLayer(mem).put64(s.pa(last.node() + s.slotsOff() + 8 * 63), leaf | 2);
			PageCache pc = assertTimeoutPreemptively(LIMIT, () -> s.patched(p));
			CachedFile f = assertTimeoutPreemptively(LIMIT, () -> pc.file(path));
			Finding x = pc.findings().stream().filter(ff -> ff.kind().equals("xarray-bad-shift") || ff.kind().equals("xarray-node-loop")).findFirst().orElseThrow();
			assertEquals(hex(last.node()), x.location());
			assertTrue(f.pages().size() >= es.size(), "the rest of the file is still delivered");
			assertEquals(s.sha.get(path), f.sha256());
			// A node whose last slot points to itself: reached twice.
			PatchedLayer p2 = new PatchedLayer(mem).put64(s.pa(lastLeaf + s.slotsOff() + 8 * 63), lastLeaf | 2);
			if (lastLeaf != leaf) {
				PageCache pc2 = assertTimeoutPreemptively(LIMIT, () -> s.patched(p2));
				assertTimeoutPreemptively(LIMIT, () -> pc2.file(path));
				assertTrue(pc2.findings().stream().anyMatch(ff -> ff.kind().equals("xarray-node-loop") || ff.kind().equals("xarray-bad-shift")), pc2.findings().toString());
				restDelivered(s, pc2, "-");
			}
			restDelivered(s, pc, "-");
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void indexPastTheFileIsAFinding(String set) throws Exception {
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			Setup s = setup(set, mem);
			String path = "/mnt/disk/new/p2_file_2.txt"; // 4 pages under one node
			List<PageIndexWalker.Entry> es = s.entries(path);
			PageIndexWalker.Entry first = es.get(0);
			assertTrue(first.node() != 0);
			PatchedLayer p = new PatchedLayer(mem).put64(s.pa(first.node() + s.slotsOff() + 8 * 63), first.value());
			PageCache pc = assertTimeoutPreemptively(LIMIT, () -> s.patched(p));
			CachedFile f = pc.file(path);
			assertEquals(hex(first.node()), finding(pc.findings(), "page-past-eof").location());
			assertEquals(hex(first.value()), finding(pc.findings(), "page-index-mismatch").location());
			assertNotNull(f.page(63));
			assertEquals(s.sha.get(path), f.sha256(), "the file's own pages are still exact");
			restDelivered(s, pc, path);
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void pageWithEveryFlagSetIsAFinding(String set) throws Exception {
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			Setup s = setup(set, mem);
			String path = "/mnt/disk/new/p2_file_1.txt";
			CachedPage victim = s.clean.file(path).page(0);
			long flagsOff = s.btf.field("page", "flags").offset();
			PatchedLayer p = new PatchedLayer(mem).put64(s.pa(victim.page() + flagsOff), -1L);
			PageCache pc = assertTimeoutPreemptively(LIMIT, () -> s.patched(p));
			CachedFile f = pc.file(path);
			assertEquals(hex(victim.page()), finding(pc.findings(), "page-every-flag").location());
			assertNotNull(f.page(0));
			PageStructScan scan = assertTimeoutPreemptively(LIMIT, () -> PageStructScan.scan(pc.reader().pageArray(), false, Progress.NONE));
			assertEquals(hex(victim.page()), finding(scan.findings(), "page-every-flag").location());
			restDelivered(s, pc, path);
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void mappingPointerIntoNowhereIsAFinding(String set) throws Exception {
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			Setup s = setup(set, mem);
			String path = "/mnt/disk/new/p2_file_2.txt";
			CachedPage victim = s.clean.file(path).page(1);
			long nowhere = 0xffffdead00000000L;
			long mappingOff = s.btf.field("page", "mapping").offset();
			PatchedLayer p = new PatchedLayer(mem).put64(s.pa(victim.page() + mappingOff), nowhere);
			PageCache pc = assertTimeoutPreemptively(LIMIT, () -> s.patched(p));
			CachedFile f = pc.file(path);
			assertEquals(hex(victim.page()), finding(pc.findings(), "page-mapping-mismatch").location());
			PageStructScan scan = assertTimeoutPreemptively(LIMIT, () -> PageStructScan.scan(pc.reader().pageArray(), false, Progress.NONE));
			assertEquals(hex(victim.page()), finding(scan.findings(), "page-mapping-invalid").location());
			PageCacheCrossCheck.Result r = PageCacheCrossCheck.run(pc, scan);
			assertEquals(hex(victim.page()), finding(r.findings(), "dirty-page-missing-from-scan").location());
			assertEquals(r.dirtyInWalk() - 1, r.agreed(), "every other dirty page agrees");
			assertNotNull(f.readPage(0));
			restDelivered(s, pc, "-");

			// The inode's i_mapping itself into nowhere.
			long inode = f.host();
			PatchedLayer p2 = new PatchedLayer(mem).put64(s.pa(inode + s.btf.field("inode", "i_mapping").offset()), nowhere);
			PageCache pc2 = assertTimeoutPreemptively(LIMIT, () -> s.patched(p2));
			CachedFile f2 = pc2.file(path);
			assertEquals(hex(nowhere), finding(pc2.findings(), "mapping-unreadable").location());
			assertTrue(f2.pages().isEmpty());
			assertNull(f2.sha256());
			restDelivered(s, pc2, path);
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void shadowAndSwapEntriesAreEvictedAndSwappedOutNeverZeros(String set) throws Exception {
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			Setup s = setup(set, mem);
			String ext4 = "/mnt/disk/new/p2_file_2.txt", tmpfs = "/mnt/tmp/cache/blob.dat";
			PageIndexWalker.Entry e4 = s.entries(ext4).get(2);
			PageIndexWalker.Entry et = s.entries(tmpfs).get(1);
			long shadow = (0x12345L << 1) | 1;
			long swap = ((1L << 58 | 0x77L) << 1) | 1; // swap type 1, offset 0x77
			PatchedLayer p = new PatchedLayer(mem).put64(s.pa(e4.node() + s.slotsOff() + 8 * e4.slot()), shadow)
					.put64(s.pa(et.node() + s.slotsOff() + 8 * et.slot()), swap);
			PageCache pc = assertTimeoutPreemptively(LIMIT, () -> s.patched(p));
			CachedFile f = pc.file(ext4), t = pc.file(tmpfs);
			assertEquals(Provenance.EVICTED, f.provenance(e4.index()));
			assertEquals(0x12345L, f.page(e4.index()).value());
			assertNull(f.readPage(e4.index()));
			assertNull(f.sha256());
			assertEquals(Provenance.SWAPPED_OUT, t.provenance(et.index()));
			assertEquals(1, t.page(et.index()).swapType());
			assertEquals(0x77L, t.page(et.index()).swapOffset());
			assertNull(t.sha256());
			// Reads leave holes and say so.
			byte[] buf = new byte[3 * 4096];
			java.util.Arrays.fill(buf, (byte) 0x5a);
			boolean[] present = new boolean[3];
			long got = f.read((e4.index() - 1) * 4096, buf, 0, buf.length, present);
			assertEquals(2 * 4096, got);
			assertTrue(present[0] && !present[1] && present[2]);
			for (int i = 4096; i < 8192; i++) assertEquals(0x5a, buf[i]);
			// The listing leaves the hash of both files unknown rather than wrong.
			for (FileRecord r : pc.withContentHashes()) {
				if (r.path().equals(ext4) || r.path().equals(tmpfs)) assertNull(r.sha256(), r.path());
				else if (s.sha.containsKey(r.path())) assertEquals(s.sha.get(r.path()), r.sha256(), r.path());
			}
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void dirtyFlagWithoutDirtyMarkIsAFinding(String set) throws Exception {
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			Setup s = setup(set, mem);
			String path = "/mnt/disk/new/p2_file_2.txt";
			CachedPage victim = s.clean.file(path).page(2);
			assertEquals(Provenance.DIRTY, victim.provenance());
			assertTrue(victim.dirtyMark());
			long dirty = 1L << s.btf.enumType("pageflags").valueOf("PG_dirty");
			long flagsOff = s.btf.field("page", "flags").offset();
			PatchedLayer p = new PatchedLayer(mem).put64(s.pa(victim.page() + flagsOff), victim.flags() & ~dirty);
			PageCache pc = assertTimeoutPreemptively(LIMIT, () -> s.patched(p));
			CachedFile f = pc.file(path);
			assertEquals(hex(victim.page()), finding(pc.findings(), "dirty-flag-mark-mismatch").location());
			// Still delivered; its buffer heads (BH_Dirty) may still call it dirty.
			assertTrue(f.provenance(2).hasData());
			assertEquals(s.sha.get(path), f.sha256());
		}
	}

	/**
	 * A multi-index entry holding a large folio: slot 1 of a leaf node becomes a sibling of slot 0 and slot 0's
	 * page a two-page folio (PG_head, folio_nr_pages 2). Index 1 must then resolve to the head's second struct
	 * page and its frame, with the head's flags.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void largeFolioInAMultiIndexEntry(String set) throws Exception {
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			Setup s = setup(set, mem);
			String path = "/mnt/disk/new/p2_file_2.txt";
			PageIndexWalker.Entry e0 = s.entries(path).get(0);
			assertEquals(0, e0.slot());
			CachedPage head = s.clean.file(path).page(0);
			long pageSize = s.btf.sizeOf("page");
			long headBit = 1L << s.btf.enumType("pageflags").valueOf("PG_head");
			long nrOff = s.btf.field("folio", "_folio_nr_pages").offset();
			byte[] two = { 2, 0, 0, 0 };
			PatchedLayer p = new PatchedLayer(mem).put64(s.pa(e0.node() + s.slotsOff() + 8), (0L << 2) | 2)
					.put64(s.pa(head.page() + s.btf.field("page", "flags").offset()), head.flags() | headBit)
					.put(s.pa(head.page() + nrOff), two);
			PageCache pc = assertTimeoutPreemptively(LIMIT, () -> s.patched(p));
			CachedFile f = pc.file(path);
			CachedPage p0 = f.page(0), p1 = f.page(1);
			assertEquals(head.page(), p0.page());
			assertEquals(head.page() + pageSize, p1.page());
			assertEquals(head.page(), p1.folio());
			assertEquals(p0.physical() + 4096, p1.physical());
			assertEquals(p0.provenance(), p1.provenance());
			assertEquals(head.physical(), p0.physical());
			// Indices 2 and 3 are untouched and still exact.
			assertEquals(s.clean.file(path).pageSha256(2), f.pageSha256(2));
			assertEquals(s.clean.file(path).pageSha256(3), f.pageSha256(3));
		}
	}
}
