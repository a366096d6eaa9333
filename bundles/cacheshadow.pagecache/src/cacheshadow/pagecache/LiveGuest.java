package cacheshadow.pagecache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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

	private LiveGuest(Path dir, Path ramFile, Path socket, Layer ram, QmpClient qmp) {
		this.dir = dir;
		this.ramFile = ramFile;
		this.socket = socket;
		this.ram = ram;
		this.qmp = qmp;
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
			return new LiveGuest(dir, ramFile.toAbsolutePath(), socket.toAbsolutePath(), GuestRamLayout.layer(ramFile, GuestRamLayout.of(q, ramFile, size)), q);
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
