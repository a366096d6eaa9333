package cacheshadow.layers.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.MissingBytesException;
import cacheshadow.layers.MissingReads;
import cacheshadow.layers.Shortfall;
import cacheshadow.layers.TruncatedEvidenceException;
import cacheshadow.testing.CutEvidence;

/**
 * Real evidence cut short (copies of the samples' memory.elf, memory.lime, disk.img and a qcow2 made from it): refused
 * with a truncation message, or opened as partial evidence where the missing ranges are exactly what the cut took from
 * the ranges the file declares (read here straight from the format), the bytes still there are the original's, and
 * every read of a missing byte fails and is noted.
 */
class PartialEvidenceTest {

	@Test
	void elfCoreCutShort(@TempDir Path tmp) throws Exception {
		Path sample = Samples.sets().get(0).resolve("memory.elf");
		CutEvidence cut = CutEvidence.copy(sample, tmp);
		CutEvidence.Range ram = cut.declared().get(0);
		long[] cuts = { cut.size() * 9 / 10, ram.fileOffset() + ram.length() / 2 + 2048, cut.declared().get(1).fileOffset(), ram.fileOffset() + 4096,
				ram.fileOffset() };
		sortDescending(cuts);
		try (Layer whole = Layers.openMemory(sample)) {
			for (long at : cuts) {
				cut.cutTo(at);
				checkCut(cut, whole);
			}
		}
		// the program headers themselves cut: nothing is known, partial or not
		cut.cutTo(100);
		assertThrows(TruncatedEvidenceException.class, () -> Layers.openMemory(cut.file(), true).close());
	}

	@Test
	void limeCutShort(@TempDir Path tmp) throws Exception {
		Path sample = Samples.sets().get(0).resolve("memory.lime");
		CutEvidence cut = CutEvidence.copy(sample, tmp);
		assertTrue(cut.declared().size() >= 2, "the sample has several LiME ranges");
		CutEvidence.Range last = cut.declared().get(cut.declared().size() - 1);
		long[] cuts = { cut.size() * 9 / 10, last.fileOffset() + 12345, last.headerOffset() + 20, last.headerOffset(), cut.declared().get(0).fileOffset() + 4096 };
		sortDescending(cuts);
		try (Layer whole = Layers.openMemory(sample)) {
			for (long at : cuts) {
				cut.cutTo(at);
				checkCut(cut, whole);
			}
		}
		cut.cutTo(20); // in the first header: no range is known
		assertThrows(TruncatedEvidenceException.class, () -> Layers.openMemory(cut.file(), true).close());
	}

	@Test
	void rawDiskCutShort(@TempDir Path tmp) throws Exception {
		Path sample = Samples.sets().get(0).resolve("disk.img");
		CutEvidence cut = CutEvidence.copy(sample, tmp);
		try (Layer whole = Layers.openDisk(sample)) {
			for (long at : new long[] { cut.size() / 2 + 1000, 8 << 20, 4096 }) {
				cut.cutTo(at);
				TruncatedEvidenceException e = assertThrows(TruncatedEvidenceException.class, () -> Layers.openDisk(cut.file()).close());
				assertTrue(e.getMessage().startsWith(cut.file() + ": truncated: ") && e.getMessage().contains("file system declares " + whole.size()), e.getMessage());
				try (Layer l = Layers.openDisk(cut.file(), true)) {
					assertEquals(whole.size(), l.size(), "the size its ext4 super block declares");
					assertEquals(List.of(new Extent(0, at)), l.extents());
					assertEquals(List.of(new Extent(at, whole.size() - at)), l.missing());
					Shortfall s = Shortfall.of(l);
					assertEquals(cut.missingNow(), s.missingBytes());
					assertEquals(whole.size(), s.declaredBytes());
					sameBytes(whole, l, at - 4096, 4096);
					missingRead(l, at, 1);
					missingRead(l, at - 10, 20);
				}
			}
		}
	}

