package cacheshadow.cli.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.caches.CacheAnalysis;
import cacheshadow.kernel.PageTableWalker;
import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;
import cacheshadow.listing.Json;
import cacheshadow.testing.CutEvidence;
import cacheshadow.testing.EvidenceSamples;

/**
 * {@code analyze --partial} on copies of the real samples cut short (memory.elf and memory.lime at 90%, 75%, 50%, in
 * the middle of a page table the kernel's struct-page array is mapped through; disk.img and a qcow2 of it), and the
 * same cuts without --partial: refused with exit 2 and a hint. The summary's missing bytes and percentage are the ones
 * the format's own headers give for the cut; every row not flagged in the manifest's {@code missing} column is the
 * guest's ground truth byte for byte; every flagged row has an {@code evidence-missing} finding. Across many page
 * boundaries of the files, each run ends in bounded time with exit 0 or 2, never an internal error.
 */
class PartialEvidenceCliTest {
	private static final Duration BOUND = Duration.ofSeconds(90);

	@Test
	void snapshotsCutShort(@TempDir Path tmp) throws Exception {
		String a = "debian-6.1-kaslr", b = "debian-6.12-kaslr";
		CutEvidence elf = CutEvidence.copy(EvidenceSamples.file(a, "memory.elf"), tmp);
		long pageTable = pageTableOfStructPages(a);
		long ptCut = elf.fileOffsetOf(pageTable) + 2048;
		int flagged = 0;
		for (long cut : descending(elf.size() * 99 / 100, elf.size() * 9 / 10, elf.size() * 3 / 4, ptCut)) {
			flagged += exact(elf, cut, a, tmp);
			if (cut == elf.size() * 99 / 100) exported(elf, a, tmp); // some files flagged, most not
		}
		// below about 65% this kernel's own structures (page tables past its image) are cut: refused, saying why
		for (long cut : descending(elf.size() * 6 / 10, elf.size() / 2)) refusedAsNotWhole(elf, cut, a, tmp);
		Files.delete(elf.file());
		CutEvidence lime = CutEvidence.copy(EvidenceSamples.file(a, "memory.lime"), tmp);
		for (long cut : descending(lime.size() * 9 / 10, lime.size() * 7 / 10)) flagged += exact(lime, cut, a, tmp);
		Files.delete(lime.file());
		CutEvidence other = CutEvidence.copy(EvidenceSamples.file(b, "memory.elf"), tmp);
		for (long cut : descending(other.size() * 9 / 10, other.size() / 2)) flagged += exact(other, cut, b, tmp);
		Files.delete(other.file());
		assertTrue(flagged > 0, "cuts this deep flag rows");
	}

	@Test
	void disksCutShort(@TempDir Path tmp) throws Exception {
		String set = "debian-6.1-kaslr";
		CutEvidence raw = CutEvidence.copy(EvidenceSamples.file(set, "disk.img"), tmp);
		int flagged = 0;
		// 8 MiB keeps the journal and part of the files; 4 MiB cuts the journal (every path then unsure)
		for (long cut : descending(raw.size() / 2 + 4096, 8 << 20, 4 << 20)) flagged += exactDisk(raw, cut, set, tmp);
		assertTrue(flagged > 0);
		Path q = tmp.resolve("disk.qcow2");
		Process p = new ProcessBuilder("qemu-img", "convert", "-O", "qcow2", EvidenceSamples.file(set, "disk.img").toString(), q.toString()).redirectErrorStream(true).start();
		assertEquals(0, p.waitFor(), new String(p.getInputStream().readAllBytes()));
		Path cq = tmp.resolve("cut.qcow2");
		Files.write(cq, java.util.Arrays.copyOf(Files.readAllBytes(q), (int) (Files.size(q) * 3 / 4)));
		CliRun strict = CliRun.of(diskArgs(set, cq, tmp.resolve("q.tsv"), false));
		assertEquals(2, strict.code(), strict.err());
		assertTrue(strict.err().contains("--partial"), strict.err());
		CliRun r = CliRun.of(diskArgs(set, cq, tmp.resolve("q.tsv"), true));
		assertEquals(0, r.code(), r.err());
		Map<?, ?> ev = evidence(r, 1);
		long missing;
		try (Layer l = Layers.openDisk(cq, true)) {
			missing = 0;
			for (Extent e : l.missing()) missing += e.length();
		}
		assertTrue(missing > 0);
		assertEquals(missing, ((Number) ev.get("missing_bytes")).longValue());
		unflaggedRowsAreTheTruth(tmp.resolve("q.tsv"), EvidenceSamples.file(set, "manifest.round-6.tsv"), r);
	}

