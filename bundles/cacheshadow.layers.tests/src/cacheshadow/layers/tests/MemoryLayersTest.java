package cacheshadow.layers.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.layers.ElfCoreLayer;
import cacheshadow.layers.EvidenceFormat;
import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.LimeLayer;
import cacheshadow.layers.RawFileLayer;
import cacheshadow.layers.UnmappedAddressException;

/** The memory layers on the real snapshots of the sample sets. */
class MemoryLayersTest {

	@Test
	void elfCoreMapsThePtLoadsOfMetaTxtAndReportsHoles() throws Exception {
		for (Path set : Samples.sets()) {
			Path elf = set.resolve("memory.elf");
			assertEquals(EvidenceFormat.ELF_CORE, EvidenceFormat.detect(elf));
			List<Extent> expected = new ArrayList<>();
			Matcher m = Pattern.compile("paddr=0x([0-9a-f]+),size=0x([0-9a-f]+)").matcher(Samples.meta(set, "memory_elf_pt_load"));
			while (m.find()) expected.add(new Extent(Long.parseLong(m.group(1), 16), Long.parseLong(m.group(2), 16)));
			try (Layer l = Layers.openMemory(elf)) {
				assertInstanceOf(ElfCoreLayer.class, l);
				assertEquals(expected, l.extents(), set.toString());
				assertFalse(((ElfCoreLayer) l).notes().isEmpty(), "QEMU CPU-state notes are exposed");
				long hole = expected.get(0).end();
				byte[] b = new byte[8];
				UnmappedAddressException e = assertThrows(UnmappedAddressException.class, () -> l.read(hole, b, 0, 8));
				assertEquals(hole, e.address());
				// a read that starts mapped and runs into the hole is refused too, not half-filled with zeros
				assertThrows(UnmappedAddressException.class, () -> l.read(hole - 4, b, 0, 8));
			}
		}
	}

	/** Every LiME range is one top-level "System RAM" line of iomem.txt, and holds the same bytes as the ELF core. */
	@Test
	void limeRangesAreTheSystemRamOfIomemAndEqualTheElf() throws Exception {
		int checked = 0;
		for (Path set : Samples.sets()) {
			Path limeFile = set.resolve("memory.lime");
			if (!Files.exists(limeFile)) continue;
			List<Extent> ram = new ArrayList<>();
			for (String line : Files.readAllLines(set.resolve("iomem.txt"))) {
				Matcher m = Pattern.compile("^([0-9a-f]+)-([0-9a-f]+) : System RAM$").matcher(line);
				if (m.find()) {
					long s = Long.parseLong(m.group(1), 16), e = Long.parseLong(m.group(2), 16);
					ram.add(new Extent(s, e - s + 1));
				}
			}
			try (Layer lime = Layers.openMemory(limeFile); Layer elf = Layers.openMemory(set.resolve("memory.elf"))) {
				assertInstanceOf(LimeLayer.class, lime);
				assertEquals(EvidenceFormat.LIME, EvidenceFormat.detect(limeFile));
				// adjacent ranges are merged into one extent; compare the covered bytes instead
				assertEquals(ram.stream().mapToLong(Extent::length).sum(), lime.extents().stream().mapToLong(Extent::length).sum());
				for (Extent r : ram) {
					assertTrue(lime.isMapped(r.start(), r.length()));
					assertEquals(sha(elf, r), sha(lime, r), "range " + r + " of " + set);
				}
				checked++;
			}
		}
		assertTrue(checked > 0, "no sample set has a LiME image");
	}

	/** A raw RAM file (offset = physical address) made from the ELF's first PT_LOAD reads the same bytes. */
	@Test
	void rawMemoryEqualsElf(@TempDir Path tmp) throws Exception {
		Path set = Samples.sets().get(0);
		try (Layer elf = Layers.openMemory(set.resolve("memory.elf"))) {
			Extent first = elf.extents().get(0);
			Path raw = tmp.resolve("ram");
			long n = Math.min(first.length(), 64L << 20);
			try (var out = Files.newOutputStream(raw)) {
				byte[] b = new byte[1 << 20];
				for (long p = 0; p < n; p += b.length) {
					elf.read(first.start() + p, b, 0, b.length);
					out.write(b);
				}
			}
			try (Layer r = Layers.openMemory(raw)) {
				assertInstanceOf(RawFileLayer.class, r);
				Extent e = new Extent(0, n);
				assertEquals(sha(elf, e), sha(r, e));
			}
		}
	}

	@Test
	void rawDiskHashEqualsTheRecordedOne() throws Exception {
		for (Path set : Samples.sets()) {
			try (Layer d = Layers.openDisk(set.resolve("disk.img"))) {
				assertEquals(EvidenceFormat.EXT_IMAGE, EvidenceFormat.detect(set.resolve("disk.img")));
				assertEquals(Samples.recordedSha(set, "disk.img"), sha(d, new Extent(0, d.size())));
			}
		}
	}

	@Test
	void kernelFilesAndJournalsAreRecognizedByContent() throws Exception {
		for (Path set : Samples.sets()) {
			assertEquals(EvidenceFormat.BTF, EvidenceFormat.detect(set.resolve("kernel/vmlinux.btf")));
			assertEquals(EvidenceFormat.SYSTEM_MAP, EvidenceFormat.detect(set.resolve("kernel/System.map")));
			assertEquals(EvidenceFormat.BZIMAGE, EvidenceFormat.detect(set.resolve("kernel/vmlinuz")));
			assertEquals(EvidenceFormat.KERNEL_CONFIG, EvidenceFormat.detect(set.resolve("kernel/config")));
			assertEquals(EvidenceFormat.DM_LOG_WRITES, EvidenceFormat.detect(set.resolve("writes.log")));
		}
	}

	static String sha(Layer l, Extent e) throws IOException {
		try {
			MessageDigest md = MessageDigest.getInstance("SHA-256");
			byte[] b = new byte[1 << 20];
			for (long p = e.start(); p < e.end(); p += b.length) {
				int n = (int) Math.min(b.length, e.end() - p);
				l.read(p, b, 0, n);
				md.update(b, 0, n);
			}
			return HexFormat.of().formatHex(md.digest());
		} catch (java.security.NoSuchAlgorithmException x) {
			throw new AssertionError(x);
		}
	}
}