	@Test
	void qcow2CutShort(@TempDir Path tmp) throws Exception {
		Path raw = Samples.sets().get(0).resolve("disk.img");
		Path q = tmp.resolve("disk.qcow2");
		Qcow2LayerTest.run("qemu-img", "convert", "-O", "qcow2", raw.toString(), q.toString());
		List<long[]> data = dataClusters(q); // {guest offset, host offset, length} of each allocated data run, per qemu-img
		byte[] img = Files.readAllBytes(q);
		long l2 = Qcow2LayerTest.getBe64(img, (int) Qcow2LayerTest.getBe64(img, 40)) & 0x00fffffffffffe00L;
		long cluster = 1L << (Qcow2LayerTest.getBe64(img, 16) & 0xffffffffL); // cluster_bits: the be32 at 20
		long lastHost = 0, hole = -1;
		for (long[] d : data) lastHost = Math.max(lastHost, d[1] + d[2]);
		for (int i = 0; i + 1 < data.size() && hole < 0; i++) if (data.get(i)[0] + data.get(i)[2] < data.get(i + 1)[0]) hole = data.get(i)[0] + data.get(i)[2];
		assertTrue(hole > 0, "the sample disk has unallocated space");
		try (Layer whole = Layers.openDisk(raw)) {
			for (long at : new long[] { lastHost - cluster / 2, lastHost - 5 * cluster, l2 + cluster + 100, l2 + 100 }) {
				Path c = tmp.resolve("cut-" + at + ".qcow2");
				Files.write(c, java.util.Arrays.copyOf(img, (int) at));
				TruncatedEvidenceException e = assertThrows(TruncatedEvidenceException.class, () -> Layers.openDisk(c).close());
				assertTrue(e.getMessage().startsWith(c + ": truncated: "), e.getMessage());
				// expected: with the L2 table cut, all of the guest space it maps; else each data cluster not whole in the file
				List<Extent> expected = new ArrayList<>();
				if (l2 + cluster > at) {
					expected.add(new Extent(0, whole.size()));
				} else {
					for (long[] d : data) {
						for (long k = 0; k < d[2]; k += cluster) {
							if (d[1] + k + cluster > at) add(expected, d[0] + k, Math.min(cluster, d[2] - k));
						}
					}
				}
				try (Layer l = Layers.openDisk(c, true)) {
					assertEquals(expected, l.missing(), "cut at " + at);
					assertEquals(whole.size(), Shortfall.of(l).declaredBytes());
					for (Extent m : expected) missingRead(l, m.start() + 5, 100);
					if (l2 + cluster <= at) {
						if (data.get(0)[1] + cluster <= at) sameBytes(whole, l, data.get(0)[0], 4096);
						sameBytes(whole, l, hole, 4096); // unallocated: zeros, as the guest saw them
					}
				}
			}
		}
	}

	/** Strict: refused as truncated; partial: the missing ranges, figures and bytes the cut leaves. */
	private static void checkCut(CutEvidence cut, Layer whole) throws IOException {
		String at = "cut at " + cut.size();
		boolean atRangeEnd = cut.format() == CutEvidence.Format.LIME && cut.declaredNow().stream().anyMatch(r -> r.fileOffset() + r.length() == cut.size());
		if (atRangeEnd) {
			// a LiME file cut right after a range is a whole LiME file of fewer ranges: nothing tells it was cut
			try (Layer l = Layers.openMemory(cut.file())) {
				assertEquals(List.of(), l.missing());
			}
		} else {
			TruncatedEvidenceException e = assertThrows(TruncatedEvidenceException.class, () -> Layers.openMemory(cut.file()).close(), at);
			assertTrue(e.getMessage().startsWith(cut.file() + ": truncated: "), e.getMessage());
			assertFalse(e.getMessage().contains("\n"));
		}
		try (Layer l = Layers.openMemory(cut.file(), true)) {
			List<Extent> held = new ArrayList<>(), missing = new ArrayList<>();
			for (CutEvidence.Range r : cut.declaredNow()) {
				long have = Math.max(0, Math.min(r.length(), cut.size() - r.fileOffset()));
				if (have > 0) add(held, r.address(), have);
				if (have < r.length()) add(missing, r.address() + have, r.length() - have);
			}
			held.sort((a, b) -> Long.compareUnsigned(a.start(), b.start()));
			missing.sort((a, b) -> Long.compareUnsigned(a.start(), b.start()));
			assertEquals(held, l.extents(), at);
			assertEquals(missing, l.missing(), at);
			Shortfall s = Shortfall.of(l);
			assertEquals(cut.missingNow(), s.missingBytes(), at);
			assertEquals(cut.declaredBytesNow(), s.declaredBytes(), at);
			assertEquals(100.0 * cut.missingNow() / cut.declaredBytesNow(), s.missingPercent(), 1e-9);
			for (Extent h : held) sameBytes(whole, l, h.end() - Math.min(h.length(), 8192), (int) Math.min(h.length(), 8192));
			for (Extent m : missing) {
				missingRead(l, m.start(), 1);
				missingRead(l, m.end() - 8, 8);
				if (m.start() > 0 && l.isMapped(m.start() - 1, 1)) missingRead(l, m.start() - 1, 2); // a read across the cut
				try (MissingReads.Watch w = MissingReads.watch()) {
					assertFalse(l.isMapped(m.start(), 4096));
					assertTrue(w.touched(), "asking whether missing bytes are mapped is noted too");
					assertTrue(l.isMissing(m.start(), 1));
				}
			}
		}
	}

