package cacheshadow.pagecache.tests;

import static cacheshadow.testing.RadixTreeKernel.CLEAN;
import static cacheshadow.testing.RadixTreeKernel.DIRTY;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import cacheshadow.layers.Progress;
import cacheshadow.listing.Finding;
import cacheshadow.pagecache.CachedFile;
import cacheshadow.pagecache.CachedPage;
import cacheshadow.pagecache.CachedFileReader;
import cacheshadow.pagecache.PageStructScan;
import cacheshadow.pagecache.Provenance;
import cacheshadow.pagecache.RadixTreeWalker;
import cacheshadow.testing.RadixTreeKernel;
import cacheshadow.testing.RadixTreeKernel.Layout;

/**
 * The page cache of kernels before the XArray, on crafted guests ({@link RadixTreeKernel}: BTF and memory in each
 * radix-tree layout from 3.x to 4.19): trees of height 0 to 3 give exactly the pages placed, shadow entries are
 * evicted and shmem swap entries swapped out (never zeros), the dirty tag is cross-checked against PG_dirty as
 * the XArray's mark is, and loops, wrong levels, unreadable nodes and reserved encodings end in findings with
 * their addresses, in bounded time, with the rest of the file delivered.
 */
class RadixTreePageCacheTest {
	private static final Duration LIMIT = Duration.ofSeconds(10);

	static Stream<Arguments> trees() {
		long[][] byHeight = { { 0 }, { 0, 1, 5, 63 }, { 0, 63, 64, 100, 4095 }, { 1, 4096 + 7, 200_000, 262_143 } };
		List<Arguments> out = new ArrayList<>();
		for (Layout l : Layout.values()) {
			for (int h = 0; h < byHeight.length; h++) out.add(Arguments.of(l, h, byHeight[h]));
		}
		return out.stream();
	}

	private static Set<Long> indices(CachedFile f) {
		return f.pages().stream().map(CachedPage::index).collect(Collectors.toCollection(TreeSet::new));
	}

	private static Finding finding(List<Finding> fs, String kind, long at) {
		String where = String.format("0x%x", at);
		return fs.stream().filter(f -> f.kind().equals(kind) && f.location().equals(where)).findFirst()
				.orElseThrow(() -> new AssertionError("no " + kind + " at " + where + " in " + fs));
	}

	@ParameterizedTest(name = "{0} height {1}")
	@MethodSource("trees")
	void treesOfEveryHeightGiveExactlyThePagesPlaced(Layout layout, int height, long[] placed) throws Exception {
		RadixTreeKernel k = new RadixTreeKernel(layout);
		long last = placed[placed.length - 1];
		RadixTreeKernel.Tree t = k.file((last + 1) * 4096 - 100, false);
		long[] pages = new long[placed.length];
		for (int i = 0; i < placed.length; i++) pages[i] = t.page(placed[i], i % 2 == 1 ? DIRTY : CLEAN);
		t.write();
		assertEquals(height, t.height);
		CachedFileReader reader = new CachedFileReader(k.kernel());
		assertTrue(reader.pageIndex() instanceof RadixTreeWalker, "BTF's " + layout.rootField + " is a radix_tree_root");
		List<Finding> findings = new ArrayList<>();
		CachedFile f = assertTimeoutPreemptively(LIMIT, () -> reader.file(t.inode, false, findings));
		assertEquals(List.of(), findings);
		assertEquals(Arrays.stream(placed).boxed().collect(Collectors.toCollection(TreeSet::new)), indices(f));
		for (int i = 0; i < placed.length; i++) {
			CachedPage p = f.page(placed[i]);
			assertEquals(pages[i], p.page());
			assertEquals(i % 2 == 1 ? Provenance.DIRTY : Provenance.CLEAN, p.provenance(), "index " + placed[i]);
			assertEquals(i % 2 == 1, p.dirtyMark(), "dirty tag of index " + placed[i]);
			assertArrayEquals(RadixTreeKernel.content(t.mapping, placed[i]), f.readPage(placed[i]), "index " + placed[i]);
		}
		if (height > 0 && placed.length > 1) assertEquals(layout.gfpBitsShift, reader.pageIndex().rootMarkShift(), "__GFP_BITS_SHIFT learned from the tags");
	}

