package cacheshadow.merge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import cacheshadow.listing.FileRecord;
import cacheshadow.listing.FileType;
import cacheshadow.listing.ManifestFormat;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.View;
import cacheshadow.merge.ViewExport;

/**
 * The merged view exported as a directory and as a pax tar (extracted by GNU tar): every manifest path with its type,
 * permission bits, owner, mtime to the nanosecond, atime, size, content and link target as the guest saw them — the
 * permission bits masked on the host (no setuid, setgid, sticky, world-writable: /mnt/tmp's 1777 is 775 there, the
 * manifest sidecar and the tar's pax comment keep 1777).
 */
class ViewExportTest {
	static List<String> sets() {
		return Samples.SETS;
	}

	@ParameterizedTest
	@MethodSource("sets")
	void directoryExportKeepsModeOwnerTimesAndContent(String set, @TempDir Path tmp) throws Exception {
		MergedFileSystem m = Samples.merged(set);
		Path out = tmp.resolve("out");
		ViewExport.Result r = ViewExport.toDirectory(m.tree(View.MERGED), "/mnt", out, tmp.resolve("p.tsv"), tmp.resolve("m.tsv"));
		assertEquals(List.of(), r.notes());
		assertMaskedOnly(r);
		List<String> wrong = compare(set, out, true);
		assertEquals(List.of(), wrong, String.join("\n", wrong));
		assertEquals(Samples.under(ManifestFormat.read(Samples.file(set, "manifest.tsv")), "/mnt/disk", "/mnt/tmp").size(),
				Samples.under(ManifestFormat.read(tmp.resolve("m.tsv")), "/mnt/disk", "/mnt/tmp").size());
		assertEquals(01777, ManifestFormat.read(tmp.resolve("m.tsv")).stream().filter(x -> x.path().equals("/mnt/tmp")).findFirst().orElseThrow().permissions());
		assertEquals("path\toffset\tlength\tsource\tdisk_block", Files.readAllLines(tmp.resolve("p.tsv")).get(0));
	}

	@ParameterizedTest
	@MethodSource("sets")
	void tarExportExtractsToTheSame(String set, @TempDir Path tmp) throws Exception {
		MergedFileSystem m = Samples.merged(set);
		Path tar = tmp.resolve("out.tar");
		ViewExport.Result r = ViewExport.toTar(m.tree(View.MERGED), "/mnt", tar, null, null);
		assertEquals(List.of(), r.notes());
		assertMaskedOnly(r);
		Path x = Files.createDirectory(tmp.resolve("x"));
		Process p = new ProcessBuilder("tar", "-x", "-p", "--same-owner", "-f", tar.toString(), "-C", x.toString()).redirectErrorStream(true).start();
		String log = new String(p.getInputStream().readAllBytes());
		assertEquals(0, p.waitFor(), log);
		// GNU tar applies the pax mtime, not the pax atime (it stamps the extraction time): atime not compared here
		List<String> wrong = compare(set, x, false);
		String tarText = new String(Files.readAllBytes(tar), java.nio.charset.StandardCharsets.ISO_8859_1);
		for (FileRecord e : ManifestFormat.read(Samples.file(set, "manifest.tsv"))) {
			if (e.path().startsWith("/mnt/") && !tarText.contains("path=" + e.path().substring(1) + (e.type() == FileType.DIRECTORY ? "/" : "") + "\n")) wrong.add("no pax path record for " + e.path());
			if (!tarText.contains(" atime=" + e.atime() + "\n")) wrong.add("no pax atime " + e.atime() + " for " + e.path());
		}
		if (!tarText.contains(" comment=cacheshadow: guest mode 1777\n")) wrong.add("no pax comment with the guest mode of /mnt/tmp");
		assertEquals(List.of(), wrong, String.join("\n", wrong));
	}

	/** A normal sample: the only findings are the masked mode of /mnt/tmp (1777), no name written other than it is. */
	static void assertMaskedOnly(ViewExport.Result r) {
		assertEquals(List.of("INFO export-mode-masked @/mnt/tmp"), r.findings().stream().map(f -> f.severity() + " " + f.kind() + " @" + f.location()).distinct().toList(),
				r.findings().toString());
	}

	/** Attributes first, contents after: reading a file moves its atime (relatime), hard links share it. */
	static List<String> compare(String set, Path root, boolean atime) throws Exception {
		List<String> wrong = new ArrayList<>();
		List<FileRecord> manifest = ManifestFormat.read(Samples.file(set, "manifest.tsv"));
		for (FileRecord e : manifest) {
			Path f = root.resolve(e.path().substring(1));
			if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
				wrong.add("missing " + e.path());
				continue;
			}
			BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
			FileType t = a.isDirectory() ? FileType.DIRECTORY : a.isSymbolicLink() ? FileType.SYMLINK
					: a.isRegularFile() ? (a.size() == 0 ? FileType.REGULAR_EMPTY : FileType.REGULAR) : FileType.UNKNOWN;
			int mode = (Integer) Files.getAttribute(f, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
			int uid = (Integer) Files.getAttribute(f, "unix:uid", LinkOption.NOFOLLOW_LINKS);
			int gid = (Integer) Files.getAttribute(f, "unix:gid", LinkOption.NOFOLLOW_LINKS);
			java.time.Instant mt = a.lastModifiedTime().toInstant();
			StringBuilder d = new StringBuilder();
			if (t != e.type()) d.append(" type ").append(t);
			if (t != FileType.SYMLINK && mode != (e.permissions() & 0775)) d.append(" mode ").append(Integer.toOctalString(mode));
			if (uid != e.uid() || gid != e.gid()) d.append(" owner ").append(uid).append(':').append(gid);
			if (mt.getEpochSecond() != e.mtime() || mt.getNano() != e.mtimeNanos()) d.append(" mtime ").append(mt);
			if (atime && t != FileType.DIRECTORY && a.lastAccessTime().toInstant().getEpochSecond() != e.atime()) d.append(" atime ").append(a.lastAccessTime());
			if (e.type().isRegular() && a.size() != e.size()) d.append(" size ").append(a.size());
			if (t == FileType.SYMLINK && !Files.readSymbolicLink(f).toString().equals(e.symlinkTarget())) d.append(" target ").append(Files.readSymbolicLink(f));
			if (d.length() > 0) wrong.add(e.path() + ":" + d);
		}
		for (FileRecord e : manifest) {
			Path f = root.resolve(e.path().substring(1));
			if (!e.type().isRegular() || !Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) continue;
			String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
			if (!sha.equals(e.sha256())) wrong.add(e.path() + ": sha256 " + sha);
		}
		return wrong;
	}
}