	/** Reading {@code len} bytes at {@code at} fails as missing and is noted in the watch open around it (and not outside it). */
	static void missingRead(Layer l, long at, int len) {
		try (MissingReads.Watch outer = MissingReads.watch()) {
			try (MissingReads.Watch w = MissingReads.watch()) {
				MissingBytesException e = assertThrows(MissingBytesException.class, () -> l.read(at, new byte[len], 0, len), "read at 0x" + Long.toHexString(at));
				assertTrue(e.getMessage().contains("missing from the evidence"), e.getMessage());
				assertEquals(1, w.count());
				assertTrue(w.first().startsWith(l.name() + " at 0x"), w.first());
			}
			assertEquals(1, outer.count(), "watches nest");
		}
		try (MissingReads.Watch after = MissingReads.watch()) {
			assertFalse(after.touched());
		}
	}

	static void sameBytes(Layer whole, Layer part, long at, int len) throws IOException {
		byte[] a = new byte[len], b = new byte[len];
		whole.read(at, a, 0, len);
		part.read(at, b, 0, len);
		assertArrayEquals(a, b, "bytes at 0x" + Long.toHexString(at));
	}

	/** Cuts are made longest first: one copy is cut shorter and shorter. */
	private static void sortDescending(long[] cuts) {
		java.util.Arrays.sort(cuts);
		for (int i = 0; i < cuts.length / 2; i++) {
			long t = cuts[i];
			cuts[i] = cuts[cuts.length - 1 - i];
			cuts[cuts.length - 1 - i] = t;
		}
	}

	private static void add(List<Extent> ext, long start, long length) {
		if (!ext.isEmpty() && ext.get(ext.size() - 1).end() == start) {
			Extent last = ext.remove(ext.size() - 1);
			ext.add(new Extent(last.start(), last.length() + length));
		} else {
			ext.add(new Extent(start, length));
		}
	}

	/** qemu-img's map of the image: {start, offset, length} of each run that has data in the file. */
	private static List<long[]> dataClusters(Path q) throws Exception {
		Process p = new ProcessBuilder("qemu-img", "map", "--output=json", q.toString()).redirectErrorStream(true).start();
		String json = new String(p.getInputStream().readAllBytes());
		assertEquals(0, p.waitFor(), json);
		List<long[]> out = new ArrayList<>();
		Matcher m = Pattern.compile("\\{ *\"start\": *(\\d+), *\"length\": *(\\d+),[^}]*\"data\": *true, *\"offset\": *(\\d+)").matcher(json);
		while (m.find()) out.add(new long[] { Long.parseLong(m.group(1)), Long.parseLong(m.group(3)), Long.parseLong(m.group(2)) });
		assertFalse(out.isEmpty(), json);
		return out;
	}
}