	@ParameterizedTest
	@EnumSource(Layout.class)
	void shadowEntriesAreEvictedAndShmemSwapEntriesSwappedOutNeverZeros(Layout layout) throws Exception {
		RadixTreeKernel k = new RadixTreeKernel(layout);
		RadixTreeKernel.Tree file = k.file(3 * 4096, false);
		file.page(0, CLEAN);
		file.exceptional(1, 0x12345); // a workingset shadow
		file.page(2, CLEAN);
		file.write();
		RadixTreeKernel.Tree shm = k.file(3 * 4096, true);
		shm.page(0, CLEAN);
		shm.exceptional(1, 1L << 57 | 0x77); // swp_entry(1, 0x77) of a radix-tree kernel: type at bit 57
		shm.exceptional(2, 0x99);
		shm.write();
		CachedFileReader reader = new CachedFileReader(k.kernel());
		List<Finding> findings = new ArrayList<>();
		CachedFile f = reader.file(file.inode, false, findings), s = reader.file(shm.inode, false, findings);
		assertEquals(List.of(), findings);

		assertEquals(Provenance.EVICTED, f.provenance(1));
		assertEquals(0x12345L, f.page(1).value());
		assertNull(f.readPage(1));
		assertNull(f.sha256());
		byte[] buf = new byte[3 * 4096];
		Arrays.fill(buf, (byte) 0x5a);
		boolean[] present = new boolean[3];
		assertEquals(2 * 4096, f.read(0, buf, 0, buf.length, present));
		assertTrue(present[0] && !present[1] && present[2]);
		for (int i = 4096; i < 8192; i++) assertEquals(0x5a, buf[i], "an evicted page is a hole, not zeros");

		assertEquals(Provenance.CLEAN, s.provenance(0));
		assertEquals(Provenance.SWAPPED_OUT, s.provenance(1));
		assertEquals(1, s.page(1).swapType());
		assertEquals(0x77L, s.page(1).swapOffset());
		assertEquals(Provenance.SWAPPED_OUT, s.provenance(2));
		assertEquals(0, s.page(2).swapType());
		assertEquals(0x99L, s.page(2).swapOffset());
		assertNull(s.readPage(1));
		assertNull(s.sha256());
	}

	@ParameterizedTest
	@EnumSource(Layout.class)
	void dirtyTagDisagreeingWithPgDirtyIsTheSameAnomalyAsForTheXArray(Layout layout) throws Exception {
		RadixTreeKernel k = new RadixTreeKernel(layout);
		RadixTreeKernel.Tree t = k.file(100 * 4096, false);
		t.page(0, DIRTY);
		long flagNoTag = t.page(1, DIRTY), tagNoFlag = t.page(70, CLEAN);
		t.page(71, CLEAN);
		t.dirty.remove(1L);
		t.dirty.add(70L);
		t.write();
		// One-page files: the entry sits in rnode, its tags in gfp_mask (readable once calibrated from t).
		RadixTreeKernel.Tree lone = k.file(4096, false);
		long loneFlagNoTag = lone.page(0, DIRTY);
		lone.dirty.clear();
		lone.write();
		RadixTreeKernel.Tree agreed = k.file(4096, false);
		agreed.page(0, DIRTY);
		agreed.write();

		CachedFileReader reader = new CachedFileReader(k.kernel());
		List<Finding> findings = new ArrayList<>();
		CachedFile f = reader.file(t.inode, false, findings);
		assertEquals(layout.gfpBitsShift, reader.pageIndex().rootMarkShift());
		CachedFile l = reader.file(lone.inode, false, findings), a = reader.file(agreed.inode, false, findings);
		finding(findings, "dirty-flag-mark-mismatch", flagNoTag);
		finding(findings, "dirty-flag-mark-mismatch", tagNoFlag);
		finding(findings, "dirty-flag-mark-mismatch", loneFlagNoTag);
		assertEquals(3, findings.size(), findings.toString());
		// Still delivered, with PG_dirty deciding the provenance.
		assertEquals(Provenance.DIRTY, f.provenance(1));
		assertFalse(f.page(1).dirtyMark());
		assertEquals(Provenance.CLEAN, f.provenance(70));
		assertTrue(f.page(70).dirtyMark());
		assertArrayEquals(RadixTreeKernel.content(t.mapping, 70), f.readPage(70));
		assertEquals(Provenance.DIRTY, l.provenance(0));
		assertTrue(a.page(0).dirtyMark());
		assertEquals(Provenance.DIRTY, a.provenance(0));
	}

