package cacheshadow.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The fuzz input as a file, for parsers that open a {@link Path}. Each input gets a new file in a private
 * directory (on /dev/shm when there is one): a file still mapped by the previous input's layer must not change
 * under it (a mapped page cut off by truncation would fault), so the previous file is only unlinked.
 */
public final class InputFile {
	private static final Path DIR;
	private static Path last;
	/** Names the input files (a temporary file's random name costs a SecureRandom draw per input). */
	private static long serial;

	static {
		try {
			// fuzz.sh names a folder it removes after the run (libFuzzer's exit skips the JVM's delete-on-exit)
			String run = System.getProperty("cacheshadow.fuzz.tmp");
			Path shm = Path.of("/dev/shm");
			DIR = run != null ? Files.createTempDirectory(Path.of(run), "cacheshadow-fuzz-")
					: Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "cacheshadow-fuzz-")
							: Files.createTempDirectory("cacheshadow-fuzz-");
			DIR.toFile().deleteOnExit();
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private InputFile() {
	}

	/** The private directory the input files are written to (siblings a parser may look for resolve here). */
	public static Path dir() {
		return DIR;
	}

	/** Writes {@code data} to a new file named {@code name} + a number and returns it; the previous one is unlinked. */
	public static synchronized Path of(String name, byte[] data) {
		try {
			if (last != null) Files.deleteIfExists(last);
			last = DIR.resolve(name + "." + ++serial);
			Files.write(last, data, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
			return last;
		} catch (IOException e) {
			throw new UncheckedIOException("fuzz input file in " + DIR, e);
		}
	}
}
