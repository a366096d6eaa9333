package cacheshadow.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;

/**
 * Writes a guest's memory as {@code xl dump-core} lays it out (Xen's docs/misc/dump-core-format.txt and libxc's
 * xc_core.c: ELF64 core, section headers and no program headers; {@code .shstrtab}, {@code .note.Xen} with the
 * none, header, Xen-version and format-version notes, {@code .xen_prstatus}, page-aligned {@code .xen_pages}, then
 * {@code .xen_pfn} (HVM) or {@code .xen_p2m} (PV)), for tests: no Xen host runs here to make one.
 */
public final class XenDumpCoreWriter {
	public static final int PAGE = 4096;

	private XenDumpCoreWriter() {
	}

	/**
	 * Every page of {@code memory}'s extents, in 2 MiB groups taken last to first when {@code scrambled} (so page order
	 * and frame order differ), then {@code invalid} pages of frame ~0 (pages the dump could not map).
	 */
	public static void write(Layer memory, Path out, boolean hvm, boolean scrambled, int invalid) throws IOException {
		List<Long> frames = new ArrayList<>();
		for (Extent e : memory.extents()) for (long a = e.start(); a + PAGE <= e.end(); a += PAGE) frames.add(a / PAGE);
		if (scrambled) {
			List<Long> r = new ArrayList<>();
			for (int end = frames.size(); end > 0; end -= 512) r.addAll(frames.subList(Math.max(0, end - 512), end));
			frames = r;
		}
		for (int i = 0; i < invalid; i++) frames.add(-1L);
		long n = frames.size();
		byte[] shstrtab = "\0.shstrtab\0.note.Xen\0.xen_prstatus\0.xen_pages\0.xen_pfn\0.xen_p2m\0".getBytes(StandardCharsets.US_ASCII);
		ByteBuffer notes = le(4096);
		note(notes, 0x2000000, new byte[0]);
		ByteBuffer h = le(32).putLong(hvm ? 0xF00FEBEEL : 0xF00FEBEDL).putLong(1).putLong(n).putLong(PAGE);
		note(notes, 0x2000001, h.array());
		note(notes, 0x2000002, le(1280).putLong(4).putLong(17).array()); // Xen 4.17; the strings left empty
		note(notes, 0x2000003, le(8).putLong(1).array());
		int notesLen = notes.position();
		long prstatusLen = 5168;
		long shoff = 64, strOff = shoff + 6 * 64, notesOff = strOff + shstrtab.length, prOff = align(notesOff + notesLen, 8);
		long pagesOff = align(prOff + prstatusLen, PAGE), tableOff = pagesOff + n * PAGE, entry = hvm ? 8 : 16;
		ByteBuffer head = le((int) pagesOff);
		head.put(new byte[] { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0 }).position(16);
		head.putShort((short) 4).putShort((short) 62).putInt(1).putLong(0).putLong(0).putLong(shoff).putInt(0);
		head.putShort((short) 64).putShort((short) 56).putShort((short) 0).putShort((short) 64).putShort((short) 6).putShort((short) 1);
		head.position((int) shoff);
		section(head, 0, 0, 0, 0, 0);
		section(head, 1, 3, strOff, shstrtab.length, 1);
		section(head, 11, 7, notesOff, notesLen, 4);
		section(head, 21, 1, prOff, prstatusLen, 8);
		section(head, 35, 1, pagesOff, n * PAGE, PAGE);
		section(head, hvm ? 46 : 55, 1, tableOff, n * entry, 8);
		head.position((int) strOff);
		head.put(shstrtab);
		head.put(notes.array(), 0, notesLen);
		head.position(0);
		Files.createDirectories(out.toAbsolutePath().getParent());
		try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
			ch.write(head);
			byte[] page = new byte[PAGE];
			ByteBuffer buf = ByteBuffer.allocate(1 << 20);
			for (long f : frames) {
				if (f >= 0) memory.read(f * PAGE, page, 0, PAGE);
				else java.util.Arrays.fill(page, (byte) 0xee);
				buf.put(page);
				if (!buf.hasRemaining()) {
					buf.flip();
					while (buf.hasRemaining()) ch.write(buf);
					buf.clear();
				}
			}
			ByteBuffer table = le((int) Math.min(1 << 20, n * entry));
			buf.flip();
			while (buf.hasRemaining()) ch.write(buf);
			for (long f : frames) {
				if (!table.hasRemaining()) {
					table.flip();
					while (table.hasRemaining()) ch.write(table);
					table.clear();
				}
				table.putLong(f);
				if (!hvm) table.putLong(f < 0 ? -1 : f + 0x100000); // PV: the machine frame beside the guest's
			}
			table.flip();
			while (table.hasRemaining()) ch.write(table);
		}
	}

	/**
	 * {@code XenDumpCoreWriter MEMORY OUT hvm|pv [BYTES]}: the fuzz seeds of XenCoreFuzzer (the first BYTES of a
	 * sample's memory, HVM scrambled with two invalid frames, or PV in order).
	 */
	public static void main(String[] a) throws IOException {
		try (Layer m = cacheshadow.layers.Layers.openMemory(Path.of(a[0]))) {
			long n = a.length > 3 ? Long.parseLong(a[3]) : m.extents().get(0).length();
			Layer first = firstBytes(m, n);
			boolean hvm = a[2].equals("hvm");
			write(first, Path.of(a[1]), hvm, hvm, hvm ? 2 : 0);
		}
	}

	/** The first {@code n} bytes of a layer (its first extent at least that long), as a layer of one extent. */
	public static Layer firstBytes(Layer m, long n) {
		return new Layer() {
			@Override
			public String name() {
				return m.name();
			}

			@Override
			public String source() {
				return m.source();
			}

			@Override
			public long size() {
				return n;
			}

			@Override
			public List<Extent> extents() {
				return List.of(new Extent(0, n));
			}

			@Override
			public void read(long offset, byte[] buf, int off, int len) throws IOException {
				m.read(offset, buf, off, len);
			}

			@Override
			public void close() {
			}
		};
	}

	private static void note(ByteBuffer b, int type, byte[] desc) {
		b.putInt(4).putInt(desc.length).putInt(type).put("Xen\0".getBytes(StandardCharsets.US_ASCII)).put(desc);
		while (b.position() % 4 != 0) b.put((byte) 0);
	}

	private static void section(ByteBuffer b, int name, int type, long offset, long size, long align) {
		b.putInt(name).putInt(type).putLong(0).putLong(0).putLong(offset).putLong(size).putInt(0).putInt(0).putLong(align).putLong(0);
	}

	private static ByteBuffer le(int n) {
		return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
	}

	private static long align(long v, long a) {
		return (v + a - 1) / a * a;
	}
}
