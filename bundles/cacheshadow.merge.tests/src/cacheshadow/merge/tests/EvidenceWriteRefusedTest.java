package cacheshadow.merge.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.journal.DiskAtInstant;
import cacheshadow.journal.DiskHistory;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.pagecache.GuestRamLayout;
import cacheshadow.pagecache.PausedCopyLayer;

/**
 * No write reaches evidence through any layer: every Layer implementation of the product (raw, ELF core, LiME, qcow2,
 * the journal, jbd2 and block-device-cache overlays, the kernel's virtual address space, a live guest's RAM and its
 * paused copy, the disk at an instant) has no method that writes; the evidence files under them are mapped read-only
 * and never held open for writing; and an attempt at the operating-system level — a write through /proc/self/mem into
 * each mapping of each evidence file, the way a debugger pokes memory — is refused by the kernel (the same attempt on a
 * mapping opened for writing succeeds, so it is a real attempt). The files' SHA-256 are the same afterwards.
 */
class EvidenceWriteRefusedTest {
	/** Method names that would write, anywhere in a layer's public API. */
	private static final Pattern WRITING = Pattern.compile("(?i)(write|put|set|truncate|force|map|transfer|lock|delete|append|flush|insert|update|modify"
			+ "|clear|fill|erase|zero|discard|trim|store|save|patch|poke).*");

	@Test
	void everyLayerIsReadOnlyDownToTheKernel(@TempDir Path tmp) throws Exception {
		String set = Samples.SETS.get(0);
		Path dir = Samples.dir(set);
		Path qcow2 = tmp.resolve("disk.qcow2");
		Process p = new ProcessBuilder("qemu-img", "convert", "-O", "qcow2", dir.resolve("disk.img").toString(), qcow2.toString()).redirectErrorStream(true).start();
		assertEquals(0, p.waitFor(), new String(p.getInputStream().readAllBytes()));
		qcow2.toFile().setReadOnly();
		List<Path> evidence = List.of(dir.resolve("memory.elf"), dir.resolve("memory.lime"), dir.resolve("disk.img"), dir.resolve("disk.base.img"),
				dir.resolve("writes.log"), qcow2);
		Map<Path, String> before = new LinkedHashMap<>();
		for (Path e : evidence) before.put(e, sha256(e));

		List<Layer> layers = new ArrayList<>();
		List<AutoCloseable> open = new ArrayList<>();
		try {
			layers.add(add(open, Layers.openMemory(dir.resolve("memory.elf"))));
			layers.add(add(open, Layers.openMemory(dir.resolve("memory.lime"))));
			layers.add(add(open, Layers.openDisk(dir.resolve("disk.img"))));
			layers.add(add(open, Layers.openDisk(qcow2)));
			Ext4FileSystem replayed = add(open, Ext4FileSystem.open(layers.get(2), Ext4FileSystem.Options.REPLAYED));
			layers.add(replayed.layer()); // jbd2's committed blocks over the disk
			MergedFileSystem m = add(open, MergedFileSystem.open(dir.resolve("memory.elf"), dir.resolve("disk.img"), dir.resolve("kernel"), true, Progress.NONE));
			layers.add(m.analysis().kernel().virtual());
			layers.add(m.disks().get(0).overlay()); // the block-device cache over the disk
			DiskHistory h = add(open, DiskHistory.open(dir.resolve("disk.base.img"), dir.resolve("writes.log"), dir.resolve("timeline.tsv"), null, Progress.NONE));
			DiskAtInstant at = h.at("entry:43");
			layers.add(at);
			Layer ram = add(open, GuestRamLayout.layer(dir.resolve("memory.elf"), List.of(new GuestRamLayout.Segment(0, 1 << 20, 4096))));
			layers.add(ram);
			PausedCopyLayer paused = add(open, new PausedCopyLayer(ram));
			paused.read(0, new byte[4096], 0, 4096);
			paused.freeze();
			layers.add(paused);
			assertEquals(10, layers.stream().map(Object::getClass).distinct().count(), "one of each kind: " + layers);

			for (Layer l : layers) noWritingMethod(l.getClass());
			noWritingMethod(Layer.class);
			for (String hidden : List.of("cacheshadow.merge.LiveMerge$Unclosed")) noWritingMethod(Class.forName(hidden, false, MergedFileSystem.class.getClassLoader()));

			int refused = 0;
			for (Path e : evidence) {
				List<long[]> maps = mappings(e);
				assertFalse(maps.isEmpty(), e + " is mapped by its layer");
				for (long[] region : maps) {
					assertEquals(0, region[2], e + " mapped writable at 0x" + Long.toHexString(region[0]));
					assertThrows(IOException.class, () -> pokeOwnMemory(region[0]), e + ": the kernel let a write into its mapping through");
					refused++;
				}
				for (int flags : openFlags(e)) assertEquals(0, flags & 3, e + " is open for writing (flags 0" + Integer.toOctalString(flags) + ")");
			}
			assertTrue(refused >= evidence.size());
		} finally {
			for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
		}
		for (Path e : evidence) assertEquals(before.get(e), sha256(e), e + " changed");
	}

