package cacheshadow.merge;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import cacheshadow.layers.AtomicFile;
import cacheshadow.listing.FileRecord;

/**
 * One view as Digital Forensics XML in the shape The Sleuth Kit's {@code fiwalk} writes: {@code dfxml} with
 * {@code metadata}, {@code creator}, {@code source}, one {@code volume} per matched ext4 disk holding the
 * {@code fileobject}s of its file system (other file systems' paths, tmpfs for one, follow the volumes at the top
 * level, where the schema puts file objects without a volume), each with {@code filename}, {@code name_type},
 * {@code filesize}, {@code alloc}, {@code inode}, {@code meta_type}, {@code mode} (permission bits, decimal as fiwalk),
 * {@code nlink}, {@code uid}, {@code gid}, {@code mtime}, {@code ctime}, {@code atime}, {@code crtime} (ISO 8601 UTC; the
 * crtime where the cached or the disk's inode holds it: {@link MergedFileSystem#crtime}), {@code link_target}, {@code byte_runs} and {@code hashdigest type="md5"} and
 * {@code type="sha256"} as fiwalk writes them (both left out when some byte has no source in the evidence:
 * {@link ViewTree#listing}; the MD5 is read for the export, the SHA-256 is the listing's).
 *
 * <p>
 * What DFXML has no word for is said in attributes of the namespace {@value #NS} ({@code cacheshadow:}), which the
 * published schema admits on every element ({@code anyAttribute ##other}), so the document still validates: on a
 * {@code fileobject}, {@code cacheshadow:metadata="cache|disk"} (where the view took the path's metadata from); on a
 * {@code byte_run}, {@code cacheshadow:source} ({@link ByteProvenance.Source#label}: dirty page, clean page, disk block,
 * hole, unknown) and, for a disk block, {@code cacheshadow:disk_block} (the file-system block). A disk run also has
 * {@code fs_offset} and {@code img_offset} (the block's byte offset; the file system starts the image) — its bytes
 * are the block as the replayed jbd2 journal leaves it unless the export ran with {@code --no-journal-replay}. A hole
 * has {@code fill="0"}.
 *
 * <p>
 * Names are the model's text form ({@link cacheshadow.listing.GuestName}), never the raw guest bytes, and are XML
 * escaped; a character XML 1.0 cannot carry (which the text form never holds) is written as {@code \xNN} of its UTF-8
 * bytes all the same, so no name the guest chose can break the document.
 */
public final class DfxmlExport {
	/** The namespace of this tool's own attributes. */
	public static final String NS = "urn:cacheshadow:dfxml:1";
	static final String DFXML_NS = "http://www.forensicswiki.org/wiki/Category:Digital_Forensics_XML";

	/** What the export wrote. */
	public record Result(int fileObjects, int hashed, int byteRuns) {
	}

	/**
	 * What the document says of its making.
	 *
	 * @param commandLine the command that made it (for {@code execution_environment/command_line}), or null
	 * @param version     the tool's version, or null
	 * @param images      the evidence files ({@code source/image_filename}), memory and disk
	 */
	public record Creator(String commandLine, String version, List<Path> images) {
	}

	private DfxmlExport() {
	}

