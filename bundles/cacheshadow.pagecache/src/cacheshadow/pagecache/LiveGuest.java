package cacheshadow.pagecache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import cacheshadow.kernel.Btf;
import cacheshadow.kernel.BtfParser;
import cacheshadow.kernel.InMemoryBtfLocator;
import cacheshadow.kernel.KallsymsScanner;
import cacheshadow.kernel.KaslrDetector;
import cacheshadow.kernel.LinuxKernel;
import cacheshadow.kernel.SymbolTable;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Progress;

/**
 * A running QEMU guest whose RAM is a shared {@code memory-backend-file} (as {@code make-evidence.sh --live DIR}
 * starts it: {@code DIR/ram}, {@code DIR/qmp.sock}). The RAM file is mapped read-only; {@link #paused} stops the
 * vCPUs over QMP, runs an analysis on a consistent image, resumes them, and reports how long the guest was paused.
 * The RAM file's place in guest-physical memory is read from QEMU ({@link GuestRamLayout}: {@code query-memdev} and
 * {@code info mtree}), so guests of any size work, RAM split around the PCI hole included.
 */
public final class LiveGuest implements AutoCloseable {
	/** What ran while the guest was paused, and for how long it was. */
	public record Paused<T>(T result, long pausedNanos) {
	}

	public interface Analysis<T> {
		T run(Layer physicalMemory) throws IOException;
	}

	private final Path dir, ramFile, socket;
	private final Layer ram;
	private final QmpClient qmp;
	private final List<GuestRamLayout.Segment> segments;
	private final java.nio.MappedByteBuffer[] windows; // the RAM file again, for comparing pages in place

