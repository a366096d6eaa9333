package cacheshadow.pagecache;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ThreadLocalRandom;

import cacheshadow.cases.Case;
import cacheshadow.layers.Progress;
import cacheshadow.listing.Json;

/**
 * "Snapshot now" of a running QEMU guest: its RAM and its disk as they stood at one instant, written by QEMU itself
 * (QMP) as new evidence files.
 * <ol>
 * <li>The vCPUs are paused (QMP {@code stop}, which also drains the guest's block I/O to its images).</li>
 * <li>For each disk, a {@code blockdev-backup} job ({@code sync: full}) to a new raw file added with
 * {@code blockdev-add} is started. A backup is point-in-time from the moment it starts: QEMU's copy-before-write filter
 * copies any block the guest overwrites later before the write goes through, so the file is the disk at the pause
 * even though it is finished after the guest resumed.</li>
 * <li>{@code dump-guest-memory} ({@code paging: false}) writes the RAM as an ELF core, one {@code PT_LOAD} per
 * guest-physical RAM block (the format of {@code make-evidence.sh}'s {@code memory.elf}; RAM split around the PCI
 * hole is two blocks at their real addresses), still paused.</li>
 * <li>The guest resumes ({@code cont}; unless it was paused before); then the backup jobs are awaited, dismissed, and
 * their target nodes removed ({@code blockdev-del}).</li>
 * </ol>
 * The pause is as long as QEMU takes to write the RAM; copying the disk does not pause the guest at all. Why not
 * {@code drive-backup}: QEMU deprecated it in 6.2 for {@code blockdev-backup} + {@code blockdev-add} (this host has
 * 7.2). Why not copy the image file while paused: the pause would grow with the disk, and an image with a format or
 * a backing chain would have to be read as QEMU reads it; the backup reads the guest's disk exactly as the guest
 * does (through {@code blklogwrites}, qcow2, ...).
 *
 * <p>The files are created new (an existing one is never overwritten) and made read-only once complete; on a failure
 * or a cancel the partial files are removed, the jobs cancelled and the guest resumed. QEMU writes them itself, so
 * the folder must be writable by the QEMU process (a libvirt guest's QEMU runs as its own user).
 */
public final class LiveSnapshot {
	/** One disk of the guest copied: its QEMU node and device, the image it reads, the copy, its size in bytes. */
	public record Disk(String node, String device, String source, Path file, long size) {
	}

	/** A snapshot taken: when the guest was paused, for how long, the RAM's ELF core and the disks' copies. */
	public record Result(Instant pausedAt, long pausedNanos, long totalNanos, Path memory, List<Disk> disks) {
		public List<Path> files() {
			List<Path> f = new ArrayList<>();
			f.add(memory);
			for (Disk d : disks) f.add(d.file());
			return f;
		}

		/** One line for the custody log: what was copied, how, from which instant. */
		public String describe(LiveGuest guest) {
			StringBuilder sb = new StringBuilder("running guest (RAM " + guest.ramFile() + ", QMP " + guest.socket() + ") paused at " + pausedAt
					+ String.format(" for %.0f ms", pausedNanos / 1e6) + ": RAM -> " + memory + " (QMP dump-guest-memory, ELF core)");
			for (Disk d : disks) {
				sb.append("; disk node ").append(d.node()).append(d.device().isEmpty() ? "" : " (" + d.device() + ")").append(" reading ").append(d.source())
						.append(" -> ").append(d.file()).append(" (QMP blockdev-backup sync=full, point-in-time at the pause, ").append(d.size()).append(" bytes)");
			}
			return sb.append(String.format("; done in %.1f s", totalNanos / 1e9)).toString();
		}
	}

	private static final long POLL_MILLIS = 20;

	private LiveSnapshot() {
	}

