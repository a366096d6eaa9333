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
import cacheshadow.layers.RawFileLayer;

/**
 * A running QEMU guest whose RAM is a shared {@code memory-backend-file} (as {@code make-evidence.sh --live DIR}
 * starts it: {@code DIR/ram}, {@code DIR/qmp.sock}). The RAM file is mapped read-only; {@link #paused} stops the
 * vCPUs over QMP, runs an analysis on a consistent image, resumes them, and reports how long the guest was paused.
 * Guests of 3.5 GiB or more split their RAM around the PCI hole; only the contiguous layout (RAM below that) is
 * read here.
 */
public final class LiveGuest implements AutoCloseable {
	/** What ran while the guest was paused, and for how long it was. */
	public record Paused<T>(T result, long pausedNanos) {
	}

	public interface Analysis<T> {
		T run(Layer physicalMemory) throws IOException;
	}

	private final Path dir;
	private final Layer ram;
	private final QmpClient qmp;

	private LiveGuest(Path dir, Layer ram, QmpClient qmp) {
		this.dir = dir;
		this.ram = ram;
		this.qmp = qmp;
	}

	public static LiveGuest attach(Path dir) throws IOException {
		Path ramFile = dir.resolve("ram"), socket = dir.resolve("qmp.sock");
		if (!Files.isRegularFile(ramFile)) throw new IOException(ramFile + ": no guest RAM file (is the guest running?)");
		long size = Files.size(ramFile);
		if (size >= (7L << 29)) throw new IOException(ramFile + ": " + (size >> 20) + " MiB; guests of 3.5 GiB or more (RAM split around the PCI hole) are not supported yet");
		QmpClient q = QmpClient.connect(socket);
		try {
			return new LiveGuest(dir, new RawFileLayer(ramFile, "live guest RAM"), q);
		} catch (IOException e) {
			q.close();
			throw e;
		}
	}

	public Path dir() {
		return dir;
	}

	public QmpClient qmp() {
		return qmp;
	}

	/**
	 * The kernel model, built while the guest runs: BTF, KASLR placement, symbols (kallsyms from memory when
	 * {@code kernelDir} is null), page tables and {@code page_offset_base}/{@code vmemmap_base} are all fixed
	 * after boot, so only the cache walk itself needs the guest paused (then {@code CacheAnalysis.walk(kernel)}).
	 */
	public LinuxKernel kernelModel(Path kernelDir, Progress progress) throws IOException {
		Btf btf;
		SymbolTable symbols = null;
		if (kernelDir != null) {
			btf = BtfParser.parse(kernelDir.resolve("vmlinux.btf"));
			Path map = kernelDir.resolve("System.map");
			if (Files.isRegularFile(map)) symbols = SymbolTable.readSystemMap(map);
		} else {
			btf = InMemoryBtfLocator.find(ram, progress).btf();
		}
		KaslrDetector.Result kaslr = KaslrDetector.detect(ram, btf, symbols, progress);
		if (symbols == null) symbols = KallsymsScanner.scan(ram, kaslr, progress);
		return LinuxKernel.open(ram, btf, symbols, kaslr, progress);
	}

	/**
	 * Pauses the guest, runs {@code analysis} on its RAM, and resumes it whatever happened (the guest is never
	 * left paused by an analysis failure).
	 */
	public <T> Paused<T> paused(Analysis<T> analysis) throws IOException {
		long t0 = System.nanoTime();
		qmp.stop();
		try {
			T r = analysis.run(ram);
			qmp.cont();
			return new Paused<>(r, System.nanoTime() - t0);
		} catch (IOException | RuntimeException e) {
			try {
				qmp.cont();
			} catch (IOException c) {
				e.addSuppressed(c);
			}
			throw e;
		}
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