	@ParameterizedTest
	@EnumSource(Layout.class)
	void loopsBadLevelsAndUnreadableNodesAreFindingsInBoundedTime(Layout layout) throws Exception {
		RadixTreeKernel k = new RadixTreeKernel(layout);
		long[] placed = { 0, 1, 64, 65, 4096, 4097 };
		RadixTreeKernel.Tree t = k.file(4098 * 4096, false);
		for (long i : placed) t.page(i, CLEAN);
		t.write();
		assertEquals(3, t.height);
		long top = t.node(3, 0), mid0 = t.node(2, 0), mid1 = t.node(2, 4096), leaf0 = t.node(1, 0), leaf2 = t.node(1, 4096);
		long child = layout.taggedChildren ? 1 : 0;
		// A cycle: a middle node points back to the top node.
		t.slot(mid0, 5, top | child);
		// A node of the wrong level under mid1: a middle node's level where a leaf belongs.
		RadixTreeKernel.Tree other = k.file(8 * 4096, false);
		other.page(0, CLEAN);
		other.page(70, CLEAN);
		other.write();
		long wrongLevel = other.node(2, 0);
		t.slot(mid1, 2, wrongLevel | child);
		// A child pointer into nowhere (vmalloc space the page tables do not map).
		long nowhere = 0xffff_c900_0000_1000L;
		t.slot(mid1, 3, nowhere | child);
		// A leaf pointing to a node (itself), and a slot with the reserved encoding 11.
		t.slot(leaf2, 9, leaf2 | 1);
		t.slot(leaf0, 7, 0xffff_8880_0000_4003L);
		// Every free slot of the top node points to the top node: each visit ends at once.
		for (int s = 2; s < 64; s++) t.slot(top, s, top | child);

		CachedFileReader reader = new CachedFileReader(k.kernel());
		List<Finding> findings = new ArrayList<>();
		CachedFile f = assertTimeoutPreemptively(LIMIT, () -> reader.file(t.inode, false, findings));
		finding(findings, "radix-tree-node-loop", top);
		Finding bad = finding(findings, "radix-tree-bad-shift", wrongLevel);
		assertTrue(bad.message().contains(layout.level.equals("shift") ? "shift 6, expected 0" : "height 2, expected 1"), bad.message());
		finding(findings, "radix-tree-node-unreadable", nowhere);
		finding(findings, "radix-tree-bad-shift", leaf2);
		finding(findings, "radix-tree-bad-entry", leaf0);
		assertEquals(Set.of("radix-tree-node-loop", "radix-tree-bad-shift", "radix-tree-node-unreadable", "radix-tree-bad-entry"),
				findings.stream().map(Finding::kind).collect(Collectors.toSet()));
		// The rest of the file is delivered.
		assertEquals(Arrays.stream(placed).boxed().collect(Collectors.toCollection(TreeSet::new)), indices(f));
		for (long i : placed) assertArrayEquals(RadixTreeKernel.content(t.mapping, i), f.readPage(i), "index " + i);
	}

	@ParameterizedTest
	@EnumSource(Layout.class)
	void aTopNodeIntoNowhereIsAFindingEvenBeforeTheTagBitsAreLearned(Layout layout) throws Exception {
		RadixTreeKernel k = new RadixTreeKernel(layout);
		RadixTreeKernel.Tree t = k.file(128 * 4096, false);
		t.page(0, CLEAN);
		t.page(100, DIRTY);
		t.write();
		long nowhere = 0xffff_c900_0000_1000L;
		k.put64(t.root + k.rnodeOff, nowhere | 1);
		// A fresh reader learns where the root keeps its tags from the first tree it walks; this tree's top node
		// cannot be read (once an exception that ended the page-cache walk of every file).
		CachedFileReader reader = new CachedFileReader(k.kernel());
		List<Finding> findings = new ArrayList<>();
		CachedFile f = assertTimeoutPreemptively(LIMIT, () -> reader.file(t.inode, false, findings));
		finding(findings, "radix-tree-node-unreadable", nowhere);
		assertEquals(0, f.pages().size());
		assertEquals(-1, reader.pageIndex().rootMarkShift());
	}

	@ParameterizedTest
	@EnumSource(Layout.class)
	void indexPastTheFileIsAFinding(Layout layout) throws Exception {
		RadixTreeKernel k = new RadixTreeKernel(layout);
		RadixTreeKernel.Tree t = k.file(2 * 4096, false);
		t.page(0, CLEAN);
		t.page(1, CLEAN);
		long far = t.page(100_000, CLEAN);
		t.write();
		CachedFileReader reader = new CachedFileReader(k.kernel());
		List<Finding> findings = new ArrayList<>();
		CachedFile f = reader.file(t.inode, false, findings);
		finding(findings, "page-past-eof", t.node(1, 100_000 & ~63L));
		assertEquals(far, f.page(100_000).page());
		assertNotNull(f.readPage(0));
		assertEquals(1, findings.size(), findings.toString());
	}

