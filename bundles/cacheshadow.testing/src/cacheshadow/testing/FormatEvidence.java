package cacheshadow.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Evidence in the formats examiners receive, made at test time by the real tools (qemu-img, ewfacquire, QEMU's
 * dump-guest-memory, makedumpfile) through {@code releng/formats/format-evidence.sh} and cached under
 * {@code build/formats/} (a finished set is kept between runs).
 */
public final class FormatEvidence {
	private FormatEvidence() {
	}

	/** The repository's root: the samples live in its {@code build/samples}. */
	public static Path root() {
		return EvidenceSamples.dir().toAbsolutePath().getParent().getParent();
	}

	/** A sample set's disk.img in every disk format ({@code disk.sparse.vmdk}, {@code disk.E01}, …), made once. */
	public static Path disks(String set) throws Exception {
		return make("disks", EvidenceSamples.dir(set), root().resolve("build/formats/disks-" + set));
	}

	/**
	 * One pause of the live guest dumped as ELF and compressed kdump ({@code memory.elf}, {@code memory.kdump-zlib}
	 * reassembled, {@code memory.kdump-zlib.flat} as QEMU wrote it, {@code memory.kdump-lzo}, {@code memory.kdump-snappy})
	 * with its {@code kernel/}: made once from the guest of {@code -Dcacheshadow.live} (waited for; the test is aborted
	 * as the live tests are when no guest came up), kept in {@code build/formats/dumps} after.
	 */
	public static Path dumps() throws Exception {
		Path out = root().resolve("build/formats/dumps");
		if (Files.isRegularFile(out.resolve("complete"))) return out;
		String live = System.getProperty("cacheshadow.live");
		if (live == null || live.isBlank()) {
			String why = "no cached " + out + " and no live guest (-Dcacheshadow.live) to dump";
			System.out.println("LIVE GUEST TEST SKIPPED: " + why);
			org.junit.jupiter.api.Assumptions.abort(why);
		}
		LiveGuestDir.await(Path.of(live));
		return make("dumps", Path.of(live), out);
	}

	/**
	 * A sample's memory.elf as a Xen HVM dump-core ({@link XenDumpCoreWriter}: pages in 2 MiB groups last to first,
	 * three invalid frames), {@code build/formats/xen-SET/memory.xen}, made once.
	 */
	public static Path xenCore(String set) throws Exception {
		Path dir = root().resolve("build/formats/xen-" + set), out = dir.resolve("memory.xen");
		if (Files.isRegularFile(dir.resolve("complete"))) return out;
		Files.createDirectories(dir);
		try (cacheshadow.layers.Layer elf = cacheshadow.layers.Layers.openMemory(EvidenceSamples.file(set, "memory.elf"))) {
			XenDumpCoreWriter.write(elf, out, true, true, 3);
		}
		Files.createFile(dir.resolve("complete"));
		return out;
	}

	private static Path make(String what, Path from, Path out) throws IOException, InterruptedException {
		if (Files.isRegularFile(out.resolve("complete"))) return out;
		Process p = new ProcessBuilder(root().resolve("releng/formats/format-evidence.sh").toString(), what, from.toString(), out.toString())
				.redirectErrorStream(true).start();
		String log = new String(p.getInputStream().readAllBytes());
		assertEquals(0, p.waitFor(), "format-evidence.sh " + what + ":\n" + log);
		assertTrue(Files.isRegularFile(out.resolve("complete")), out.toString());
		return out;
	}
}
