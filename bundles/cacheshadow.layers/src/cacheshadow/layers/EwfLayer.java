package cacheshadow.layers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.zip.DataFormatException;

/**
 * An Expert Witness (EWF-E01, EnCase 1–6, SMART and FTK flavours) acquisition, read-only, in pure Java: segment files
 * {@code .E01}, {@code .E02} … {@code .EAA} … found beside the first one, each a chain of sections; the
 * {@code volume} section sizes the disk, {@code table} sections locate the chunks (32 KiB by default, each either
 * zlib-compressed or stored with an Adler-32), {@code hash}/{@code digest} hold the acquisition's MD5. Layout as
 * documented by libewf's "Expert Witness Compression Format" specification. EWF2 (Ex01) is refused.
 */
public final class EwfLayer extends BlockImageLayer {
	public static final byte[] SIGNATURE = { 'E', 'V', 'F', 0x09, 0x0d, 0x0a, (byte) 0xff, 0x00 };
	public static final byte[] SIGNATURE_EWF2 = { 'E', 'V', 'F', '2', 0x0d, 0x0a, (byte) 0x81, 0x00 };
	private static final int DESCRIPTOR = 76;
	private static final int MAX_SEGMENTS = 14_971; // .E01 to .ZZZ
	private static final int MAX_SECTIONS = 1 << 20;

	/**
	 * One table section: chunks {@code [first, first+count)}, their entries at {@code entries} in segment
	 * {@code segment}; the last chunk ends at {@code start} (the end of the sectors section before the table, or the
	 * table itself) or, lying after that, at {@code end} (the table section's end: chunks kept inside it).
	 */
	private record Table(int segment, long first, int count, long entries, long base, long start, long end) {
	}

	private final List<MappedFile> segments;
	private final Table[] tables;
	private final long[] firstChunks;
	private final byte[] md5;
	private final DecodedBlocks<byte[]> chunks;
	/** The chunks that repeat (every zero chunk of the acquired media compresses alike): inflated once. */
	private final DecodedByContent repeated = new DecodedByContent(1024, 64);

	private EwfLayer(List<MappedFile> segments, long size, long chunkSize, List<Table> tables, byte[] md5) {
		super(segments.get(0), "EWF", size, chunkSize);
		this.segments = segments;
		this.tables = tables.toArray(Table[]::new);
		this.firstChunks = tables.stream().mapToLong(Table::first).toArray();
		this.md5 = md5;
		this.chunks = new DecodedBlocks<>(DecodedBlocks.entriesFor(CACHE_BYTES, chunkSize));
	}

	public static EwfLayer open(Path path) throws IOException {
		return open(path, false);
	}

