package cacheshadow.journal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;

/**
 * Which of a case's disk images a write journal was recorded against. A case often holds two: the disk as it stood
 * when the guest was stopped (every journalled write already on it) and the pristine base the journal starts from.
 * Replaying onto the wrong one shows later content at earlier instants, so the choice is made from content: the
 * newest version of up to {@value #SAMPLES} sectors the journal wrote last is compared with each image, and the image
 * that agrees least is the base. Reads a few sectors per image, whatever the journal's length.
 */
public record JournalBase(Path base, int samples, int agreeing, String note) {
	static final int SAMPLES = 64;
	/** Entries looked at, at most: a journal of discards or rewrites of one sector must not make the choice slow. */
	static final int MAX_VISITED = 1 << 16;

	/**
	 * Chooses among {@code disks} (raw or qcow2). {@code note} says how sure the choice is, e.g. when every image
	 * already holds the journal's last writes.
	 */
	public static JournalBase choose(List<Path> disks, WriteLog log) throws IOException {
		if (disks.isEmpty()) throw new IllegalArgumentException("no disk image to replay " + log.name() + " onto");
		int[] agree = new int[disks.size()];
		int samples = 0;
		Layer[] layers = new Layer[disks.size()];
		try {
			for (int d = 0; d < layers.length; d++) layers[d] = Layers.openDisk(disks.get(d));
			// sectors newer entries (visited first) wrote or discarded: [start -> end), never overlapping
			TreeMap<Long, Long> newer = new TreeMap<>();
			int ss = log.sectorSize();
			byte[] want = new byte[ss], got = new byte[ss];
			// newest entries first: a sector's last version is what the disk after the journal holds
			for (int i = log.entryCount() - 1, visited = 0; i >= 0 && samples < SAMPLES && visited < MAX_VISITED; i--, visited++) {
				if (!log.changesDisk(i)) continue;
				long sector = log.diskOffset(i), end = sector + log.length(i);
				Map.Entry<Long, Long> cover = newer.floorEntry(sector);
				boolean overwritten = cover != null && cover.getValue() > sector;
				addRange(newer, sector, end);
				if (overwritten || (log.flags(i) & WriteLog.DISCARD) != 0) continue;
				log.readData(i, 0, want, 0, ss);
				samples++;
				for (int d = 0; d < layers.length; d++) {
					if (sector + ss > layers[d].size()) continue;
					layers[d].read(sector, got, 0, ss);
					if (Arrays.equals(want, got)) agree[d]++;
				}
			}
		} finally {
			for (Layer l : layers) if (l != null) l.close();
		}
		int best = 0;
		for (int d = 1; d < agree.length; d++) if (agree[d] < agree[best]) best = d;
		String note;
		if (samples == 0) note = log.name() + " writes nothing: any image is its base";
		else if (agree[best] == samples) note = "every image already holds the journal's last writes; instants before the end show later content where no entry wrote yet";
		else note = disks.get(best).getFileName() + " agrees with " + agree[best] + " of the journal's last " + samples + " written sectors (the others: "
				+ describeOthers(disks, agree, best, samples) + ")";
		return new JournalBase(disks.get(best), samples, agree[best], note);
	}

	/** Adds {@code [start, end)} to a set of disjoint ranges, merging what it touches. */
	private static void addRange(TreeMap<Long, Long> ranges, long start, long end) {
		Map.Entry<Long, Long> before = ranges.floorEntry(start);
		if (before != null && before.getValue() >= start) {
			start = before.getKey();
			end = Math.max(end, before.getValue());
		}
		for (Map.Entry<Long, Long> next = ranges.ceilingEntry(start); next != null && next.getKey() <= end; next = ranges.ceilingEntry(start)) {
			end = Math.max(end, next.getValue());
			ranges.remove(next.getKey());
		}
		ranges.put(start, end);
	}

	private static String describeOthers(List<Path> disks, int[] agree, int best, int samples) {
		StringBuilder sb = new StringBuilder();
		for (int d = 0; d < agree.length; d++) {
			if (d == best) continue;
			sb.append(sb.isEmpty() ? "" : ", ").append(disks.get(d).getFileName()).append(' ').append(agree[d]).append('/').append(samples);
		}
		return sb.isEmpty() ? "none" : sb.toString();
	}
}
