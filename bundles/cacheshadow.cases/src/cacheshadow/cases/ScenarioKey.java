package cacheshadow.cases;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import cacheshadow.listing.FileRecord;
import cacheshadow.listing.FileType;
import cacheshadow.listing.ManifestComparison;
import cacheshadow.listing.ManifestFormat;

/**
 * The answer key of a training scenario (releng/scenario.sh, README "Training scenarios"): what the guest's own listings say differs between its
 * disk and its running state, i.e. what a trainee examining the case is to find. The disk's side is the guest's
 * listing of {@code /mnt/disk} at its last sync ({@code manifest.round-K.tsv}, K the highest; the scenario checked
 * that nothing reached the disk after it), the running side its listing of {@code /mnt/disk} and {@code /mnt/tmp}
 * at the snapshot ({@code manifest.tsv}). Compared column by column as {@link ManifestComparison} does, the atime
 * left out (the guest's own hashing moves it). Each differing path is a {@link Entry}: {@code cache-only} (only the
 * guest has it, on the disk's file system), {@code tmpfs} (on the tmpfs), {@code deleted} (the disk has it, the guest
 * no longer), {@code differs} (both, with the columns). A rename is a deleted and a cache-only path of one inode,
 * each naming the other — not when the scenario's {@code generations.tsv} (ext4's {@code i_generation} of each path,
 * as the guest read it at its last sync and at the snapshot) says the two differ: a deleted file whose number a new
 * one got. Incidental entries count neither way: a directory whose entries changed (only its size,
 * link count and times) and the tmpfs mount point itself.
 */
public record ScenarioKey(List<Entry> entries) {
	public static final String GUEST = "manifest.tsv";
	/** The inodes' generations (listing disk|guest, path, generation), where the scenario recorded them. */
	public static final String GENERATIONS = "generations.tsv";
	private static final Pattern ROUND = Pattern.compile("manifest\\.round-(\\d+)\\.tsv");
	private static final String DISK_ROOT = "/mnt/disk", TMP_ROOT = "/mnt/tmp";
	/** Columns that change on a directory when entries are added to or taken from it. */
	private static final Set<String> ENTRY_COLUMNS = Set.of("size", "nlink", "mtime", "ctime", "mtime_full");

	/** One path of the key; {@code detail} names the differing columns or the other end of a rename, else "-". */
	public record Entry(String path, String kind, String detail, boolean incidental) {
	}

	/** The key of the answer folder {@code answer} (as releng/scenario.sh writes it). */
	public static ScenarioKey of(Path answer) throws IOException {
		Path guest = answer.resolve(GUEST);
		if (!Files.isRegularFile(guest)) throw new IOException(answer + ": no " + GUEST + " (not a scenario's answer folder)");
		Map<String, Map<String, Long>> gen = new HashMap<>(Map.of("disk", new HashMap<>(), "guest", new HashMap<>()));
		Path g = answer.resolve(GENERATIONS);
		if (Files.isRegularFile(g)) {
			for (String l : Files.readAllLines(g, java.nio.charset.StandardCharsets.UTF_8)) {
				String[] c = l.split("\t", -1);
				if (c.length == 3 && gen.containsKey(c[0]) && c[2].matches("\\d{1,10}")) gen.get(c[0]).put(c[1], Long.parseLong(c[2]));
			}
		}
		return of(ManifestFormat.read(lastRound(answer)), ManifestFormat.read(guest), gen.get("disk"), gen.get("guest"));
	}

	/** The guest's listing of its disk at its last sync: the round manifest with the highest number. */
	static Path lastRound(Path answer) throws IOException {
		Path best = null;
		long k = -1;
		try (Stream<Path> s = Files.list(answer)) {
			for (Path p : (Iterable<Path>) s::iterator) {
				Matcher m = ROUND.matcher(p.getFileName().toString());
				if (m.matches() && m.group(1).length() < 9 && Long.parseLong(m.group(1)) > k) {
					k = Long.parseLong(m.group(1));
					best = p;
				}
			}
		}
		if (best == null) throw new IOException(answer + ": no manifest.round-K.tsv (the guest's listing of its disk at a sync)");
		return best;
	}

