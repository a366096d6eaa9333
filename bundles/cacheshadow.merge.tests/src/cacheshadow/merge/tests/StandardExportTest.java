package cacheshadow.merge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.SchemaFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import cacheshadow.listing.FileRecord;
import cacheshadow.listing.FileType;
import cacheshadow.merge.BodyfileExport;
import cacheshadow.merge.DfxmlExport;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.View;
import cacheshadow.testing.HostileNames;

/**
 * The standard exports on the real 6.1 and 6.12 samples (hostile names on the 6.1 one): DFXML of every view validates against the published DFXML schema
 * (dfxml/, unchanged) and its sha256 digests are the guest's own ({@code manifest.tsv}), its disk byte runs point at
 * the image's bytes; with hostile names planted it still validates and names every planted path; the body file's
 * sizes, modes and times are the guest's, its sources table says which came from the caches, and Debian's
 * {@code mactime} puts the files created only in the cache in its timeline.
 */
class StandardExportTest {
	static final String SET = "debian-6.1-kaslr";
	static final String NS = "http://www.forensicswiki.org/wiki/Category:Digital_Forensics_XML";

	/** The published schema with its two imports, copied out of the bundle so its relative imports resolve. */
	static void validate(Path xml, Path tmp) throws Exception {
		Path dir = tmp.resolve("schema");
		Files.createDirectories(dir.resolve("ref"));
		for (String f : List.of("dfxml.xsd", "ref/dc.xsd", "ref/xml.xsd")) {
			try (InputStream in = StandardExportTest.class.getResourceAsStream("dfxml/" + f)) {
				assertNotNull(in, "schema file " + f + " in the test bundle");
				Files.copy(in, dir.resolve(f));
			}
		}
		SchemaFactory sf = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
		sf.newSchema(dir.resolve("dfxml.xsd").toFile()).newValidator().validate(new StreamSource(xml.toFile()));
	}

	static Document parse(Path xml) throws Exception {
		DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
		f.setNamespaceAware(true);
		return f.newDocumentBuilder().parse(xml.toFile());
	}

	static String child(Element e, String name) {
		NodeList l = e.getElementsByTagNameNS(NS, name);
		return l.getLength() == 0 ? null : l.item(0).getTextContent();
	}

	/** The file object's {@code hashdigest} of {@code type}, or null. */
	static String digest(Element e, String type) {
		NodeList l = e.getElementsByTagNameNS(NS, "hashdigest");
		for (int i = 0; i < l.getLength(); i++) if (((Element) l.item(i)).getAttribute("type").equals(type)) return l.item(i).getTextContent();
		return null;
	}

	static Map<String, String[]> manifest(String set) throws IOException {
		Map<String, String[]> m = new HashMap<>();
		for (String[] c : Samples.tsv(Samples.file(set, "manifest.tsv"))) m.put(c[0], c);
		return m;
	}