	@Test
	void everyCutTriedEndsCleanly(@TempDir Path tmp) throws Exception {
		String set = "debian-6.1-kaslr";
		for (String name : List.of("memory.elf", "memory.lime", "disk.img")) {
			CutEvidence c = CutEvidence.copy(EvidenceSamples.file(set, name), tmp);
			int n = name.equals("memory.elf") ? 16 : 8;
			List<Long> cuts = new ArrayList<>();
			for (int i = n - 1; i >= 1; i--) cuts.add((c.size() * i / n) & ~4095L); // page boundaries
			Map<Integer, Integer> codes = new HashMap<>();
			for (long cut : cuts) {
				c.cutTo(cut);
				String[] args = name.equals("disk.img") ? diskArgs(set, c.file(), null, true)
						: new String[] { "analyze", "--memory", c.file().toString(), "--disk", EvidenceSamples.file(set, "disk.img").toString(), "--kernel",
								EvidenceSamples.dir(set).resolve("kernel").toString(), "--json", "--partial" };
				CliRun r = assertTimeoutPreemptively(BOUND, () -> CliRun.of(args), name + " cut at " + cut);
				assertFalse(r.err().contains("internal error"), name + " cut at " + cut + ": " + r.err());
				assertTrue(r.code() == 0 || r.code() == 2, name + " cut at " + cut + ": exit " + r.code() + " " + r.err());
				if (r.code() == 0) {
					Map<?, ?> partial = (Map<?, ?>) ((Map<?, ?>) Json.parse(r.out())).get("partial");
					assertTrue(((Number) partial.get("flagged_paths")).intValue() <= ((Number) partial.get("paths")).intValue());
				} else {
					assertTrue(r.err().contains("missing") || r.err().contains("truncated"), r.err());
				}
				codes.merge(r.code(), 1, Integer::sum);
			}
			assertTrue(codes.getOrDefault(0, 0) > 0, name + ": some cuts are analyzed " + codes);
			Files.delete(c.file());
		}
	}

	/** One cut of a snapshot, strict and --partial; returns the rows flagged. */
	private static int exact(CutEvidence c, long cut, String set, Path tmp) throws Exception {
		c.cutTo(cut);
		Path manifest = tmp.resolve("m.tsv");
		String[] strict = memoryArgs(set, c.file(), manifest, false);
		CliRun s = CliRun.of(strict);
		assertEquals(2, s.code(), s.err());
		assertTrue(s.err().contains(c.file() + ": truncated: ") && s.err().contains("run again with --partial"), s.err());
		assertFalse(Files.exists(manifest));
		CliRun r = assertTimeoutPreemptively(BOUND, () -> CliRun.of(memoryArgs(set, c.file(), manifest, true)));
		assertEquals(0, r.code(), "cut at " + cut + ": " + r.err());
		Map<?, ?> ev = evidence(r, 0);
		assertEquals(c.missingNow(), ((Number) ev.get("missing_bytes")).longValue(), "cut at " + cut);
		assertEquals(c.declaredBytesNow(), ((Number) ev.get("declared_bytes")).longValue());
		assertEquals(Math.round(10000.0 * c.missingNow() / c.declaredBytesNow()) / 100.0, ((Number) ev.get("missing_percent")).doubleValue(), 1e-9);
		int flagged = unflaggedRowsAreTheTruth(manifest, EvidenceSamples.file(set, "manifest.tsv"), r);
		Files.delete(manifest);
		return flagged;
	}

