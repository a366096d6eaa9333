package cacheshadow.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the kernel offers no FUSE at all (no /dev/fuse, e.g. a container started without --device /dev/fuse) the
 * mount tests are skipped, saying so; where /dev/fuse exists, a mount that fails is a test failure.
 */
public final class FuseDevice {
	private FuseDevice() {
	}

	public static void assumePresent() {
		boolean present = Files.exists(Path.of("/dev/fuse"));
		if (!present) System.err.println("no /dev/fuse on this system; FUSE mount tests skipped");
		assumeTrue(present, "no /dev/fuse on this system: FUSE cannot mount here (modprobe fuse, or --device /dev/fuse for a container)");
	}
}