	/** Writes the view of {@code m} to {@code out}, whole or not at all ({@link AtomicFile}). */
	public static Result write(MergedFileSystem m, View view, Creator creator, Path out) throws IOException {
		ViewTree tree = m.tree(view);
		// with hashes: the listing decides which files have a sha256 (none where bytes are unknown or missing)
		List<FileRecord> rows = tree.listing(true);
		Map<Long, MergedFileSystem.DiskMatch> volumes = new LinkedHashMap<>();
		if (view != View.CACHE_ONLY) for (MergedFileSystem.DiskMatch d : m.disks()) volumes.putIfAbsent(d.mount().superBlock(), d);
		int[] counts = new int[3];
		AtomicFile.writeText(out, w -> {
			w.write("<?xml version='1.0' encoding='UTF-8'?>\n");
			w.write("<dfxml xmlns='" + DFXML_NS + "' xmlns:dc='http://purl.org/dc/elements/1.1/' xmlns:cacheshadow='" + NS + "' version='1.0'>\n");
			w.write("  <metadata>\n    <dc:type>" + text(view.label() + " view of a guest's file systems (memory snapshot and disk)") + "</dc:type>\n  </metadata>\n");
			w.write("  <creator version='1.0'>\n    <program>cacheshadow</program>\n");
			if (creator.version() != null) w.write("    <version>" + text(creator.version()) + "</version>\n");
			if (creator.commandLine() != null) {
				w.write("    <execution_environment>\n      <command_line>" + text(creator.commandLine()) + "</command_line>\n    </execution_environment>\n");
			}
			w.write("  </creator>\n  <source>\n");
			for (Path p : creator.images()) if (p != null) w.write("    <image_filename>" + text(p.toString()) + "</image_filename>\n");
			w.write("  </source>\n");
			List<FileRecord> outside = new ArrayList<>(rows);
			for (Map.Entry<Long, MergedFileSystem.DiskMatch> v : volumes.entrySet()) {
				var fs = v.getValue().diskOnly();
				w.write("  <volume offset='0'>\n    <partition_offset>0</partition_offset>\n    <block_size>" + fs.blockSize() + "</block_size>\n"
						+ "    <ftype_str>ext4</ftype_str>\n    <block_count>" + fs.blocksCount() + "</block_count>\n");
				List<FileRecord> rest = new ArrayList<>();
				for (FileRecord r : outside) {
					if (tree.node(r.path()).superBlock() == v.getKey()) fileObject(w, m, view, tree, r, fs.blockSize(), "    ", counts);
					else rest.add(r);
				}
				outside = rest;
				w.write("  </volume>\n");
			}
			for (FileRecord r : outside) fileObject(w, m, view, tree, r, 0, "  ", counts);
			w.write("</dfxml>\n");
		});
		return new Result(counts[0], counts[1], counts[2]);
	}

	private static void fileObject(Writer w, MergedFileSystem m, View view, ViewTree tree, FileRecord r, int blockSize, String in, int[] counts)
			throws IOException {
		String i2 = in + "  ";
		w.write(in + "<fileobject cacheshadow:metadata='" + (tree.fromCache(r.path()) ? "cache" : "disk") + "'>\n");
		w.write(i2 + "<filename>" + text(r.path()) + "</filename>\n");
		w.write(i2 + "<name_type>" + typeLetter(r) + "</name_type>\n");
		w.write(i2 + "<filesize>" + r.size() + "</filesize>\n");
		w.write(i2 + "<alloc>1</alloc>\n");
		w.write(i2 + "<inode>" + r.inode() + "</inode>\n");
		w.write(i2 + "<meta_type>" + metaType(r) + "</meta_type>\n");
		w.write(i2 + "<mode>" + r.permissions() + "</mode>\n");
		w.write(i2 + "<nlink>" + r.nlink() + "</nlink>\n");
		w.write(i2 + "<uid>" + r.uid() + "</uid>\n");
		w.write(i2 + "<gid>" + r.gid() + "</gid>\n");
		w.write(i2 + "<mtime>" + time(r.mtime(), r.mtimeNanos()) + "</mtime>\n");
		w.write(i2 + "<ctime>" + time(r.ctime(), 0) + "</ctime>\n");
		w.write(i2 + "<atime>" + time(r.atime(), 0) + "</atime>\n");
		MergedFileSystem.Crtime cr = m.crtime(view, r.path());
		if (cr != null) w.write(i2 + "<crtime>" + time(cr.seconds(), cr.nanos()) + "</crtime>\n");
		if (r.symlinkTarget() != null) w.write(i2 + "<link_target>" + text(r.symlinkTarget()) + "</link_target>\n");
		List<ByteProvenance> runs = tree.provenance(r.path());
		if (r.type().isRegular()) {
			w.write(i2 + "<byte_runs>\n");
			for (ByteProvenance b : runs) {
				StringBuilder s = new StringBuilder(i2).append("  <byte_run file_offset='").append(b.offset()).append('\'');
				if (b.source() == ByteProvenance.Source.DISK_BLOCK && b.diskBlock() >= 0 && blockSize > 0) {
					long at = b.diskBlock() * blockSize + b.offset() % blockSize;
					s.append(" fs_offset='").append(at).append("' img_offset='").append(at).append('\'');
				}
				s.append(" len='").append(b.length()).append('\'');
				if (b.source() == ByteProvenance.Source.HOLE) s.append(" fill='0'");
				s.append(" cacheshadow:source='").append(b.source().label()).append('\'');
				if (b.diskBlock() >= 0) s.append(" cacheshadow:disk_block='").append(b.diskBlock()).append('\'');
				w.write(s.append("/>\n").toString());
				counts[2]++;
			}
			w.write(i2 + "</byte_runs>\n");
			if (r.sha256() != null) {
				// fiwalk's md5 too: what older tools and hash sets key on
				w.write(i2 + "<hashdigest type='md5'>" + tree.content(r.path()).digest("MD5") + "</hashdigest>\n");
				w.write(i2 + "<hashdigest type='sha256'>" + r.sha256() + "</hashdigest>\n");
				counts[1]++;
			}
		}
		w.write(in + "</fileobject>\n");
		counts[0]++;
	}