	/**
	 * export --partial of the cut snapshot's /mnt: the sidecar manifest's unflagged rows are the truth, every unflagged
	 * file written has the guest's SHA-256, each flagged path is reported, missing bytes are said (written as zeros).
	 */
	private static void exported(CutEvidence c, String set, Path tmp) throws Exception {
		Path out = tmp.resolve("export");
		CliRun r = CliRun.of("export", "--memory", c.file().toString(), "--disk", EvidenceSamples.file(set, "disk.img").toString(), "--kernel",
				EvidenceSamples.dir(set).resolve("kernel").toString(), "--under", "/mnt", "--out", out.toString(), "--partial");
		assertEquals(0, r.code(), r.err());
		Path manifest = tmp.resolve("export.manifest.tsv");
		Map<String, String> truth = new HashMap<>();
		for (String l : Files.readAllLines(EvidenceSamples.file(set, "manifest.tsv"))) truth.put(l.split("\t", -1)[0], l);
		List<String> lines = Files.readAllLines(manifest);
		assertEquals(Files.readAllLines(EvidenceSamples.file(set, "manifest.tsv")).get(0) + "\tmissing", lines.get(0));
		int written = 0, flagged = 0;
		for (String l : lines.subList(1, lines.size())) {
			String[] col = l.split("\t", -1);
			if (!truth.containsKey(col[0])) continue; // /mnt itself and what the guest's listing leaves out
			if (!col[14].equals("-")) {
				flagged++;
				assertTrue(r.out().contains("evidence-missing @" + col[0] + ": exported, but rests on bytes missing"), col[0] + " reported\n" + r.out());
				continue;
			}
			assertEquals(truth.get(col[0]), String.join("\t", List.of(col).subList(0, 14)));
			if (col[1].startsWith("regular")) {
				assertEquals(col[12], sha256(out.resolve(col[0].substring(1))), col[0] + " as written");
				written++;
			}
		}
		assertTrue(written > 0 && flagged > 0, written + " unflagged files written, " + flagged + " flagged");
		assertTrue(r.out().contains("missing from the evidence (cut short), written as zeros"), r.out());
		deleteTree(out);
		for (String side : List.of("export.manifest.tsv", "export.provenance.tsv", "export.complete")) Files.delete(tmp.resolve(side));
	}

	private static String sha256(Path f) throws Exception {
		return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
	}