	/** The same poke into a mapping opened for writing goes through: the refusal above is the mapping's, not the method's. */
	@Test
	void thePokeWritesWhereWritingIsAllowed(@TempDir Path tmp) throws Exception {
		Path f = tmp.resolve("scratch.bin");
		Files.write(f, new byte[8192]);
		try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
			MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_WRITE, 0, 8192);
			List<long[]> maps = mappings(f);
			assertEquals(1, maps.size());
			assertEquals(1, maps.get(0)[2], "writable");
			pokeOwnMemory(maps.get(0)[0]);
			assertEquals((byte) 0x5a, b.get(0));
			b.force();
		}
		assertEquals(0x5a, Files.readAllBytes(f)[0]);
	}

	private static <T extends AutoCloseable> T add(List<AutoCloseable> open, T c) {
		open.add(c);
		return c;
	}

	private static void noWritingMethod(Class<?> c) {
		for (Method m : c.getMethods()) {
			if (m.getDeclaringClass() == Object.class || Modifier.isStatic(m.getModifiers())) continue;
			assertFalse(WRITING.matcher(m.getName()).matches(), c.getName() + "." + m.getName() + " looks like it writes");
		}
	}

	/** {start, end, writable} of each mapping of {@code f} in this process (/proc/self/maps). */
	private static List<long[]> mappings(Path f) throws IOException {
		String real = f.toRealPath().toString();
		List<long[]> out = new ArrayList<>();
		for (String l : Files.readAllLines(Path.of("/proc/self/maps"))) {
			String[] c = l.trim().split("\\s+", 6);
			if (c.length < 6 || !c[5].equals(real)) continue;
			String[] range = c[0].split("-");
			out.add(new long[] { Long.parseUnsignedLong(range[0], 16), Long.parseUnsignedLong(range[1], 16), c[1].charAt(1) == 'w' ? 1 : 0 });
		}
		return out;
	}

	/** Writes 0x5a at {@code address} of this process through /proc/self/mem (which writes even where the page says read-only, unless the kernel refuses). */
	private static void pokeOwnMemory(long address) throws IOException {
		try (RandomAccessFile mem = new RandomAccessFile("/proc/self/mem", "rw")) {
			mem.seek(address);
			mem.write(0x5a);
		}
	}

	/** The open flags of each descriptor of this process on {@code f} (/proc/self/fdinfo). */
	private static List<Integer> openFlags(Path f) throws IOException {
		String real = f.toRealPath().toString();
		List<Integer> out = new ArrayList<>();
		try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
			for (Path fd : fds.toList()) {
				try {
					if (!Files.readSymbolicLink(fd).toString().equals(real)) continue;
					for (String l : Files.readAllLines(Path.of("/proc/self/fdinfo", fd.getFileName().toString()))) {
						if (l.startsWith("flags:")) out.add(Integer.parseInt(l.substring(6).trim(), 8));
					}
				} catch (IOException gone) {
					// a descriptor closed meanwhile
				}
			}
		}
		return out;
	}

	private static String sha256(Path f) throws Exception {
		MessageDigest md = MessageDigest.getInstance("SHA-256");
		try (InputStream in = Files.newInputStream(f)) {
			byte[] b = new byte[1 << 20];
			for (int n; (n = in.read(b)) > 0;) md.update(b, 0, n);
		}
		return HexFormat.of().formatHex(md.digest());
	}
}
