package cacheshadow.kernel;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;
import cacheshadow.layers.LittleEndian;
import cacheshadow.layers.Progress;

/**
 * Finds the kernel's own BTF in a memory snapshot: vmlinux keeps its {@code .BTF} section
 * ({@code __start_BTF..__stop_BTF}) in read-only data, physically contiguous with the rest of the image. A
 * candidate is a BTF header (magic 0xEB9F, version 1, 24-byte header, types first then strings, sizes below a
 * sane bound) that parses completely and describes {@code struct task_struct}.
 */
public final class InMemoryBtfLocator {
	/** Largest BTF accepted (vmlinux BTF is ~5 MB). */
	private static final long MAX_BTF = 64L << 20;
	private static final int CHUNK = 1 << 20;
	/** Magic 0xEB9F, version 1, flags 0: the first four header bytes as one little-endian int (one compare per 4 bytes). */
	private static final int MAGIC_VERSION_1 = 0x0001_EB9F;
	private static final java.lang.invoke.VarHandle INT = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class,
			java.nio.ByteOrder.LITTLE_ENDIAN);

	private InMemoryBtfLocator() {
	}

	/** The physical address, parsed BTF and SHA-256 of the blob of an acceptable candidate. */
	public record Found(long physicalAddress, Btf btf, String sha256) {
	}

	/** The first acceptable candidate in physical order. */
	public static Found find(Layer physical, Progress progress) throws IOException {
		List<Found> all = findAll(physical, 1, progress);
		return all.get(0);
	}

	/**
	 * Acceptable candidates in physical order (at most {@code limit}): the kernel's own and any planted copies — a
	 * decoy in a process's pages can come first, so callers check candidates against the symbols
	 * ({@code __start_BTF}) before trusting one.
	 */
	public static List<Found> findAll(Layer physical, int limit, Progress progress) throws IOException {
		List<Found> found = new ArrayList<>();
		long total = 0;
		for (Extent e : physical.extents()) total += e.length();
		progress.begin("Searching the snapshot for the kernel's BTF", total);
		byte[] buf = new byte[CHUNK + 24];
		String lastProblem = null;
		for (Extent e : physical.extents()) {
			// The section starts 4-byte aligned in the image's read-only data.
			for (long pos = e.start(); pos < e.end(); pos += CHUNK) {
				progress.checkCanceled();
				int n = (int) Math.min(CHUNK + 24, e.end() - pos);
				physical.read(pos, buf, 0, n);
				progress.worked(Math.min(CHUNK, n));
				int last = Math.min(n - 24, CHUNK);
				for (int i = (int) ((4 - (pos & 3)) & 3); i <= last; i += 4) {
					if ((int) INT.get(buf, i) != MAGIC_VERSION_1) continue;
					if (LittleEndian.u32(buf, i + 4) != 24 || LittleEndian.u32(buf, i + 8) != 0) continue;
					long typeLen = LittleEndian.u32(buf, i + 12), strOff = LittleEndian.u32(buf, i + 16), strLen = LittleEndian.u32(buf, i + 20);
					if (strOff != typeLen || typeLen == 0 || strLen == 0 || typeLen + strLen > MAX_BTF) continue;
					long at = pos + i, len = 24 + typeLen + strLen;
					if (!physical.isMapped(at, len)) continue;
					byte[] blob = new byte[(int) len];
					physical.read(at, blob, 0, blob.length);
					try {
						Btf btf = BtfParser.parse(blob, String.format("BTF in memory at physical 0x%x", at));
						if (btf.compositeId("task_struct") >= 0) {
							found.add(new Found(at, btf, sha256(blob)));
							if (found.size() >= limit) return found;
						}
						lastProblem = String.format("BTF at 0x%x has no struct task_struct (a module's?)", at);
					} catch (BtfFormatException ex) {
						lastProblem = ex.getMessage();
					}
				}
			}
		}
		if (!found.isEmpty()) return found;
		throw new KernelLayoutException("no kernel BTF found in " + physical.name() + (lastProblem == null ? "" : " (last candidate: " + lastProblem + ")"));
	}

	private static String sha256(byte[] b) {
		try {
			return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
		} catch (java.security.NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}
}