	/**
	 * As {@link #open(Path)}; {@code partial} opens an acquisition cut short (a segment file cut, or the later
	 * segment files absent): the chunks it no longer holds are missing.
	 */
	public static EwfLayer open(Path path, boolean partial) throws IOException {
		List<MappedFile> segs = new ArrayList<>();
		List<Table> tables = new ArrayList<>();
		long chunkCount = -1, sectorsPerChunk = 0, bytesPerSector = 0, sectors = 0, nextChunk = 0;
		byte[] md5 = null;
		String cut = null; // why the chunks stop short of the volume
		boolean done = false;
		for (int n = 1; !done; n++) {
			Path p = n == 1 ? path : segmentPath(path, n);
			if (p == null || !Files.isRegularFile(p)) {
				cut = "segment file " + (p == null ? "#" + n : p.getFileName()) + " is missing";
				break;
			}
			MappedFile f = MappedFile.open(p);
			segs.add(f);
			byte[] h = new byte[13];
			if (f.size() < 13) throw new TruncatedEvidenceException(p, "EWF segment of " + f.size() + " bytes");
			f.read(0, h, 0, 13);
			if (Arrays.equals(h, 0, 8, SIGNATURE_EWF2, 0, 8)) throw new EvidenceFormatException(p, "EWF2 (Ex01) is not supported; convert it with ewfexport -f encase6");
			if (!Arrays.equals(h, 0, 8, SIGNATURE, 0, 8)) throw new EvidenceFormatException(p, "not an EWF segment file (no EVF signature)");
			int number = LittleEndian.u16(h, 9);
			if (number != n) throw new EvidenceFormatException(p, "EWF segment file holds segment " + number + ", not " + n);
			long pos = 13, sectorsEnd = -1;
			byte[] d = new byte[DESCRIPTOR];
			for (int s = 0;; s++) {
				if (s >= MAX_SECTIONS) throw new EvidenceFormatException(p, "more than " + MAX_SECTIONS + " EWF sections");
				if (pos + DESCRIPTOR > f.size()) {
					cut = String.format("the section chain of %s runs past its end (section at %d, file of %d bytes)", p.getFileName(), pos, f.size());
					break;
				}
				f.read(pos, d, 0, DESCRIPTOR);
				String type = new String(d, 0, 16, StandardCharsets.US_ASCII).replaceAll("\0.*", "");
				long next = LittleEndian.u64(d, 16), size = LittleEndian.u64(d, 24);
				long dataEnd = size >= DESCRIPTOR && size <= f.size() - pos ? pos + size : f.size();
				switch (type) {
				case "volume", "disk" -> {
					if (chunkCount >= 0) break;
					byte[] v = new byte[24];
					if (pos + DESCRIPTOR + 24 > f.size()) throw new TruncatedEvidenceException(p, "EWF volume section cut short");
					f.read(pos + DESCRIPTOR, v, 0, 24);
					chunkCount = LittleEndian.u32(v, 4);
					sectorsPerChunk = LittleEndian.u32(v, 8);
					bytesPerSector = LittleEndian.u32(v, 12);
					sectors = size >= DESCRIPTOR + 1052 ? LittleEndian.u64(v, 16) : LittleEndian.u32(v, 16);
					if (sectorsPerChunk < 1 || bytesPerSector < 1 || sectorsPerChunk * bytesPerSector > (64 << 20)) {
						throw new EvidenceFormatException(p, String.format("EWF chunks of %d sectors of %d bytes", sectorsPerChunk, bytesPerSector));
					}
					if (sectors < 0 || sectors > Long.MAX_VALUE / bytesPerSector) throw new EvidenceFormatException(p, "EWF volume of " + sectors + " sectors");
					long need = sectors / sectorsPerChunk + (sectors % sectorsPerChunk != 0 ? 1 : 0);
					if (chunkCount < need) throw new EvidenceFormatException(p, String.format("EWF volume of %d sectors in %d chunks of %d sectors", sectors, chunkCount, sectorsPerChunk));
				}
				case "sectors" -> sectorsEnd = dataEnd;
				case "table" -> {
					if (chunkCount < 0) throw new EvidenceFormatException(p, "EWF table section before the volume section");
					byte[] t = new byte[24];
					if (pos + DESCRIPTOR + 24 > f.size()) {
						cut = "the table section at " + pos + " of " + p.getFileName() + " is cut short";
						break;
					}
					f.read(pos + DESCRIPTOR, t, 0, 24);
					long count = LittleEndian.u32(t, 0), base = LittleEndian.u64(t, 8);
					long entries = pos + DESCRIPTOR + 24;
					if (count > (f.size() - entries) / 4) {
						cut = String.format("the table of %d chunks at %d runs past the end of %s", count, pos, p.getFileName());
						count = (f.size() - entries) / 4;
					}
					if (base < 0 || base > f.size()) throw new EvidenceFormatException(p, "EWF table base offset " + base + " outside the file");
					long start = sectorsEnd >= 0 ? sectorsEnd : pos;
					count = Math.min(count, Math.max(0, chunkCount - nextChunk));
					if (count > 0) tables.add(new Table(segs.size() - 1, nextChunk, (int) count, entries, base, start, dataEnd));
					nextChunk += count;
				}
				case "hash", "digest" -> {
					if (pos + DESCRIPTOR + 16 <= f.size()) {
						md5 = new byte[16];
						f.read(pos + DESCRIPTOR, md5, 0, 16);
					}
				}
				case "next" -> {
				}
				case "done" -> done = true;
				default -> {
				}
				}
				if (cut != null || done || type.equals("next")) break;
				if (next <= pos || next > f.size()) {
					cut = String.format("the section chain of %s goes from %d to %d (file of %d bytes)", p.getFileName(), pos, next, f.size());
					break;
				}
				pos = next;
			}
			if (cut != null) break;
			if (n >= MAX_SEGMENTS) throw new EvidenceFormatException(path, "more than " + MAX_SEGMENTS + " EWF segment files");
		}
		if (chunkCount < 0) throw new TruncatedEvidenceException(path, "no EWF volume section" + (cut != null ? " (" + cut + ")" : ""));
		long chunkSize = sectorsPerChunk * bytesPerSector;
		EwfLayer l = new EwfLayer(segs, sectors * bytesPerSector, chunkSize, tables, md5);
		List<Extent> past = l.chunksPastTheEnd();
		long need = l.size / chunkSize + (l.size % chunkSize != 0 ? 1 : 0);
		if (nextChunk < need) addRange(past, nextChunk, need - nextChunk);
		l.cutShort(past, partial, cut != null ? "chunks (" + cut + ")" : "chunks");
		return l;
	}

	/**
	 * The segment files of the acquisition whose file {@code first} is: {@code first}, then each next name beside it
	 * ({@code .E02}, …) that holds the next segment number, up to the first that does not exist or does not. What a
	 * case fixes by hash: the acquisition is all of them, not its first file. A file that is not an EWF segment, or not
	 * the first, gives itself alone.
	 */
	public static List<Path> segmentFiles(Path first) throws IOException {
		List<Path> out = new ArrayList<>(List.of(first));
		if (segmentNumber(first) != 1) return out;
		for (int n = 2; n <= MAX_SEGMENTS; n++) {
			Path p = segmentPath(first, n);
			if (p == null || !Files.isRegularFile(p) || segmentNumber(p) != n) break;
			out.add(p);
		}
		return out;
	}

