package cacheshadow.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The evidence samples as their sets' {@code SHA256SUMS} record them. Hashing every file (about 1.1 GB) costs about a
 * second per check with the CPU's SHA extensions, so a check first compares each file's stamp — size, inode, mtime and
 * ctime — with the stamp it had when it last hashed right (recorded in {@code .integrity.tsv} of the samples folder):
 * writing a file's bytes (write, mmap, truncate) always moves its ctime, which no call of user space sets back, so an
 * unchanged stamp is an unchanged file and only a changed one is hashed again.
 */
public final class EvidenceIntegrity {
	/** The stamp file, in the samples folder. */
	public static final String STAMPS = ".integrity.tsv";

	private final Path dir;
	private long hashedBytes;

	private EvidenceIntegrity(Path dir) {
		this.dir = dir;
	}

	/** The sample sets in {@code samplesDir} (each a folder with a {@code SHA256SUMS}). */
	public static EvidenceIntegrity of(Path samplesDir) {
		return new EvidenceIntegrity(samplesDir);
	}

	/** Bytes hashed by the checks so far (the cost the stamps save). */
	public long hashedBytes() {
		return hashedBytes;
	}

	/** Every file a set's {@code SHA256SUMS} lists, with the SHA-256 it records. */
	public Map<Path, String> recorded() throws IOException {
		Map<Path, String> out = new LinkedHashMap<>();
		try (Stream<Path> sets = Files.list(dir)) {
			for (Path set : sets.filter(Files::isDirectory).sorted().toList()) {
				Path sums = set.resolve("SHA256SUMS");
				if (!Files.isRegularFile(sums)) continue;
				for (String l : Files.readAllLines(sums)) {
					String[] p = l.split("\\s+\\*?", 2);
					if (p.length == 2 && p[0].matches("[0-9a-f]{64}")) out.put(set.resolve(p[1]), p[0]);
				}
			}
		}
		return out;
	}

	/** The stamps of every recorded file as they are now (a missing file has none). */
	public Map<Path, String> stamps() throws IOException {
		Map<Path, String> out = new LinkedHashMap<>();
		for (Path f : recorded().keySet()) {
			String s = stamp(f);
			if (s != null) out.put(f, s);
		}
		return out;
	}

	/**
	 * Checks every recorded file: missing, or a changed stamp whose SHA-256 is not the recorded one, is a problem (one
	 * line naming the file and both hashes). Files that hash right have their stamps recorded. Empty: all intact.
	 */
	public List<String> check() throws IOException {
		Map<Path, String> known = readStamps();
		Map<Path, String> fresh = new LinkedHashMap<>();
		List<String> problems = new ArrayList<>();
		for (Map.Entry<Path, String> e : recorded().entrySet()) {
			Path f = e.getKey();
			String now = stamp(f);
			if (now == null) {
				problems.add(f + ": missing (SHA256SUMS lists it)");
				continue;
			}
			if (now.equals(known.get(f))) {
				fresh.put(f, now);
				continue;
			}
			String sha = sha256(f);
			if (!sha.equals(e.getValue())) {
				problems.add(f + ": SHA-256 " + sha + ", SHA256SUMS records " + e.getValue() + " (the evidence was changed)");
			} else if (now.equals(stamp(f))) {
				fresh.put(f, now); // unchanged while it was hashed
			}
		}
		if (!fresh.equals(known)) writeStamps(fresh);
		return problems;
	}

	/** {@code size inode mtime ctime} of {@code f} in nanoseconds, or null when it does not exist. */
	static String stamp(Path f) throws IOException {
		if (!Files.isRegularFile(f)) return null;
		Map<String, Object> a = Files.readAttributes(f, "unix:size,ino,lastModifiedTime,ctime");
		return a.get("size") + " " + a.get("ino") + " " + nanos((FileTime) a.get("lastModifiedTime")) + " " + nanos((FileTime) a.get("ctime"));
	}

	private static long nanos(FileTime t) {
		return t.to(java.util.concurrent.TimeUnit.NANOSECONDS);
	}

	private String sha256(Path f) throws IOException {
		MessageDigest md;
		try {
			md = MessageDigest.getInstance("SHA-256");
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
		byte[] b = new byte[1 << 20];
		try (InputStream in = Files.newInputStream(f)) {
			for (int n; (n = in.read(b)) > 0;) {
				md.update(b, 0, n);
				hashedBytes += n;
			}
		}
		return HexFormat.of().formatHex(md.digest());
	}

	private Map<Path, String> readStamps() throws IOException {
		Map<Path, String> m = new LinkedHashMap<>();
		Path file = dir.resolve(STAMPS);
		if (!Files.isRegularFile(file)) return m;
		for (String l : Files.readAllLines(file)) {
			int tab = l.indexOf('\t');
			if (tab > 0) m.put(dir.resolve(l.substring(0, tab)), l.substring(tab + 1));
		}
		return m;
	}

	/** Written beside and renamed over: test runs of other bundles may check at the same time. */
	private void writeStamps(Map<Path, String> stamps) throws IOException {
		StringBuilder sb = new StringBuilder();
		for (Map.Entry<Path, String> e : stamps.entrySet()) sb.append(dir.relativize(e.getKey())).append('\t').append(e.getValue()).append('\n');
		Path tmp = dir.resolve(STAMPS + "." + ProcessHandle.current().pid() + ".tmp");
		Files.writeString(tmp, sb);
		try {
			Files.move(tmp, dir.resolve(STAMPS), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		} catch (AtomicMoveNotSupportedException e) {
			Files.move(tmp, dir.resolve(STAMPS), StandardCopyOption.REPLACE_EXISTING);
		}
	}
}
