package cacheshadow.layers.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.layers.EvidenceFormat;
import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Qcow2Layer;

/** qcow2 images made by qemu-img / qemu-io from a real sample disk, read back against the raw image. */
class Qcow2LayerTest {

	static void run(String... cmd) throws IOException, InterruptedException {
		Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
		String out = new String(p.getInputStream().readAllBytes());
		assertEquals(0, p.waitFor(), String.join(" ", cmd) + ":\n" + out);
	}

	@Test
	void plainAndCompressedQcow2EqualTheRawDisk(@TempDir Path tmp) throws Exception {
		Path raw = Samples.sets().get(0).resolve("disk.img");
		for (String variant : List.of("plain", "compressed", "small-clusters")) {
			Path q = tmp.resolve(variant + ".qcow2");
			List<String> cmd = new ArrayList<>(List.of("qemu-img", "convert", "-O", "qcow2"));
			if (variant.equals("compressed")) cmd.add("-c");
			if (variant.equals("small-clusters")) cmd.addAll(List.of("-o", "cluster_size=4096"));
			cmd.addAll(List.of(raw.toString(), q.toString()));
			run(cmd.toArray(String[]::new));
			assertEquals(EvidenceFormat.QCOW2, EvidenceFormat.detect(q));
			try (Layer ql = Layers.openDisk(q); Layer rl = Layers.openDisk(raw)) {
				assertInstanceOf(Qcow2Layer.class, ql);
				assertEquals(rl.size(), ql.size());
				Extent all = new Extent(0, rl.size());
				assertEquals(MemoryLayersTest.sha(rl, all), MemoryLayersTest.sha(ql, all), variant);
			}
		}
	}

	@Test
	void backingChainAndZeroClusters(@TempDir Path tmp) throws Exception {
		Path base = tmp.resolve("base.raw");
		byte[] data = new byte[4 << 20];
		for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 31 + 7);
		Files.write(base, data);
		Path top = tmp.resolve("top.qcow2");
		run("qemu-img", "create", "-f", "qcow2", "-b", "base.raw", "-F", "raw", top.toString());
		run("qemu-io", "-c", "write -P 0xab 65536 4096", "-c", "write -z 131072 65536", top.toString());
		try (Layer l = Layers.openDisk(top)) {
			byte[] b = new byte[4096];
			l.read(0, b, 0, 4096);
			for (int i = 0; i < 4096; i++) assertEquals(data[i], b[i], "backing byte " + i);
			l.read(65536, b, 0, 4096);
			for (int i = 0; i < 4096; i++) assertEquals((byte) 0xab, b[i]);
			l.read(131072 + 8192, b, 0, 4096);
			for (int i = 0; i < 4096; i++) assertEquals(0, b[i], "zero cluster");
			l.read(3 << 20, b, 0, 4096);
			for (int i = 0; i < 4096; i++) assertEquals(data[(3 << 20) + i], b[i]);
		}
	}

	@Test
	void loopingBackingChainIsRefused(@TempDir Path tmp) throws Exception {
		Path a = tmp.resolve("a.qcow2"), b = tmp.resolve("b.qcow2");
		run("qemu-img", "create", "-f", "qcow2", a.toString(), "1M");
		run("qemu-img", "create", "-f", "qcow2", "-b", "a.qcow2", "-F", "qcow2", b.toString());
		run("qemu-img", "rebase", "-u", "-f", "qcow2", "-b", "b.qcow2", "-F", "qcow2", a.toString());
		EvidenceFormatException e = assertThrows(EvidenceFormatException.class, () -> Layers.openDisk(b));
		assertTrue(e.getMessage().contains("loops"), e.getMessage());
	}

	@Test
	void tablesOutsideTheFileAreReportedNamingTheFile(@TempDir Path tmp) throws Exception {
		Path q = tmp.resolve("d.qcow2");
		run("qemu-img", "create", "-f", "qcow2", q.toString(), "16M");
		run("qemu-io", "-c", "write -P 0x11 0 4096", q.toString());
		byte[] img = Files.readAllBytes(q);
		// L1 table offset (header bytes 40..47, big-endian) far past the end of the file
		byte[] badL1 = img.clone();
		putBe64(badL1, 40, 1L << 40);
		Path f1 = tmp.resolve("bad-l1.qcow2");
		Files.write(f1, badL1);
		EvidenceFormatException e1 = assertThrows(EvidenceFormatException.class, () -> Layers.openDisk(f1));
		assertTrue(e1.getMessage().startsWith(f1.toString()) && e1.getMessage().contains("L1"), e1.getMessage());
		// first L1 entry pointing its L2 table past the end: refused as cut short; as partial evidence, the guest range
		// that L2 table maps is missing and reading it is refused
		long l1Off = getBe64(img, 40);
		byte[] badL2 = img.clone();
		putBe64(badL2, (int) l1Off, (1L << 63) | (1L << 40));
		Path f2 = tmp.resolve("bad-l2.qcow2");
		Files.write(f2, badL2);
		EvidenceFormatException e2 = assertThrows(EvidenceFormatException.class, () -> Layers.openDisk(f2));
		assertTrue(e2.getMessage().startsWith(f2.toString()) && e2.getMessage().contains("L2"), e2.getMessage());
		try (Layer l = Layers.openDisk(f2, true)) {
			assertEquals(List.of(new Extent(0, 16 << 20)), l.missing());
			assertThrows(cacheshadow.layers.MissingBytesException.class, () -> l.read(0, new byte[16], 0, 16));
		}
		// truncated header
		Path f3 = tmp.resolve("short.qcow2");
		Files.write(f3, java.util.Arrays.copyOf(img, 40));
		assertThrows(EvidenceFormatException.class, () -> Qcow2Layer.open(f3));
	}

	static void putBe64(byte[] b, int o, long v) {
		for (int i = 0; i < 8; i++) b[o + i] = (byte) (v >>> (56 - 8 * i));
	}

	static long getBe64(byte[] b, int o) {
		long v = 0;
		for (int i = 0; i < 8; i++) v = (v << 8) | (b[o + i] & 0xff);
		return v;
	}
}