	private static void deleteTree(Path d) throws IOException {
		try (var s = Files.walk(d)) {
			for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
				p.toFile().setWritable(true);
				Files.delete(p);
			}
		}
	}

	/** One cut of the disk image, strict and --partial, disk-only view against the replayed disk's listing. */
	private static int exactDisk(CutEvidence c, long cut, String set, Path tmp) throws Exception {
		c.cutTo(cut);
		Path manifest = tmp.resolve("d.tsv");
		CliRun s = CliRun.of(diskArgs(set, c.file(), manifest, false));
		assertEquals(2, s.code(), s.err());
		assertTrue(s.err().contains("truncated: the ext file system declares") && s.err().contains("--partial"), s.err());
		CliRun r = assertTimeoutPreemptively(BOUND, () -> CliRun.of(diskArgs(set, c.file(), manifest, true)));
		assertEquals(0, r.code(), r.err());
		Map<?, ?> ev = evidence(r, 1);
		assertEquals(c.missingNow(), ((Number) ev.get("missing_bytes")).longValue());
		assertEquals(c.declaredBytesNow(), ((Number) ev.get("declared_bytes")).longValue());
		int flagged = unflaggedRowsAreTheTruth(manifest, EvidenceSamples.file(set, "manifest.round-6.tsv"), r);
		Files.delete(manifest);
		return flagged;
	}

	private static void refusedAsNotWhole(CutEvidence c, long cut, String set, Path tmp) throws Exception {
		c.cutTo(cut);
		CliRun r = assertTimeoutPreemptively(BOUND, () -> CliRun.of(memoryArgs(set, c.file(), tmp.resolve("x.tsv"), true)));
		assertEquals(2, r.code(), r.err());
		assertTrue(r.err().contains("not whole in this partial snapshot") && r.err().contains("missing"), r.err());
	}

	/**
	 * The manifest's rows against the ground truth: with status and missing columns, every unflagged row's first 14
	 * columns equal the truth's row of that path; flagged rows are counted and each has an evidence-missing finding.
	 */
	private static int unflaggedRowsAreTheTruth(Path manifest, Path truth, CliRun r) throws IOException {
		List<String> lines = Files.readAllLines(manifest), truthLines = Files.readAllLines(truth);
		String header = truthLines.get(0);
		assertTrue(lines.get(0).equals(header + "\tstatus\tmissing") || lines.get(0).equals(header + "\tmissing"), lines.get(0));
		Map<String, String> gt = new HashMap<>();
		for (String l : truthLines.subList(1, truthLines.size())) gt.put(l.split("\t", -1)[0], l);
		Set<String> findings = new HashSet<>();
		for (Object f : (List<?>) ((Map<?, ?>) Json.parse(r.out())).get("anomalies")) {
			Map<?, ?> m = (Map<?, ?>) f;
			if (m.get("kind").equals("evidence-missing")) findings.add((String) m.get("location"));
		}
		int flagged = 0;
		Set<String> wrong = new TreeSet<>();
		for (String l : lines.subList(1, lines.size())) {
			String[] c = l.split("\t", -1);
			String missing = c[c.length - 1];
			String row = String.join("\t", List.of(c).subList(0, 14));
			if (!missing.equals("-")) {
				flagged++;
				assertTrue(missing.matches("(metadata|children|data|cache|filesystem|mounts)(,(metadata|children|data|cache|filesystem|mounts))*"), missing);
				assertTrue(findings.contains(c[0]), "a finding for flagged " + c[0]);
			} else if (!row.equals(gt.get(c[0]))) {
				wrong.add("got      " + row + "\nexpected " + gt.get(c[0]));
			}
		}
		assertEquals(Set.of(), wrong, "unflagged rows differ from the ground truth");
		Map<?, ?> partial = (Map<?, ?>) ((Map<?, ?>) Json.parse(r.out())).get("partial");
		assertEquals(flagged, ((Number) partial.get("flagged_paths")).intValue());
		assertEquals(lines.size() - 1, ((Number) partial.get("paths")).intValue());
		return flagged;
	}

	/** The JSON summary's partial.evidence entry {@code i} (0 the memory, 1 the disk). */
	private static Map<?, ?> evidence(CliRun r, int i) {
		Map<?, ?> partial = (Map<?, ?>) ((Map<?, ?>) Json.parse(r.out())).get("partial");
		assertNotNull(partial, r.out());
		return (Map<?, ?>) ((List<?>) partial.get("evidence")).get(i);
	}

	private static String[] memoryArgs(String set, Path memory, Path manifest, boolean partial) {
		List<String> a = new ArrayList<>(List.of("analyze", "--memory", memory.toString(), "--disk", EvidenceSamples.file(set, "disk.img").toString(), "--kernel",
				EvidenceSamples.dir(set).resolve("kernel").toString(), "--under", "/mnt/disk,/mnt/tmp", "--manifest", manifest.toString(), "--json"));
		if (partial) a.add("--partial");
		return a.toArray(String[]::new);
	}

	private static String[] diskArgs(String set, Path disk, Path manifest, boolean partial) {
		List<String> a = new ArrayList<>(List.of("analyze", "--memory", EvidenceSamples.file(set, "memory.elf").toString(), "--disk", disk.toString(), "--kernel",
				EvidenceSamples.dir(set).resolve("kernel").toString(), "--view", "disk-only", "--under", "/mnt/disk", "--json"));
		if (manifest != null) a.addAll(List.of("--manifest", manifest.toString()));
		if (partial) a.add("--partial");
		return a.toArray(String[]::new);
	}

	private static long[] descending(long... cuts) {
		long[] s = cuts.clone();
		java.util.Arrays.sort(s);
		for (int i = 0; i < s.length / 2; i++) {
			long t = s[i];
			s[i] = s[s.length - 1 - i];
			s[s.length - 1 - i] = t;
		}
		return s;
	}

	/**
	 * The guest-physical address of the lowest-level page table the kernel maps the struct page of its highest RAM frame
	 * through (the vmemmap): found by translating that address over a layer that notes the page-table entries read.
	 */
	private static long pageTableOfStructPages(String set) throws IOException {
		try (Layer mem = Layers.openMemory(EvidenceSamples.file(set, "memory.elf"))) {
			CacheAnalysis an = CacheAnalysis.open(mem, EvidenceSamples.dir(set).resolve("kernel"), Progress.NONE);
			PageTableWalker w = an.kernel().virtual().walker();
			Extent ram = mem.extents().get(0);
			for (Extent e : mem.extents()) if (e.length() > ram.length()) ram = e;
			long top = ram.end();
			long structPage = an.kernel().vmemmapBase() + ((top >>> 12) - 1) * an.kernel().btf().sizeOf("page");
			List<Long> entries = new ArrayList<>();
			Layer noting = new Layer() {
				public String name() {
					return mem.name();
				}

				public String source() {
					return mem.source();
				}

				public long size() {
					return mem.size();
				}

				public List<Extent> extents() {
					return mem.extents();
				}

				public void read(long offset, byte[] buf, int off, int len) throws IOException {
					entries.add(offset);
					mem.read(offset, buf, off, len);
				}

				public void close() {
				}
			};
			new PageTableWalker(noting, w.topTable(), w.fiveLevel()).translate(structPage);
			assertTrue(entries.size() >= 2, "a walk reads a table per level: " + entries);
			return entries.get(entries.size() - 1) & ~0xfffL;
		}
	}
}