	/** The key from the disk's listing at the last sync and the guest's listing at the snapshot. */
	public static ScenarioKey of(List<FileRecord> disk, List<FileRecord> guest) {
		return of(disk, guest, Map.of(), Map.of());
	}

	/**
	 * The same, renames paired only where the generations (path to {@code i_generation}, each side's; a path
	 * missing from either map is not told apart) do not differ.
	 */
	public static ScenarioKey of(List<FileRecord> disk, List<FileRecord> guest, Map<String, Long> diskGeneration, Map<String, Long> guestGeneration) {
		List<FileRecord> onDisk = under(disk, DISK_ROOT), running = new ArrayList<>(under(guest, DISK_ROOT));
		running.addAll(under(guest, TMP_ROOT));
		ManifestComparison c = ManifestComparison.of(onDisk, running, Set.of("atime"), false);
		Map<Long, String> addedByInode = new HashMap<>(), removedByInode = new HashMap<>();
		Map<String, FileRecord> diskByPath = new HashMap<>(), guestByPath = new HashMap<>();
		for (FileRecord r : onDisk) diskByPath.put(r.path(), r);
		for (FileRecord r : running) guestByPath.put(r.path(), r);
		for (String p : c.extra()) if (p.startsWith(DISK_ROOT + "/")) addedByInode.put(guestByPath.get(p).inode(), p);
		for (String p : c.missing()) {
			String to = addedByInode.get(diskByPath.get(p).inode());
			Long was = diskGeneration.get(p), is = to == null ? null : guestGeneration.get(to);
			// one number, two files: the new one is no rename of the deleted one
			if (was != null && is != null && !was.equals(is)) addedByInode.remove(diskByPath.get(p).inode());
			else removedByInode.put(diskByPath.get(p).inode(), p);
		}
		List<Entry> out = new ArrayList<>();
		for (String p : c.extra()) {
			boolean tmp = p.equals(TMP_ROOT) || p.startsWith(TMP_ROOT + "/");
			String from = tmp ? null : removedByInode.get(guestByPath.get(p).inode());
			out.add(new Entry(p, tmp ? "tmpfs" : "cache-only", from == null ? "-" : "renamed-from=" + from, p.equals(TMP_ROOT)));
		}
		for (String p : c.missing()) {
			String to = addedByInode.get(diskByPath.get(p).inode());
			out.add(new Entry(p, "deleted", to == null ? "-" : "renamed-to=" + to, false));
		}
		c.differing().forEach((p, cols) -> {
			List<String> names = cols.stream().map(s -> s.substring(0, s.indexOf(':'))).toList();
			boolean entriesOnly = diskByPath.get(p).type() == FileType.DIRECTORY && guestByPath.get(p).type() == FileType.DIRECTORY
					&& ENTRY_COLUMNS.containsAll(names);
			out.add(new Entry(p, "differs", String.join(",", names), entriesOnly));
		});
		ManifestFormat.sortByPath(out, Entry::path);
		return new ScenarioKey(List.copyOf(out));
	}

	private static List<FileRecord> under(List<FileRecord> records, String root) {
		return records.stream().filter(r -> r.path().equals(root) || r.path().startsWith(root + "/")).toList();
	}

	/** The paths a trainee is to find (every entry but the incidental ones). */
	public List<Entry> findings() {
		return entries.stream().filter(e -> !e.incidental()).toList();
	}

	public Entry entry(String path) {
		for (Entry e : entries) if (e.path().equals(path)) return e;
		return null;
	}

	/** {@code key.tsv}: path, kind, detail, counts (finding or incidental). */
	public String tsv() {
		StringBuilder sb = new StringBuilder("path\tkind\tdetail\tcounts\n");
		for (Entry e : entries) sb.append(e.path()).append('\t').append(e.kind()).append('\t').append(e.detail()).append('\t')
				.append(e.incidental() ? "incidental" : "finding").append('\n');
		return sb.toString();
	}
}