	/** The segment number an EWF segment file's header gives, or -1 for a file that is not one. */
	public static int segmentNumber(Path file) throws IOException {
		byte[] h = new byte[13];
		try (java.io.InputStream in = Files.newInputStream(file)) {
			if (in.readNBytes(h, 0, 13) < 13 || !Arrays.equals(h, 0, 8, SIGNATURE, 0, 8)) return -1;
		}
		return LittleEndian.u16(h, 9);
	}

	/** The name of segment {@code n} beside {@code first}: {@code .E01}…{@code .E99}, then {@code .EAA}…{@code .EZZ}, {@code .FAA}…{@code .ZZZ}. */
	static Path segmentPath(Path first, int n) {
		String name = first.getFileName().toString();
		if (name.length() < 4 || name.charAt(name.length() - 4) != '.') return null;
		char c = name.charAt(name.length() - 3);
		boolean upper = Character.isUpperCase(c);
		String ext;
		if (n < 100) {
			ext = String.format("%c%02d", c, n);
		} else {
			int k = n - 100;
			char a = (char) (Character.toUpperCase(c) + k / 676);
			if (a > 'Z') return null;
			ext = "" + a + (char) ('A' + k / 26 % 26) + (char) ('A' + k % 26);
			if (!upper) ext = ext.toLowerCase(java.util.Locale.ROOT);
		}
		return first.resolveSibling(name.substring(0, name.length() - 3) + ext);
	}

	/** The chunks whose bytes start past the end of their segment file: reads every table entry once. */
	private List<Extent> chunksPastTheEnd() throws IOException {
		List<Extent> out = new ArrayList<>();
		for (Table t : tables) {
			MappedFile f = segments.get(t.segment());
			for (int i = 0; i < t.count(); i++) {
				long at = t.base() + (f.u32(t.entries() + 4L * i) & 0x7fffffffL);
				if (at >= f.size()) addRange(out, t.first() + i, 1);
			}
		}
		return out;
	}

	/** The MD5 of the acquired bytes as the acquisition recorded it ({@code hash} or {@code digest} section). */
	public Optional<byte[]> storedMd5() {
		return Optional.ofNullable(md5).map(byte[]::clone);
	}

	/** How many segment files the acquisition spans. */
	public int segmentCount() {
		return segments.size();
	}

	@Override
	protected void readBlock(long chunk, int inChunk, byte[] buf, int off, int n) throws IOException {
		int ti = Arrays.binarySearch(firstChunks, chunk);
		if (ti < 0) ti = -ti - 2;
		if (ti < 0 || chunk - tables[ti].first() >= tables[ti].count()) {
			throw new EvidenceFormatException(segments.get(0).path(), String.format("no chunk table covers disk offset 0x%x", chunk * blockSize));
		}
		Table t = tables[ti];
		MappedFile f = segments.get(t.segment());
		int i = (int) (chunk - t.first());
		long entry = f.u32(t.entries() + 4L * i);
		long at = t.base() + (entry & 0x7fffffffL);
		long want = Math.min(blockSize, size - chunk * blockSize);
		if ((entry & 0x80000000L) == 0) {
			if (at + want > f.size()) throw new EvidenceFormatException(f.path(), String.format("chunk of disk offset 0x%x lies outside the file (at 0x%x)", chunk * blockSize, at));
			f.read(at + inChunk, buf, off, n);
			return;
		}
		long end = i + 1 < t.count() ? t.base() + (f.u32(t.entries() + 4L * (i + 1)) & 0x7fffffffL) : (at < t.start() ? t.start() : t.end());
		byte[] data = chunks.get(chunk, c -> {
			long len = end - at;
			if (len <= 0 || len > 2 * blockSize + 1024 || at + len > f.size()) {
				throw new EvidenceFormatException(f.path(), String.format("compressed chunk of disk offset 0x%x at 0x%x claims %d bytes", c * blockSize, at, len));
			}
			byte[] in = new byte[(int) len];
			f.read(at, in, 0, in.length);
			DecodedByContent.Block b = repeated.find(in, in.length, 0);
			if (b == null) {
				byte[] out = new byte[(int) blockSize];
				try {
					b = repeated.keep(in, in.length, 0, new DecodedByContent.Block(out, Deflate.inflate(in, in.length, out, true)));
				} catch (DataFormatException e) {
					throw new EvidenceFormatException(f.path(), String.format("corrupt compressed chunk of disk offset 0x%x: %s", c * blockSize, e.getMessage()));
				}
			}
			if (b.length() < want) throw new EvidenceFormatException(f.path(), String.format("compressed chunk of disk offset 0x%x inflates to %d bytes, not %d", c * blockSize, b.length(), want));
			return b.bytes();
		});
		System.arraycopy(data, inChunk, buf, off, n);
	}

	@Override
	public void close() throws IOException {
		for (MappedFile f : segments) f.close();
	}
}