	/**
	 * Takes a snapshot into {@code folder} (created if missing): {@code memory.elf}, and {@code disk.img} (or
	 * {@code disk-NODE.img} each when several). {@code diskImage} chooses the disk: the guest's block device that reads
	 * that image file (an {@link IOException} when none does); null copies every writable block device.
	 */
	public static Result take(LiveGuest guest, Path folder, Path diskImage, Progress progress) throws IOException {
		long t0 = System.nanoTime();
		QmpClient q = guest.qmp();
		List<Device> devices = devices(q.call("query-block", null), diskImage);
		Files.createDirectories(folder);
		Path memory = folder.resolve("memory.elf").toAbsolutePath();
		if (Files.exists(memory)) throw new FileAlreadyExistsException(memory.toString(), null, "a snapshot is already there; never overwritten");
		String tag = "cs" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 24, 1 << 28));
		List<Job> jobs = new ArrayList<>();
		List<Path> created = new ArrayList<>();
		boolean mustResume = false, done = false;
		try {
			for (int i = 0; i < devices.size(); i++) {
				Device d = devices.get(i);
				Path file = folder.resolve(devices.size() == 1 ? "disk.img" : "disk-" + d.node().replaceAll("[^A-Za-z0-9._-]", "_") + ".img").toAbsolutePath();
				// a blockdev target must exist with the source's size: a new sparse file, never an existing one
				try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
					created.add(file);
					if (d.size() > 0) ch.write(ByteBuffer.allocate(1), d.size() - 1);
				}
				Job j = new Job(tag + "-" + i, d, file);
				q.call("blockdev-add", args("driver", "file", "node-name", j.node, "filename", file.toString()));
				jobs.add(j);
			}
			progress.begin("Pausing the guest, writing its RAM", -1);
			boolean wasRunning = q.running(); // a guest the examiner paused stays paused
			q.stop();
			mustResume = wasRunning;
			Instant pausedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
			long p0 = System.nanoTime();
			for (Job j : jobs) {
				q.call("blockdev-backup", args("job-id", j.id, "device", j.device.node(), "target", j.node, "sync", "full", "auto-dismiss", false));
				j.started = true;
			}
			created.add(memory);
			q.call("dump-guest-memory", args("paging", false, "protocol", "file:" + memory));
			if (wasRunning) q.cont();
			mustResume = false;
			long paused = System.nanoTime() - p0;
			awaitBackups(q, jobs, progress);
			List<Disk> disks = new ArrayList<>();
			for (Job j : jobs) disks.add(new Disk(j.device.node(), j.device.name(), j.device.source(), j.file, j.device.size()));
			for (Path f : created) readOnly(f);
			done = true;
			return new Result(pausedAt, paused, System.nanoTime() - t0, memory, disks);
		} finally {
			if (mustResume) {
				try {
					q.cont();
				} catch (IOException e) {
					// reported by the failure that brought us here
				}
			}
			for (Job j : jobs) {
				if (j.started) cancel(q, j);
				try {
					q.call("blockdev-del", args("node-name", j.node));
				} catch (IOException e) {
					// the node is gone with a failed job already
				}
			}
			if (!done) {
				for (Path f : created) Files.deleteIfExists(f);
			}
		}
	}

	/**
	 * Takes a snapshot into the case: {@code CASE/live/snapshot-TIME/} (UTC), then registers each file as evidence
	 * (format, size, SHA-256: {@link Case#addEvidence}); the custody log gets a {@code live-snapshot} entry saying what
	 * was copied from which guest, how and from which instant (or {@code live-snapshot-failed} with why), before the
	 * files' own {@code evidence-added} and {@code evidence-hashed} entries.
	 */
	public static Result intoCase(Case c, LiveGuest guest, Path diskImage, Progress progress) throws IOException {
		String stamp = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(java.time.ZoneOffset.UTC).format(Instant.now());
		Path folder = c.dir().resolve("live").resolve("snapshot-" + stamp);
		Result r;
		try {
			r = take(guest, folder, diskImage, progress);
		} catch (IOException | RuntimeException e) {
			c.appendCustody("live-snapshot-failed", "running guest (RAM " + guest.ramFile() + ", QMP " + guest.socket() + "): "
					+ (e instanceof CancellationException ? "canceled" : e.getMessage()) + "; nothing kept");
			throw e;
		}
		c.appendCustody("live-snapshot", r.describe(guest));
		for (Path f : r.files()) c.addEvidence(f, progress);
		return r;
	}

	/** Evidence is never written again: read-only for everyone (as far as we may: QEMU may own the file). */
	private static void readOnly(Path f) {
		try {
			Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("r--r--r--"));
		} catch (IOException | UnsupportedOperationException e) {
			// not ours to change (QEMU of another user wrote it): it stays as QEMU made it
		}
	}

	/** A block device of the guest: its top node, a name for it, the image file it reads, its size. */
	record Device(String node, String name, String source, long size) {
	}

	/** A backup job of ours ({@code id}) and its target node ({@code node}). */
	private static final class Job {
		final String id, node;
		final Device device;
		final Path file;
		/** Started in QEMU, not yet dismissed. */
		boolean started;

		Job(String id, Device device, Path file) {
			this.id = id + "-backup";
			this.node = id;
			this.device = device;
			this.file = file;
		}
	}

	/**
	 * The devices to copy from a {@code query-block} reply: the one reading {@code diskImage} (its image, the images
	 * below it, or a {@code json:} description naming it), or every writable one when null.
	 */
	static List<Device> devices(Object queryBlock, Path diskImage) throws IOException {
		String want = diskImage == null ? null : diskImage.toRealPath().toString();
		List<Device> out = new ArrayList<>();
		List<String> seen = new ArrayList<>();
		if (!(queryBlock instanceof List<?> list)) throw new IOException("QMP query-block: not a list of block devices");
		for (Object o : list) {
			if (!(o instanceof Map<?, ?> dev) || !(dev.get("inserted") instanceof Map<?, ?> ins)) continue;
			String node = String.valueOf(ins.get("node-name"));
			String name = dev.get("device") instanceof String s && !s.isEmpty() ? s : dev.get("qdev") instanceof String s ? s : "";
			List<String> files = new ArrayList<>();
			long size = -1;
			for (Object img = ins.get("image"); img instanceof Map<?, ?> m; img = m.get("backing-image")) {
				if (size < 0 && m.get("virtual-size") instanceof Long v) size = v;
				if (m.get("filename") instanceof String f) filenames(f, files, 0);
			}
			if (ins.get("file") instanceof String f) filenames(f, files, 0);
			if (size < 0) throw new IOException("QMP query-block: no size for block node " + node);
			String source = files.isEmpty() ? node : files.get(files.size() - 1);
			seen.add(node + " (" + String.join(", ", files) + ")");
			boolean ro = Boolean.TRUE.equals(ins.get("ro"));
			if (want != null ? files.stream().anyMatch(f -> same(f, want)) : !ro) out.add(new Device(node, name, want != null ? want : source, size));
		}
		if (out.isEmpty()) {
			throw new IOException(want != null ? "the guest has no block device reading " + want + " (QEMU's block devices: " + String.join("; ", seen) + ")"
					: "the guest has no writable block device to copy (" + String.join("; ", seen) + ")");
		}
		if (want != null && out.size() > 1) out = List.of(out.get(0));
		return out;
	}

	/** The file names in a QEMU image name: the name itself, or each {@code "filename"} of a {@code json:} description. */
	private static void filenames(String name, List<String> out, int depth) {
		if (!name.startsWith("json:")) {
			out.add(name);
			return;
		}
		try {
			collect(Json.parse(name.substring(5)), out, depth);
		} catch (IllegalArgumentException e) {
			out.add(name); // not a description after all: compared as a name
		}
	}

	private static void collect(Object v, List<String> out, int depth) {
		if (depth > 32) return;
		if (v instanceof Map<?, ?> m) {
			for (Map.Entry<?, ?> e : m.entrySet()) {
				if ("filename".equals(e.getKey()) && e.getValue() instanceof String s) out.add(s);
				else collect(e.getValue(), out, depth + 1);
			}
		} else if (v instanceof List<?> l) {
			for (Object o : l) collect(o, out, depth + 1);
		}
	}

	private static boolean same(String qemuName, String realPath) {
		try {
			return Path.of(qemuName).toRealPath().toString().equals(realPath);
		} catch (IOException | RuntimeException e) {
			return qemuName.equals(realPath);
		}
	}

	/** Waits for the backup jobs to conclude, with progress; a job's error is an {@link IOException}. */
	private static void awaitBackups(QmpClient q, List<Job> jobs, Progress progress) throws IOException {
		if (jobs.isEmpty()) return;
		long total = jobs.stream().mapToLong(j -> j.device.size()).sum(), reported = 0;
		progress.begin("Copying the guest's disk (point-in-time at the pause)", total);
		while (true) {
			progress.checkCanceled();
			Map<String, Map<?, ?>> state = jobStates(q);
			long now = 0;
			boolean all = true;
			for (Job j : jobs) {
				Map<?, ?> s = state.get(j.id);
				if (s == null) throw new IOException("QEMU's backup job " + j.id + " of node " + j.device.node() + " vanished");
				if (s.get("current-progress") instanceof Long c && s.get("total-progress") instanceof Long t && t > 0) {
					now += Math.min(j.device.size(), c * j.device.size() / t);
				}
				if (!"concluded".equals(s.get("status"))) {
					all = false;
					continue;
				}
				if (s.get("error") != null) throw new IOException("QEMU's backup of node " + j.device.node() + " failed: " + s.get("error"));
			}
			if (now > reported) {
				progress.worked(now - reported);
				reported = now;
			}
			if (all) break;
			sleep();
		}
		for (Job j : jobs) {
			q.call("job-dismiss", args("id", j.id));
			j.started = false;
		}
	}

	private static Map<String, Map<?, ?>> jobStates(QmpClient q) throws IOException {
		Map<String, Map<?, ?>> out = new LinkedHashMap<>();
		if (q.call("query-jobs", null) instanceof List<?> l) {
			for (Object o : l) if (o instanceof Map<?, ?> m && m.get("id") instanceof String id) out.put(id, m);
		}
		return out;
	}

	/** Cancels a job and waits (briefly) until QEMU has let go of its target, then dismisses it. */
	private static void cancel(QmpClient q, Job j) {
		try {
			q.call("job-cancel", args("id", j.id));
		} catch (IOException e) {
			// concluded already
		}
		for (int i = 0; i < 500; i++) {
			try {
				Map<?, ?> s = jobStates(q).get(j.id);
				if (s == null) return;
				if ("concluded".equals(s.get("status"))) {
					q.call("job-dismiss", args("id", j.id));
					return;
				}
			} catch (IOException e) {
				return;
			}
			sleep();
		}
	}

	private static void sleep() {
		try {
			Thread.sleep(POLL_MILLIS);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new CancellationException("interrupted");
		}
	}

	private static Map<String, Object> args(Object... kv) {
		Map<String, Object> m = new LinkedHashMap<>();
		for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
		return m;
	}
}
