package cacheshadow.pagecache;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import cacheshadow.layers.Layer;
import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.MappedFile;
import cacheshadow.layers.SegmentedLayer;

/**
 * Where a running QEMU guest's RAM file lies in its physical address space, read from QEMU itself, never guessed:
 * {@code query-memdev} names the memory backend (its id, size and {@code share}), and {@code info mtree} (through
 * {@code human-monitor-command}) lists the aliases the machine maps into the system address space, e.g. on
 * {@code pc}/{@code q35} {@code alias ram-below-4g @ram0 0-bfffffff} at GPA 0 and {@code alias ram-above-4g @ram0
 * c0000000-...} at GPA 4 GiB (RAM split around the PCI hole). Each top-level alias of the backend at priority 0 is
 * one segment: GPA range → offset in the RAM file. Higher-priority overlays of the same backend (PAM, SMRAM windows
 * below 1 MiB) map the same offsets as the big alias and are not segments of their own; the layer reads the RAM
 * behind them, as the backend file holds it.
 *
 * <p>Refused (an {@link IOException} with one line): no memory backend of the RAM file's size, a backend without
 * {@code share=on} (the file would not be the guest's RAM), no alias of it in the map, segments that overlap or
 * leave part of the backend unmapped, or that reach past the file.
 */
public final class GuestRamLayout {
	/** One run of guest-physical addresses backed by the RAM file from {@code fileOffset}. */
	public record Segment(long gpa, long length, long fileOffset) {
	}

	private static final Pattern ALIAS = Pattern.compile(
			"^( *)([0-9a-f]+)-([0-9a-f]+) \\(prio (-?\\d+), (?:ram|rom)\\): alias (\\S+) @(\\S+) ([0-9a-f]+)-([0-9a-f]+)");
	private static final Pattern DIRECT = Pattern.compile("^( *)([0-9a-f]+)-([0-9a-f]+) \\(prio (-?\\d+), ram\\): (\\S+)\\s*$");

	private GuestRamLayout() {
	}

	/** The backend id whose size equals {@code fileSize} in a {@code query-memdev} reply; checks {@code share}. */
	static String backend(String memdevReply, long fileSize, Path ramFile) throws IOException {
		List<String> ids = new ArrayList<>();
		for (String obj : memdevReply.split("\\}")) {
			Matcher id = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]*)\"").matcher(obj);
			Matcher size = Pattern.compile("\"size\"\\s*:\\s*(\\d+)").matcher(obj);
			Matcher share = Pattern.compile("\"share\"\\s*:\\s*(true|false)").matcher(obj);
			if (!id.find() || !size.find()) continue;
			if (Long.parseLong(size.group(1)) != fileSize) continue;
			if (!share.find() || !share.group(1).equals("true")) {
				throw new IOException(ramFile + ": QEMU's memory backend " + id.group(1) + " is not share=on, so this file is not the guest's RAM");
			}
			ids.add(id.group(1));
		}
		if (ids.size() != 1) {
			throw new IOException(ramFile + ": " + (ids.isEmpty() ? "no" : ids.size()) + " QEMU memory backends of " + fileSize
					+ " bytes (query-memdev); cannot tell which one is this file");
		}
		return ids.get(0);
	}

	/**
	 * The segments of backend {@code id} in the {@code address-space: memory} section of {@code info mtree}: its
	 * aliases (and direct mappings) one level below the root region, at priority 0.
	 */
	static List<Segment> segments(String mtree, String id, long fileSize, Path ramFile) throws IOException {
		List<Segment> out = new ArrayList<>();
		boolean inMemory = false;
		for (String line : mtree.split("\r?\n")) {
			if (line.startsWith("address-space:") || line.startsWith("memory-region:")) {
				if (inMemory) break;
				inMemory = line.strip().equals("address-space: memory");
				continue;
			}
			if (!inMemory) continue;
			Matcher a = ALIAS.matcher(line);
			if (a.find()) {
				if (a.group(1).length() != 4 || !a.group(6).equals(id) || Integer.parseInt(a.group(4)) != 0) continue;
				long start = Long.parseUnsignedLong(a.group(2), 16), end = Long.parseUnsignedLong(a.group(3), 16);
				long off = Long.parseUnsignedLong(a.group(7), 16), offEnd = Long.parseUnsignedLong(a.group(8), 16);
				if (offEnd - off != end - start) throw new IOException(ramFile + ": info mtree alias " + a.group(5) + " has unequal ranges");
				out.add(new Segment(start, end - start + 1, off));
				continue;
			}
			Matcher d = DIRECT.matcher(line);
			if (d.find() && d.group(1).length() == 4 && d.group(5).equals(id) && Integer.parseInt(d.group(4)) == 0) {
				long start = Long.parseUnsignedLong(d.group(2), 16), end = Long.parseUnsignedLong(d.group(3), 16);
				out.add(new Segment(start, end - start + 1, 0));
			}
		}
		if (out.isEmpty()) throw new IOException(ramFile + ": QEMU's memory map (info mtree) maps no part of backend " + id + " into guest-physical memory");
		out.sort((x, y) -> Long.compareUnsigned(x.gpa(), y.gpa()));
		// the segments must cover the backend exactly once and stay inside the file
		List<Segment> byOffset = new ArrayList<>(out);
		byOffset.sort((x, y) -> Long.compare(x.fileOffset(), y.fileOffset()));
		long next = 0;
		for (Segment s : byOffset) {
			if (s.fileOffset() != next) {
				throw new IOException(ramFile + String.format(": QEMU's memory map %s backend %s at offset 0x%x (info mtree)",
						s.fileOffset() < next ? "maps twice" : "leaves unmapped part of", id, Math.min(s.fileOffset(), next)));
			}
			next = s.fileOffset() + s.length();
		}
		if (next != fileSize) throw new IOException(ramFile + String.format(": QEMU's memory map covers 0x%x of its 0x%x bytes (info mtree)", next, fileSize));
		for (int i = 1; i < out.size(); i++) {
			if (out.get(i).gpa() < out.get(i - 1).gpa() + out.get(i - 1).length()) throw new IOException(ramFile + ": overlapping RAM segments in info mtree");
		}
		return out;
	}

	/** Asks QEMU (through {@code qmp}) where {@code ramFile} lies in guest-physical memory. */
	public static List<Segment> of(QmpClient qmp, Path ramFile, long fileSize) throws IOException {
		String id = backend(qmp.execute("query-memdev"), fileSize, ramFile);
		return segments(qmp.humanMonitor("info mtree"), id, fileSize, ramFile);
	}

	/** Parses replies already read (tests, or a map saved beside a snapshot). */
	public static List<Segment> parse(String memdevReply, String mtree, Path ramFile, long fileSize) throws IOException {
		return segments(mtree, backend(memdevReply, fileSize, ramFile), fileSize, ramFile);
	}

	/** The guest's physical address space over the RAM file, mapped read-only; holes between segments are holes. */
	public static Layer layer(Path ramFile, List<Segment> segments) throws IOException {
		return new RamLayer(MappedFile.open(ramFile), segments);
	}

	/** The RAM file's segments at their guest-physical addresses: the same reading as an ELF core's or LiME's ranges. */
	private static final class RamLayer extends SegmentedLayer {
		RamLayer(MappedFile file, List<GuestRamLayout.Segment> segs) throws EvidenceFormatException {
			super(file, segs.stream().map(s -> new SegmentedLayer.Segment(s.gpa(), s.length(), s.fileOffset())).toList());
		}

		@Override
		public String name() {
			return "live guest RAM";
		}
	}
}
