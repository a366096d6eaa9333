package cacheshadow.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A copy of a sample evidence file cut shorter and shorter, as an acquisition that stopped early leaves it (one copy,
 * then {@code truncate} at each cut, longest first), with the ranges the original declares read straight from its
 * format here — ELF {@code PT_LOAD}s, LiME range headers, an ext super block's size — so a test can tell exactly how
 * many bytes a cut leaves missing without trusting the reader under test.
 */
public final class CutEvidence {
	/** One declared range: guest address, length, offset of its bytes in the file, offset of its header (LiME; else 0). */
	public record Range(long address, long length, long fileOffset, long headerOffset) {
		public long end() {
			return address + length;
		}
	}

	public enum Format {
		ELF, LIME, RAW_EXT
	}

	private final Path file;
	private final Format format;
	private final List<Range> declared;
	private long size;

	private CutEvidence(Path file, Format format, List<Range> declared, long size) {
		this.file = file;
		this.format = format;
		this.declared = declared;
		this.size = size;
	}

	/** Copies {@code sample} (memory.elf, memory.lime or disk.img) into {@code dir}, writable, for cutting. */
	public static CutEvidence copy(Path sample, Path dir) throws IOException {
		Path f = dir.resolve("cut-" + sample.getFileName());
		Files.copy(sample, f, StandardCopyOption.REPLACE_EXISTING);
		f.toFile().setWritable(true, true);
		String n = sample.getFileName().toString();
		Format fmt = n.endsWith(".elf") ? Format.ELF : n.endsWith(".lime") ? Format.LIME : Format.RAW_EXT;
		List<Range> d = switch (fmt) {
		case ELF -> elfLoads(f);
		case LIME -> limeRanges(f);
		case RAW_EXT -> List.of(new Range(0, extSize(f), 0, 0));
		};
		return new CutEvidence(f, fmt, d, Files.size(f));
	}

	public Path file() {
		return file;
	}

	public Format format() {
		return format;
	}

	/** Every range the whole file declares, by file offset. */
	public List<Range> declared() {
		return declared;
	}

	public long size() {
		return size;
	}

	/** Cuts the file to {@code bytes} (no longer than it is now). */
	public void cutTo(long bytes) throws IOException {
		if (bytes > size) throw new IllegalArgumentException("cut " + bytes + " past the current end " + size + ": cut longest first");
		try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
			ch.truncate(bytes);
		}
		size = bytes;
	}

	/** The ranges the cut file still declares: all of them, but for LiME only those whose header lies whole before the cut. */
	public List<Range> declaredNow() {
		if (format != Format.LIME) return declared;
		List<Range> out = new ArrayList<>();
		for (Range r : declared) if (r.headerOffset() + 32 <= size) out.add(r);
		return out;
	}

	/** Bytes of {@link #declaredNow()} that lie past the cut. */
	public long missingNow() {
		long m = 0;
		for (Range r : declaredNow()) m += r.length() - Math.max(0, Math.min(r.length(), size - r.fileOffset()));
		return m;
	}

	public long declaredBytesNow() {
		long d = 0;
		for (Range r : declaredNow()) d += r.length();
		return d;
	}

	/** The file offset of guest address {@code address} (ELF and LiME), or -1 when no range declares it. */
	public long fileOffsetOf(long address) {
		for (Range r : declared) if (address >= r.address() && address < r.end()) return r.fileOffset() + address - r.address();
		return -1;
	}

	private static ByteBuffer head(Path f, int n) throws IOException {
		byte[] b = new byte[n];
		try (InputStream in = Files.newInputStream(f)) {
			n = in.readNBytes(b, 0, n);
		}
		return ByteBuffer.wrap(b, 0, n).order(ByteOrder.LITTLE_ENDIAN);
	}

	/** PT_LOAD program headers of an ELF64 core (System V gABI): p_type 1, p_offset at 8, p_paddr at 24, p_filesz at 32. */
	static List<Range> elfLoads(Path f) throws IOException {
		ByteBuffer h = head(f, 1 << 16);
		long phoff = h.getLong(32);
		int phentsize = Short.toUnsignedInt(h.getShort(54)), phnum = Short.toUnsignedInt(h.getShort(56));
		List<Range> out = new ArrayList<>();
		for (int i = 0; i < phnum; i++) {
			int at = (int) (phoff + (long) i * phentsize);
			if (h.getInt(at) == 1) out.add(new Range(h.getLong(at + 24), h.getLong(at + 32), h.getLong(at + 8), 0));
		}
		out.sort((a, b) -> Long.compare(a.fileOffset(), b.fileOffset()));
		return out;
	}

	/** LiME: 32-byte headers {u32 magic, u32 version, u64 start, u64 end inclusive, 8 reserved}, each followed by its range. */
	static List<Range> limeRanges(Path f) throws IOException {
		List<Range> out = new ArrayList<>();
		long size = Files.size(f);
		try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
			ByteBuffer h = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
			for (long pos = 0; pos + 32 <= size;) {
				h.clear();
				ch.read(h, pos);
				long start = h.getLong(8), end = h.getLong(16);
				out.add(new Range(start, end - start + 1, pos + 32, pos));
				pos += 32 + end - start + 1;
			}
		}
		return out;
	}

	/** An ext2/3/4 image's size: s_blocks_count (lo at 1024+4, hi at 1024+0x150 with INCOMPAT_64BIT) times 1024 << s_log_block_size. */
	static long extSize(Path f) throws IOException {
		ByteBuffer h = head(f, 2048);
		long blocks = Integer.toUnsignedLong(h.getInt(1024 + 4));
		if ((h.getInt(1024 + 0x60) & 0x80) != 0) blocks |= Integer.toUnsignedLong(h.getInt(1024 + 0x150)) << 32;
		return blocks * (1024L << h.getInt(1024 + 24));
	}
}
