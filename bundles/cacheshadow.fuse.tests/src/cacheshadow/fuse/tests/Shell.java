package cacheshadow.fuse.tests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Runs an unmodified tool against the mount from a subprocess (so the kernel, not this JVM, reads the mount). */
final class Shell {
	record Result(int exit, String out) {
	}

	private Shell() {
	}

	static Result run(List<String> command) throws IOException, InterruptedException {
		Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
		byte[] out = p.getInputStream().readAllBytes();
		return new Result(p.waitFor(), new String(out, StandardCharsets.UTF_8));
	}

	static String ok(List<String> command) throws IOException, InterruptedException {
		Result r = run(command);
		if (r.exit() != 0) throw new AssertionError(command + " exited " + r.exit() + ": " + r.out());
		return r.out();
	}
}