	/**
	 * The struct page scan finds exactly the pages the radix-tree walk finds, and skips a tail page that names the
	 * mapping ({@code compound_head} bit 0, or {@code PG_tail} before 4.4).
	 */
	@ParameterizedTest
	@EnumSource(Layout.class)
	void structPageScanAgreesWithTheWalk(Layout layout) throws Exception {
		RadixTreeKernel k = new RadixTreeKernel(layout);
		long[] placed = { 0, 1, 64, 4096 };
		RadixTreeKernel.Tree t = k.file(4097 * 4096, false);
		for (int i = 0; i < placed.length; i++) t.page(placed[i], i % 2 == 1 ? DIRTY : CLEAN);
		long tail = t.page(999, CLEAN);
		t.entries.remove(999L);
		if (layout == Layout.V3_13) k.put64(tail, CLEAN | 1L << RadixTreeKernel.PG_TAIL);
		else k.put64(tail + k.btf.field("page", "compound_head").offset(), (tail - RadixTreeKernel.PAGE_STRUCT) | 1);
		t.write();
		CachedFileReader reader = new CachedFileReader(k.kernel());
		List<Finding> findings = new ArrayList<>();
		CachedFile f = reader.file(t.inode, false, findings);
		PageStructScan scan = assertTimeoutPreemptively(LIMIT, () -> PageStructScan.scan(reader.pageArray(), false, Progress.NONE));
		assertEquals(List.of(), findings);
		assertEquals(List.of(), scan.findings());
		Set<Long> scanned = scan.table().keySet().stream().filter(key -> key.mapping() == t.mapping).map(PageStructScan.Key::index)
				.collect(Collectors.toCollection(TreeSet::new));
		assertEquals(indices(f), scanned, "the tail page at 999 is not a page-cache page of its own");
		for (long i : placed) assertEquals(f.page(i).page(), scan.get(t.mapping, i).page());
	}

	/**
	 * A multi-order entry (4.7+ with CONFIG_RADIX_TREE_MULTIORDER): slots 1..3 of a leaf are siblings of slot 0,
	 * which holds the head of a four-page compound page.
	 */
	@ParameterizedTest
	@EnumSource(value = Layout.class, names = { "V4_18", "V4_14", "V4_9" })
	void siblingsContinueAMultiOrderEntry(Layout layout) throws Exception {
		assertFourPageHeadResolves(layout, (leaf, slotsOff, head) -> (leaf + slotsOff) | 1);
	}

	/**
	 * Kernels without folios whose page cache is an XArray (4.20-5.15) store a huge page's head in each of its slots;
	 * each index is then the head's page + (index - head->index), as find_subpage() has it. The resolution of entries
	 * is the same for both walkers, so a crafted pre-folio tree shows it.
	 */
	@ParameterizedTest
	@EnumSource(value = Layout.class, names = { "V4_18", "V4_14" })
	void aHugePageHeadInEachSlotGivesItsSubpages(Layout layout) throws Exception {
		assertFourPageHeadResolves(layout, (leaf, slotsOff, head) -> head);
	}

	/** What slots 1..3 of the leaf hold after the four-page head in slot 0. */
	private interface TailSlot {
		long value(long leaf, long slotsOff, long head);
	}

	/** A four-page compound page at indices 0..3 (and a page at 5): every index resolves to its own page of it. */
	private static void assertFourPageHeadResolves(Layout layout, TailSlot tail) throws Exception {
		RadixTreeKernel k = new RadixTreeKernel(layout);
		RadixTreeKernel.Tree t = k.file(8 * 4096, false);
		long head = t.page(0, CLEAN | 1L << RadixTreeKernel.PG_HEAD);
		for (int i = 1; i < 4; i++) assertEquals(head + i * RadixTreeKernel.PAGE_STRUCT, t.page(i, CLEAN));
		t.page(5, CLEAN);
		t.write();
		long leaf = t.node(1, 0);
		for (int s = 1; s < 4; s++) t.slot(leaf, s, tail.value(leaf, k.slotsOff, head));
		k.ram.put8(RadixTreeKernel.pa(head + RadixTreeKernel.PAGE_STRUCT + 17), 2); // compound_order in the first tail page
		List<Finding> findings = new ArrayList<>();
		CachedFile f = new CachedFileReader(k.kernel()).file(t.inode, false, findings);
		assertEquals(List.of(), findings);
		assertEquals(Set.of(0L, 1L, 2L, 3L, 5L), indices(f));
		for (int i = 0; i < 4; i++) {
			assertEquals(head + i * RadixTreeKernel.PAGE_STRUCT, f.page(i).page(), "index " + i);
			assertEquals(head, f.page(i).folio());
			assertArrayEquals(RadixTreeKernel.content(t.mapping, i), f.readPage(i), "index " + i);
		}
	}
}