	static DfxmlExport.Creator creator(String set) {
		return new DfxmlExport.Creator("test", null, List.of(Samples.file(set, "memory.elf"), Samples.file(set, "disk.img")));
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void dfxmlValidatesAndHashesAreTheGuests(String set, @TempDir Path tmp) throws Exception {
		MergedFileSystem m = Samples.merged(set);
		Map<String, String[]> truth = manifest(set);
		for (View v : View.values()) {
			Path xml = tmp.resolve(v.label() + ".xml");
			DfxmlExport.Result r = DfxmlExport.write(m, v, creator(set), xml);
			validate(xml, tmp.resolve(v.label()));
			Document d = parse(xml);
			NodeList objects = d.getElementsByTagNameNS(NS, "fileobject");
			assertEquals(r.fileObjects(), objects.getLength());
			assertEquals(m.tree(v).paths().size(), objects.getLength(), v.label());
			if (v == View.DISK_ONLY) assertTrue(imageBytesAreTheDigests(set, objects) > 20, "files read back from the image");
			if (v != View.MERGED) continue;
			Map<String, Element> byName = new HashMap<>();
			for (int i = 0; i < objects.getLength(); i++) {
				Element e = (Element) objects.item(i);
				byName.put(child(e, "filename"), e);
			}
			int checked = 0, dirty = 0;
			List<String> wrong = new ArrayList<>();
			{
				for (String[] c : truth.values()) {
					if (!c[1].startsWith("regular")) continue;
					Element e = byName.get(c[0]);
					assertNotNull(e, "fileobject of " + c[0]);
					assertEquals(c[5], child(e, "filesize"), c[0]);
					assertEquals(Integer.parseInt(c[2], 8), Integer.parseInt(child(e, "mode")), c[0]);
					if (!c[12].equals(digest(e, "sha256"))) wrong.add(c[0] + " " + c[12] + " != " + digest(e, "sha256"));
					String md5 = digest(e, "md5");
					if (md5 == null || !md5.matches("[0-9a-f]{32}")) wrong.add(c[0] + " md5 " + md5);
					checked++;
					NodeList runs = e.getElementsByTagNameNS(NS, "byte_run");
					for (int i = 0; i < runs.getLength(); i++) {
						if (((Element) runs.item(i)).getAttributeNS(DfxmlExport.NS, "source").equals("dirty page")) dirty++;
					}
				}
			}
			assertEquals(List.of(), wrong);
			assertTrue(checked > 20, "regular files checked: " + checked);
			assertTrue(dirty > 0, "no byte run from a dirty page");
			assertEquals("cache", byName.get("/mnt/disk/new/p2_file_1.txt").getAttributeNS(DfxmlExport.NS, "metadata"));
			// the ext4 files sit in the disk's volume, tmpfs ones outside it
			assertEquals("volume", ((Element) byName.get("/mnt/disk/new/p2_file_1.txt").getParentNode()).getLocalName());
			assertEquals("dfxml", ((Element) byName.get("/mnt/tmp").getParentNode()).getLocalName());
		}
	}

	/**
	 * crtime as fiwalk writes it: every file object of the disk-only view whose inode the raw image holds has the
	 * crtime {@code debugfs -R 'stat <ino>'} gives (seconds and nanoseconds), and so does the merged view where it
	 * reads the cached inode ({@code ext4_inode_info.i_crtime} by BTF); a file only the caches hold has a crtime
	 * no later than its mtime of the guest's own listing; the body file's crtime column is the same seconds.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void crtimeIsTheInodesCreationTime(String set, @TempDir Path tmp) throws Exception {
		MergedFileSystem m = Samples.merged(set);
		Map<String, String[]> truth = manifest(set);
		Map<Long, java.time.Instant> disk = null;
		for (View v : new View[] { View.DISK_ONLY, View.MERGED }) {
			Path xml = tmp.resolve(v.label() + ".xml");
			DfxmlExport.write(m, v, creator(set), xml);
			validate(xml, tmp.resolve(v.label()));
			NodeList objects = parse(xml).getElementsByTagNameNS(NS, "fileobject");
			Map<String, java.time.Instant> got = new HashMap<>();
			Map<String, Long> inodes = new HashMap<>();
			for (int i = 0; i < objects.getLength(); i++) {
				Element e = (Element) objects.item(i);
				String name = child(e, "filename");
				if (!name.startsWith("/mnt/disk")) continue;
				inodes.put(name, Long.parseLong(child(e, "inode")));
				String c = child(e, "crtime");
				if (c != null) got.put(name, java.time.Instant.parse(c));
			}
			if (disk == null) disk = debugfsCrtimes(Samples.file(set, "disk.img"), inodes.values(), tmp);
			int same = 0;
			List<String> wrong = new ArrayList<>();
			for (Map.Entry<String, Long> e : inodes.entrySet()) {
				java.time.Instant want = disk.get(e.getValue());
				if (want == null) continue; // not on the raw image (only in jbd2, or only in the caches)
				if (want.equals(got.get(e.getKey()))) same++;
				else wrong.add(e.getKey() + " (inode " + e.getValue() + "): " + got.get(e.getKey()) + " != debugfs " + want);
			}
			assertEquals(List.of(), wrong, v.label());
			assertTrue(same > 30, v.label() + ": crtimes checked against debugfs: " + same);
			if (v == View.MERGED) {
				for (String p : Samples.expect(set).get("absent")) {
					if (!p.startsWith("/mnt/disk")) continue;
					java.time.Instant c = got.get(p);
					assertNotNull(c, "crtime of the cache-only " + p);
					assertTrue(c.getEpochSecond() <= Long.parseLong(truth.get(p)[9]) && c.getEpochSecond() > Long.parseLong(truth.get(p)[9]) - 86400, p + " " + c);
				}
				Path body = tmp.resolve("body.txt");
				BodyfileExport.write(m, v, body, tmp.resolve("body.sources.tsv"));
				int lines = 0;
				for (String l : Files.readAllLines(body)) {
					String[] c = l.split("\\|", -1);
					java.time.Instant want = got.get(c[1]);
					if (want == null) continue;
					assertEquals(Long.toString(want.getEpochSecond()), c[10], l);
					lines++;
				}
				assertTrue(lines > 30, "body lines with a crtime: " + lines);
			}
		}
	}

	/** {@code debugfs}' crtime of each inode the raw image holds in use (no journal replayed: the image as it lies). */
	static Map<Long, java.time.Instant> debugfsCrtimes(Path image, java.util.Collection<Long> inodes, Path tmp) throws Exception {
		Path cmds = tmp.resolve("debugfs.cmd");
		StringBuilder sb = new StringBuilder();
		for (long i : new java.util.TreeSet<>(inodes)) sb.append("stat <").append(i).append(">\n");
		Files.writeString(cmds, sb);
		ProcessBuilder pb = new ProcessBuilder("debugfs", "-f", cmds.toString(), image.toString()).redirectErrorStream(true);
		pb.environment().put("DEBUGFS_PAGER", "__none__");
		pb.environment().put("PAGER", "__none__");
		Process p = pb.start();
		String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertTrue(p.waitFor(60, TimeUnit.SECONDS));
		Map<Long, java.time.Instant> crtimes = new HashMap<>();
		long ino = -1;
		boolean inUse = false;
		java.util.regex.Pattern cr = java.util.regex.Pattern.compile("^\\s*crtime: 0x([0-9a-f]+):([0-9a-f]+)");
		for (String l : out.split("\n")) {
			java.util.regex.Matcher stat = java.util.regex.Pattern.compile("^debugfs: stat <(\\d+)>").matcher(l);
			if (stat.find()) {
				ino = Long.parseLong(stat.group(1));
				inUse = false;
			} else if (l.startsWith("Inode: ")) {
				inUse = !l.contains("Type: bad type");
			} else if (l.startsWith("Links: ")) {
				inUse &= !l.startsWith("Links: 0 ");
			} else {
				java.util.regex.Matcher c = cr.matcher(l);
				if (c.find() && inUse && ino >= 0) {
					long lo = Long.parseLong(c.group(1), 16), extra = Long.parseLong(c.group(2), 16);
					// ext4: the low 32 bits signed, the extra field's two low bits extend the epoch, the rest is nanoseconds
					crtimes.put(ino, java.time.Instant.ofEpochSecond((int) lo + ((extra & 3) << 32), extra >>> 2));
				}
			}
		}
		assertTrue(crtimes.size() > 30, "debugfs gave " + crtimes.size() + " crtimes:\n" + out.substring(0, Math.min(2000, out.length())));
		return crtimes;
	}

	/**
	 * For every file object whose every byte run is a disk block: the image's bytes at the runs' {@code img_offset}
	 * hash to its digest. How many were read back.
	 */
	static int imageBytesAreTheDigests(String set, NodeList objects) throws Exception {
		int n = 0;
		try (RandomAccessFile img = new RandomAccessFile(Samples.file(set, "disk.img").toFile(), "r")) {
			for (int k = 0; k < objects.getLength(); k++) {
				Element e = (Element) objects.item(k);
				String digest = digest(e, "sha256"), md5 = digest(e, "md5");
				NodeList runs = e.getElementsByTagNameNS(NS, "byte_run");
				if (digest == null || runs.getLength() == 0) continue;
				boolean allDisk = true;
				for (int i = 0; i < runs.getLength(); i++) allDisk &= ((Element) runs.item(i)).getAttributeNS(DfxmlExport.NS, "source").equals("disk block");
				if (!allDisk) continue;
				MessageDigest md = MessageDigest.getInstance("SHA-256"), m5 = MessageDigest.getInstance("MD5");
				for (int i = 0; i < runs.getLength(); i++) {
					Element run = (Element) runs.item(i);
					byte[] b = new byte[Integer.parseInt(run.getAttribute("len"))];
					img.seek(Long.parseLong(run.getAttribute("img_offset")));
					img.readFully(b);
					md.update(b);
					m5.update(b);
				}
				assertEquals(digest, HexFormat.of().formatHex(md.digest()), "image bytes at the byte runs of " + child(e, "filename"));
				assertEquals(md5, HexFormat.of().formatHex(m5.digest()), "MD5 of the image bytes at the byte runs of " + child(e, "filename"));
				n++;
			}
		}
		return n;
	}

	@Test
	void dfxmlWithHostileNamesValidates(@TempDir Path tmp) throws Exception {
		MergedFileSystem m = HostileNamesExportTest.hostile(SET);
		for (View v : List.of(View.MERGED, View.DISK_ONLY)) {
			Path xml = tmp.resolve(v.label() + ".xml");
			DfxmlExport.write(m, v, creator(SET), xml);
			validate(xml, tmp.resolve(v.label()));
			List<String> names = new ArrayList<>();
			NodeList l = parse(xml).getElementsByTagNameNS(NS, "filename");
			for (int i = 0; i < l.getLength(); i++) names.add(l.item(i).getTextContent());
			List<String> planted = v == View.DISK_ONLY ? HostileNames.ENTRIES.stream().map(e -> e.path("/mnt/disk")).toList() : HostileNames.memoryPaths();
			for (String p : planted) assertTrue(names.contains(p), v.label() + ": " + p);
			String text = Files.readString(xml, StandardCharsets.UTF_8);
			for (char c : text.toCharArray()) assertTrue(c == '\n' || c >= 0x20, "control character 0x" + Integer.toHexString(c));
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void bodyfileHasTheGuestsTimesAndMactimeShowsTheCacheOnlyFiles(String set, @TempDir Path tmp) throws Exception {
		MergedFileSystem m = Samples.merged(set);
		Path body = tmp.resolve("body.txt"), sources = tmp.resolve("body.txt.sources.tsv");
		BodyfileExport.Result r = BodyfileExport.write(m, View.MERGED, body, sources);
		List<String> lines = Files.readAllLines(body);
		List<String> src = Files.readAllLines(sources);
		assertEquals(r.lines(), lines.size());
		assertEquals(BodyfileExport.SOURCES_HEADER, src.get(0));
		assertEquals(lines.size() + 1, src.size());
		Map<String, String[]> truth = manifest(set);
		Map<String, String[]> byPath = new HashMap<>();
		for (int i = 0; i < lines.size(); i++) {
			String[] c = lines.get(i).split("\\|", -1);
			assertEquals(11, c.length, lines.get(i));
			String[] s = src.get(i + 1).split("\t", -1);
			assertEquals(Integer.toString(i + 1), s[0]);
			String path = c[1].contains(" -> ") ? c[1].substring(0, c[1].indexOf(" -> ")) : c[1];
			assertEquals(path, s[1]);
			byPath.put(path, c);
			byPath.put("sources " + path, s);
		}
		int compared = 0;
		for (String[] t : truth.values()) {
			String[] c = byPath.get(t[0]);
			assertNotNull(c, "body line of " + t[0]);
			FileRecord want = new FileRecord(t[0], FileType.fromLabel(t[1]), Integer.parseInt(t[2], 8), 0, 0, 0, 0, 0, 0, 0, 0, 0, null, null);
			String mode = switch (want.type()) {
			case DIRECTORY -> "d/d";
			case SYMLINK -> "l/l";
			default -> "r/r";
			};
			assertTrue(c[3].startsWith(mode), t[0] + " " + c[3]);
			assertEquals(List.of(t[7], t[3], t[4], t[5], t[8], t[9], t[10]), List.of(c[2], c[4], c[5], c[6], c[7], c[8], c[9]), t[0]);
			assertEquals(permissions(Integer.parseInt(t[2], 8)), c[3].substring(3), t[0]);
			compared++;
		}
		assertTrue(compared > 30, "compared " + compared);
		List<String> absent = Samples.expect(set).get("absent");
		for (String p : absent) {
			String[] s = byPath.get("sources " + p);
			assertEquals("cache", s[2], p);
			assertEquals("not-on-disk", s[6], p);
		}
		assertTrue(r.cacheDiffers() >= absent.size());
		// tmpfs has no disk side: nothing there differs from a disk, although every one of its paths is cached
		for (String[] t : truth.values()) {
			if (t[0].startsWith("/mnt/tmp")) assertEquals(List.of("cache", "-"), List.of(byPath.get("sources " + t[0])[2], byPath.get("sources " + t[0])[6]), t[0]);
		}
		// Debian's mactime (sleuthkit) reads it: every file created only in the cache is in its timeline at its mtime
		Process p = new ProcessBuilder("mactime", "-b", body.toString(), "-d", "-y", "-z", "UTC").redirectError(tmp.resolve("mactime.err").toFile())
				.redirectOutput(tmp.resolve("timeline.csv").toFile()).start();
		assertTrue(p.waitFor(120, TimeUnit.SECONDS), "mactime did not finish");
		assertEquals(0, p.exitValue(), Files.readString(tmp.resolve("mactime.err")));
		// mactime writes a date once, on the first line of the second it starts: carry it onto the lines below
		List<String> timeline = new ArrayList<>();
		String date = "";
		for (String l : Files.readAllLines(tmp.resolve("timeline.csv"))) {
			if (!l.startsWith(",")) date = l.substring(0, l.indexOf(','));
			timeline.add(l.startsWith(",") ? date + l : l);
		}
		for (String path : absent) {
			String mtime = isoSeconds(Long.parseLong(truth.get(path)[9]));
			assertTrue(timeline.stream().anyMatch(l -> l.startsWith(mtime + ",") && (l.endsWith(",\"" + path + "\"") || l.contains(",\"" + path + " -> ")) && l.contains(",m")),
					path + " at " + mtime + " in mactime's timeline, which has:\n" + String.join("\n", timeline.stream().filter(l -> l.contains(path)).toList()));
		}
	}

	static String isoSeconds(long s) {
		return java.time.format.DateTimeFormatter.ISO_INSTANT.format(java.time.Instant.ofEpochSecond(s));
	}

	/** ls's permission string by the JDK's own rendering ({@link PosixFilePermissions}), the sticky bit added. */
	static String permissions(int m) {
		assertEquals(0, m & 06000, "the sample has no setuid or setgid file; extend this oracle if it gets one");
		java.util.Set<PosixFilePermission> set = java.util.EnumSet.noneOf(PosixFilePermission.class);
		PosixFilePermission[] all = PosixFilePermission.values(); // owner read first, others execute last
		for (int i = 0; i < all.length; i++) if ((m >> (8 - i) & 1) != 0) set.add(all[i]);
		String s = PosixFilePermissions.toString(set);
		return (m & 01000) == 0 ? s : s.substring(0, 8) + (s.endsWith("x") ? "t" : "T");
	}
}
