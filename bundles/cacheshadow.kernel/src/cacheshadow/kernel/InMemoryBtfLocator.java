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
	/** Magic 0xEB9F, version 1, flags 0: the first four header bytes as one little-endian int (one compare per 4 bytes). */
	private static final int MAGIC_VERSION_1 = 0x0001_EB9F;
	private static final java.lang.invoke.VarHandle INT = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class,
			java.nio.ByteOrder.LITTLE_ENDIAN);

	private InMemoryBtfLocator() {
	}

	/** An acceptable candidate: its physical address and parsed BTF; the SHA-256 of its blob on demand. */
	public static final class Found {
		private final long physicalAddress;
		private final Btf btf;
		private final byte[] blob;
		private String sha256;

		Found(long physicalAddress, Btf btf, byte[] blob) {
			this.physicalAddress = physicalAddress;
			this.btf = btf;
			this.blob = blob;
		}

		public long physicalAddress() {
			return physicalAddress;
		}

		public Btf btf() {
			return btf;
		}

		/** Hashing 4-5 MB costs more than comparing: only asked for when something is reported. */
		public synchronized String sha256() {
			if (sha256 == null) sha256 = InMemoryBtfLocator.sha256(blob);
			return sha256;
		}

		/** Whether {@code other} holds the same bytes (a copy of the same BTF). */
		public boolean sameBlob(Found other) {
			return java.util.Arrays.equals(blob, other.blob);
		}
	}

	/** Also shown each chunk a sweep reads, to do other searches in the same pass over the snapshot. */
	@FunctionalInterface
	public interface ChunkVisitor {
		/** {@code buf[0..n)} holds the bytes at {@code pos}, inside {@code extent}; later chunks start {@link #CHUNK} on. */
		void chunk(long pos, byte[] buf, int n, Extent extent) throws IOException;
	}

	/** Bytes between the starts of consecutive chunks a sweep shows a {@link ChunkVisitor}. */
	public static final int CHUNK = 1 << 20;

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
		Sweep s = new Sweep(physical, limit, null, null);
		s.run(0, Long.MAX_VALUE, "Searching the snapshot for the kernel's BTF", progress);
		if (!s.found.isEmpty()) return s.found;
		throw new KernelLayoutException("no kernel BTF found in " + physical.name() + (s.lastProblem == null ? "" : " (last candidate: " + s.lastProblem + ")"));
	}

	/** Acceptable candidates starting in physical [{@code from}, {@code to}) (e.g. the {@link KernelImage}), maybe none. */
	public static List<Found> findIn(Layer physical, long from, long to, int limit, Progress progress) throws IOException {
		Sweep s = new Sweep(physical, limit, null, null);
		s.run(from, to, "Searching the kernel image for its BTF", progress);
		return s.found;
	}

	/**
	 * All of the snapshot swept once more, for the copies beside {@code known} (found first, e.g. in the kernel image):
	 * every acceptable candidate in physical order (at most {@code limit}), {@code known} itself among them; a blob
	 * with {@code known}'s bytes is not parsed again. {@code also} sees every chunk read.
	 */
	public static List<Found> findAllBeside(Layer physical, Found known, int limit, ChunkVisitor also, Progress progress) throws IOException {
		Sweep s = new Sweep(physical, limit, known, also);
		s.run(0, Long.MAX_VALUE, "Searching the snapshot for other copies of the BTF", progress);
		return s.found;
	}

	/** One pass over physical [from, to): BTF headers 4-byte aligned (the section starts so in the image's read-only data). */
	private static final class Sweep {
		final Layer physical;
		final int limit;
		final Found known;
		final ChunkVisitor also;
		final List<Found> found = new ArrayList<>();
		String lastProblem;

		Sweep(Layer physical, int limit, Found known, ChunkVisitor also) {
			this.physical = physical;
			this.limit = limit;
			this.known = known;
			this.also = also;
		}

		void run(long from, long to, String task, Progress progress) throws IOException {
			long total = 0;
			for (Extent e : physical.extents()) total += Math.max(0, Math.min(e.end(), to) - Math.max(e.start(), from));
			progress.begin(task, total);
			byte[] buf = new byte[CHUNK + 24];
			for (Extent e : physical.extents()) {
				long first = Math.max(e.start(), from), end = Math.min(e.end(), to);
				for (long pos = first; pos < end; pos += CHUNK) {
					progress.checkCanceled();
					int n = (int) Math.min(CHUNK + 24, e.end() - pos);
					physical.read(pos, buf, 0, n);
					progress.worked(Math.min(CHUNK, Math.min(n, end - pos)));
					if (also != null) also.chunk(pos, buf, n, e);
					if (found.size() >= limit) {
						if (also == null) return;
						continue;
					}
					// i < CHUNK: the next chunk starts there
					int last = (int) Math.min(Math.min(n - 24, CHUNK - 1), end - 1 - pos);
					for (int i = (int) ((4 - (pos & 3)) & 3); i <= last; i += 4) {
						if ((int) INT.get(buf, i) != MAGIC_VERSION_1) continue;
						if (LittleEndian.u32(buf, i + 4) != 24 || LittleEndian.u32(buf, i + 8) != 0) continue;
						long typeLen = LittleEndian.u32(buf, i + 12), strOff = LittleEndian.u32(buf, i + 16), strLen = LittleEndian.u32(buf, i + 20);
						if (strOff != typeLen || typeLen == 0 || strLen == 0 || typeLen + strLen > MAX_BTF) continue;
						long at = pos + i, len = 24 + typeLen + strLen;
						if (!physical.isMapped(at, len)) continue;
						candidate(at, (int) len);
						if (found.size() >= limit) break;
					}
				}
			}
		}

		private void candidate(long at, int len) throws IOException {
			if (known != null && at == known.physicalAddress()) {
				found.add(known);
				return;
			}
			byte[] blob = new byte[len];
			physical.read(at, blob, 0, blob.length);
			if (known != null && java.util.Arrays.equals(blob, known.blob)) {
				found.add(new Found(at, known.btf(), blob));
				return;
			}
			try {
				Btf btf = BtfParser.parse(blob, String.format("BTF in memory at physical 0x%x", at));
				if (btf.compositeId("task_struct") >= 0) {
					found.add(new Found(at, btf, blob));
					return;
				}
				lastProblem = String.format("BTF at 0x%x has no struct task_struct (a module's?)", at);
			} catch (BtfFormatException ex) {
				lastProblem = ex.getMessage();
			}
		}
	}

	private static String sha256(byte[] b) {
		try {
			return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
		} catch (java.security.NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}
}
