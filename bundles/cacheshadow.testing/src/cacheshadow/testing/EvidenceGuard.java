package cacheshadow.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Proves, for every test class of a test bundle, that the evidence samples are what their {@code SHA256SUMS} say
 * before it runs and after: registered once per bundle (JUnit's extension auto-detection: a
 * {@code META-INF/services/org.junit.jupiter.api.extension.Extension} naming this class, with
 * {@code junit.jupiter.extensions.autodetection.enabled=true} set by the build), so no test has to remember it.
 * <ul>
 * <li>Before the first class of the run: {@link EvidenceIntegrity#check()} (a stamp per file; a file whose stamp
 * changed since it last hashed right is hashed again).</li>
 * <li>Before and after each class: the stamps compared (microseconds); a change after a class fails that class,
 * naming it and the files, once their SHA-256 confirms it.</li>
 * <li>At the end of the run: the full check again; a problem fails the run.</li>
 * </ul>
 * Code that reads the samples without it (a bundle not registering it, the fuzz targets) gets the same checks from
 * {@link EvidenceSamples#dir()} through {@link #watchWithoutJUnit}: before the first use and when the JVM exits,
 * where a change halts it with exit status 3.
 */
public final class EvidenceGuard implements BeforeAllCallback, AfterAllCallback {
	private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(EvidenceGuard.class);
	private static volatile boolean active;
	private static Thread exitCheck;

	/** Whether this guard watches the evidence of the running tests. */
	public static boolean active() {
		return active;
	}

	/** The run-wide part: checked when the first class starts, checked again when the last has finished. */
	private static final class Run implements AutoCloseable {
		final EvidenceIntegrity integrity;
		final long startNanos = System.nanoTime();

		Run(Path samples) {
			integrity = EvidenceIntegrity.of(samples);
			fail("before the tests", check(integrity));
			active = true;
		}

		@Override
		public void close() {
			fail("after the tests of this bundle", check(integrity));
			System.err.printf("evidence guard: samples intact before and after (%d MB hashed, %d ms in all)%n", integrity.hashedBytes() >> 20,
					(System.nanoTime() - startNanos) / 1_000_000);
		}
	}

	@Override
	public void beforeAll(ExtensionContext context) throws Exception {
		Path samples = samplesDir();
		if (samples == null) return; // tests that need the samples fail on their own (EvidenceSamples.dir)
		Run run = context.getRoot().getStore(NS).getOrComputeIfAbsent(Run.class, k -> new Run(samples), Run.class);
		context.getStore(NS).put("stamps", run.integrity.stamps());
	}

	@Override
	public void afterAll(ExtensionContext context) throws Exception {
		Path samples = samplesDir();
		if (samples == null) return;
		Run run = context.getRoot().getStore(NS).get(Run.class, Run.class);
		@SuppressWarnings("unchecked")
		Map<Path, String> before = context.getStore(NS).get("stamps", Map.class);
		if (run == null || before == null || before.equals(run.integrity.stamps())) return;
		// a stamp moved: hash to tell a real change from a touch
		fail("by " + context.getRequiredTestClass().getName(), check(run.integrity));
	}

	/**
	 * The checks without JUnit's help, once per JVM: now (a change fails the caller), and at exit (a change is printed
	 * and the JVM halts with status 3, so the run fails).
	 */
	static synchronized void watchWithoutJUnit(Path samples) {
		if (active || exitCheck != null) return;
		EvidenceIntegrity integrity = EvidenceIntegrity.of(samples);
		fail("before this run", check(integrity));
		exitCheck = new Thread(() -> {
			List<String> problems = check(integrity);
			if (problems.isEmpty()) return;
			System.err.println("!!!!! EVIDENCE CHANGED during this run:\n!!!!!   " + String.join("\n!!!!!   ", problems));
			Runtime.getRuntime().halt(3);
		}, "evidence guard at exit");
		Runtime.getRuntime().addShutdownHook(exitCheck);
	}

	private static List<String> check(EvidenceIntegrity integrity) {
		try {
			return integrity.check();
		} catch (IOException e) {
			return List.of("the samples cannot be read: " + e);
		}
	}

	private static void fail(String when, List<String> problems) {
		if (problems.isEmpty()) return;
		String msg = "EVIDENCE CHANGED " + when + ":\n  " + String.join("\n  ", problems);
		System.err.println("!!!!! " + msg.replace("\n", "\n!!!!! "));
		throw new AssertionError(msg);
	}

	private static Path samplesDir() {
		String p = System.getProperty("cacheshadow.samples");
		if (p == null || p.isBlank() || !Files.isDirectory(Path.of(p))) return null;
		return Path.of(p);
	}
}