	private LiveGuest(Path dir, Path ramFile, Path socket, List<GuestRamLayout.Segment> segments, QmpClient qmp) throws IOException {
		this.dir = dir;
		this.ramFile = ramFile;
		this.socket = socket;
		this.segments = segments;
		this.qmp = qmp;
		this.ram = GuestRamLayout.layer(ramFile, segments);
		long size = Files.size(ramFile);
		windows = new java.nio.MappedByteBuffer[(int) ((size + WINDOW - 1) / WINDOW)];
		try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(ramFile)) {
			for (int i = 0; i < windows.length; i++) windows[i] = ch.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, i * WINDOW, Math.min(WINDOW, size - i * WINDOW));
		} catch (IOException | RuntimeException e) {
			ram.close();
			throw e;
		}
	}

	private static final long WINDOW = 1L << 30; // a multiple of the page size: no page straddles two windows

	/**
	 * The guest's RAM in place, straight in the mapped RAM file (no copy): what the pause of a refresh compares its
	 * copies with. A range outside the RAM file, or cut by a segment's end, has no view (null: it is read).
	 */
	public PausedCopyLayer.InPlace ramInPlace() {
		return (gpa, length) -> {
			for (GuestRamLayout.Segment s : segments) {
				if (gpa < s.gpa() || gpa + length > s.gpa() + s.length()) continue;
				long at = s.fileOffset() + gpa - s.gpa();
				java.nio.MappedByteBuffer w = windows[(int) (at / WINDOW)];
				int in = (int) (at % WINDOW);
				return in + length > w.capacity() ? null : w.slice(in, length);
			}
			return null;
		};
	}

	/** A guest laid out as {@code make-evidence.sh --live DIR} starts it: {@code DIR/ram}, {@code DIR/qmp.sock}. */
	public static LiveGuest attach(Path dir) throws IOException {
		return attach(dir.resolve("ram"), dir.resolve("qmp.sock"), dir);
	}

	/** {@code DIR/disk.img} of a guest laid out as {@code make-evidence.sh --live DIR} lays it out, when it is there; else null. */
	public static Path diskIn(Path dir) {
		Path d = dir.resolve("disk.img");
		return Files.isRegularFile(d) ? d : null;
	}

	/** {@code DIR/kernel} when it holds a {@code vmlinux.btf}; else null (the kernel is then found in the guest's RAM). */
	public static Path kernelIn(Path dir) {
		Path k = dir.resolve("kernel");
		return Files.isRegularFile(k.resolve("vmlinux.btf")) ? k : null;
	}

	/** A guest started any other way: its {@code memory-backend-file} (share=on) and its QMP UNIX socket. */
	public static LiveGuest attach(Path ramFile, Path socket) throws IOException {
		return attach(ramFile, socket, ramFile.toAbsolutePath().getParent());
	}

	private static LiveGuest attach(Path ramFile, Path socket, Path dir) throws IOException {
		if (!Files.isRegularFile(ramFile)) throw new IOException(ramFile + ": no guest RAM file (is the guest running?)");
		if (!Files.exists(socket)) throw new IOException(socket + ": no QMP socket (is the guest running?)");
		long size = Files.size(ramFile);
		QmpClient q;
		try {
			q = QmpClient.connect(socket);
		} catch (java.net.SocketException e) {
			throw new IOException(socket + ": cannot connect to QMP (" + e.getMessage() + "; QMP takes one client at a time)");
		}
		try {
			return new LiveGuest(dir, ramFile.toAbsolutePath(), socket.toAbsolutePath(), GuestRamLayout.of(q, ramFile, size), q);
		} catch (IOException | RuntimeException e) {
			q.close();
			throw e;
		}
	}

	/** The guest's physical memory, read live from the RAM file (mapped read-only). */
	public Layer ram() {
		return ram;
	}

	public Path dir() {
		return dir;
	}

	/** The guest's RAM file (its memory-backend-file). */
	public Path ramFile() {
		return ramFile;
	}

	/** The QMP socket this guest is attached through. */
	public Path socket() {
		return socket;
	}

	public QmpClient qmp() {
		return qmp;
	}

	/**
	 * What of the kernel is fixed after boot, found while the guest runs (not paused): its BTF (from
	 * {@code kernelDir/vmlinux.btf}, else searched in memory), its symbols ({@code System.map}, else the kernel's
	 * kallsyms in memory) and its KASLR placement. A refresh then builds the kernel model over a paused copy of the
	 * RAM from these ({@code LinuxKernel.open(copy, btf, symbols, kaslr)}), so only the cache walk pauses the guest.
	 */
	public record KernelFiles(Btf btf, SymbolTable symbols, KaslrDetector.Result kaslr) {
		/** The kernel model over {@code physical} (a paused copy of the RAM). */
		public LinuxKernel model(Layer physical, Progress progress) throws IOException {
			return LinuxKernel.open(physical, btf, symbols, kaslr, progress);
		}
	}

	/** See {@link KernelFiles}; {@code kernelDir} may be null (then everything comes from the RAM). */
	public KernelFiles kernelFiles(Path kernelDir, Progress progress) throws IOException {
		Btf btf;
		SymbolTable symbols = null;
		if (kernelDir != null) {
			btf = BtfParser.parse(kernelDir.resolve("vmlinux.btf"));
			Path map = kernelDir.resolve("System.map");
			if (Files.isRegularFile(map)) symbols = SymbolTable.readSystemMap(map);
		} else {
			btf = InMemoryBtfLocator.find(ram, progress).btf();
		}
		KaslrDetector.Result kaslr = symbols == null ? null : KaslrDetector.locate(ram, btf, symbols, progress);
		if (kaslr == null) kaslr = KaslrDetector.detect(ram, btf, symbols, progress);
		if (symbols == null) symbols = KallsymsScanner.scan(ram, kaslr, progress);
		return new KernelFiles(btf, symbols, kaslr);
	}

	/**
	 * The kernel model, built while the guest runs: BTF, KASLR placement, symbols (kallsyms from memory when
	 * {@code kernelDir} is null), page tables and {@code page_offset_base}/{@code vmemmap_base} are all fixed
	 * after boot, so only the cache walk itself needs the guest paused (then {@code CacheAnalysis.walk(kernel)}).
	 */
	public LinuxKernel kernelModel(Path kernelDir, Progress progress) throws IOException {
		return kernelFiles(kernelDir, progress).model(ram, progress);
	}

	/**
	 * What the guest's block devices have written so far, from QEMU's own counts (QMP {@code query-blockstats}: the
	 * completed and failed writes, zero writes and discards, and bytes written, of every device); null when QEMU does
	 * not tell. The counts only grow, and a request is counted once it completed, so two equal answers mean no write
	 * reached any of its disk images in between (the examiner's image included, which only the guest writes).
	 */
	public String diskWrites() {
		try {
			if (!(qmp.call("query-blockstats", null) instanceof java.util.List<?> devices)) return null;
			StringBuilder sb = new StringBuilder();
			for (Object d : devices) {
				if (!(d instanceof java.util.Map<?, ?> dev) || !(dev.get("stats") instanceof java.util.Map<?, ?> st)) return null;
				sb.append(dev.get("device")).append('/').append(dev.get("node-name")).append(':');
				for (String k : WRITE_COUNTS) sb.append(st.get(k)).append(',');
				sb.append(';');
			}
			return sb.toString();
		} catch (IOException | RuntimeException e) {
			return null;
		}
	}

	private static final String[] WRITE_COUNTS = { "wr_operations", "wr_bytes", "unmap_operations", "unmap_bytes", "failed_wr_operations",
			"failed_unmap_operations", "invalid_wr_operations", "invalid_unmap_operations" };

	/**
	 * Pauses the guest, runs {@code analysis} on its RAM, and resumes it whatever happened (the guest is never
	 * left paused by an analysis failure, an OutOfMemoryError or a StackOverflowError included).
	 */
	public <T> Paused<T> paused(Analysis<T> analysis) throws IOException {
		long t0 = System.nanoTime();
		qmp.stop();
		T r;
		try {
			r = analysis.run(ram);
		} catch (Throwable e) {
			try {
				qmp.cont();
			} catch (IOException | RuntimeException c) {
				e.addSuppressed(c);
			}
			throw e;
		}
		qmp.cont();
		return new Paused<>(r, System.nanoTime() - t0);
	}

	@Override
	public void close() throws IOException {
		try {
			qmp.close();
		} finally {
			ram.close();
		}
	}
}