	/** TSK's name type letter ({@code TSK_FS_NAME_TYPE} as fiwalk prints it). */
	static char typeLetter(FileRecord r) {
		return switch (r.type()) {
		case REGULAR, REGULAR_EMPTY -> 'r';
		case DIRECTORY -> 'd';
		case SYMLINK -> 'l';
		case FIFO -> 'p';
		case CHAR_DEVICE -> 'c';
		case BLOCK_DEVICE -> 'b';
		case SOCKET -> 's';
		default -> '-';
		};
	}

	/** TSK's {@code TSK_FS_META_TYPE_ENUM} value. */
	private static int metaType(FileRecord r) {
		return switch (r.type()) {
		case REGULAR, REGULAR_EMPTY -> 1;
		case DIRECTORY -> 2;
		case FIFO -> 3;
		case CHAR_DEVICE -> 4;
		case BLOCK_DEVICE -> 5;
		case SYMLINK -> 6;
		case SOCKET -> 8;
		default -> 0;
		};
	}

	private static final DateTimeFormatter ISO = DateTimeFormatter.ISO_INSTANT.withZone(ZoneOffset.UTC);

	/** ISO 8601 in UTC, nanoseconds where the model has them ({@code 2026-11-23T13:29:51.578860353Z}). */
	static String time(long seconds, long nanos) {
		return ISO.format(Instant.ofEpochSecond(seconds, nanos));
	}

	/**
	 * {@code s} as XML 1.0 character data (also fit for an attribute in single quotes): markup escaped, and any
	 * character XML 1.0 cannot hold — controls but tab and newline, carriage return (which a parser would turn into a
	 * newline), an unpaired surrogate, U+FFFE, U+FFFF — as {@code \xNN} of its UTF-8 bytes.
	 */
	static String text(String s) {
		StringBuilder b = new StringBuilder(s.length() + 16);
		for (int i = 0; i < s.length();) {
			int cp = s.codePointAt(i);
			int k = Character.charCount(cp);
			switch (cp) {
			case '&' -> b.append("&amp;");
			case '<' -> b.append("&lt;");
			case '>' -> b.append("&gt;");
			case '\'' -> b.append("&apos;");
			case '"' -> b.append("&quot;");
			default -> {
				boolean legal = cp == 0x9 || cp == 0xA || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) || cp >= 0x10000;
				if (legal) b.appendCodePoint(cp);
				else if (Character.isSurrogate((char) cp)) b.append(String.format("\\u%04x", cp));
				else for (byte x : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) b.append(String.format("\\x%02x", x & 0xff));
			}
			}
			i += k;
		}
		return b.toString();
	}
}
