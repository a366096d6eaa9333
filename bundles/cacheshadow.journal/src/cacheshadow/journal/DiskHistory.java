package cacheshadow.journal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import cacheshadow.layers.Layer;
import cacheshadow.layers.Progress;
import cacheshadow.layers.Layers;

/**
 * A base disk image and the journal of every write made to it since: the one object the CLI's {@code replay} and
 * {@code changes} and the workbench need. Opens either journal format, indexes it (in memory, or via an index file
 * that is reused while it matches the journal), names instants and gives the disk at any of them.
 */
public final class DiskHistory implements AutoCloseable {
	private final Layer base;
	private final boolean ownsBase;
	private final WriteLog journal;
	private final Timeline timeline;
	private final JournalIndex index;
	private final List<String> warnings = new ArrayList<>();
	private final JournalLandmarks landmarks;
	private JournalActivity activity;

	private DiskHistory(Layer base, boolean ownsBase, WriteLog journal, Timeline timeline, JournalIndex index) {
		this.base = base;
		this.ownsBase = ownsBase;
		this.journal = journal;
		this.timeline = timeline;
		this.index = index;
		this.landmarks = JournalLandmarks.of(journal);
		journal.damage().ifPresent(d -> warnings.add(d.message()));
		long beyond = 0;
		for (int i = 0; i < journal.entryCount(); i++) {
			if (journal.changesDisk(i) && journal.diskOffset(i) + journal.length(i) > base.size()) beyond++;
		}
		if (beyond > 0) warnings.add(beyond + " journal entries write past the end of " + base.name() + " (" + base.size() + " bytes); those bytes are not shown");
	}

	/**
	 * Opens {@code basePath} (raw or qcow2 image), the journal (dm-log-writes or .csj) and the optional timing sidecar.
	 * {@code indexFile} may be null (index in memory) or a writable path for the compact index (reused if it matches).
	 */
	public static DiskHistory open(Path basePath, Path journalPath, Path timelinePath, Path indexFile, Progress progress) throws IOException {
		return open(basePath, journalPath.toString(), timelinePath, indexFile, progress);
	}

	/** {@link #open(Path, Path, Path, Path, Progress)} of a journal at a local path or a {@code webhdfs://} URL. */
	public static DiskHistory open(Path basePath, String journalPath, Path timelinePath, Path indexFile, Progress progress) throws IOException {
		JournalIndex idx = JournalIndex.readAndIndex(journalPath, indexFile, progress);
		WriteLog log = idx.log();
		try {
			Timeline tl = timelinePath == null ? null : Timeline.read(timelinePath);
			if (basePath == null) throw new IllegalArgumentException("no base disk image given");
			Layer base = Layers.openDisk(basePath); // raw or qcow2
			return new DiskHistory(base, true, log, tl, idx);
		} catch (IOException | RuntimeException e) {
			idx.close();
			log.close();
			throw e;
		}
	}

	/** Wraps already open parts; closing the history closes the journal and index, not {@code base}. */
	public static DiskHistory of(Layer base, WriteLog journal, Timeline timeline, JournalIndex index) {
		return new DiskHistory(base, false, journal, timeline, index);
	}

	public Layer base() {
		return base;
	}

	public WriteLog journal() {
		return journal;
	}

	/** The timing sidecar, or null. */
	public Timeline timeline() {
		return timeline;
	}

	public JournalIndex index() {
		return index;
	}

	public JournalLandmarks landmarks() {
		return landmarks;
	}

	/** Journal damage and other things an examiner should be told, one line each. */
	public List<String> warnings() {
		return List.copyOf(warnings);
	}

	/** Parses and resolves an instant name; {@link IllegalArgumentException} with a one-line message if it cannot. */
	public ResolvedInstant resolve(String instant) {
		return InstantSpec.parse(instant).resolve(journal, timeline, landmarks);
	}

	public DiskAtInstant at(ResolvedInstant instant) {
		return new DiskAtInstant(base, index, instant);
	}

	public DiskAtInstant at(String instant) {
		return at(resolve(instant));
	}

	/** Writes the raw image at {@code instant}; returns the bytes of data written (holes excluded). */
	public long writeImage(ResolvedInstant instant, Path out, Progress progress) throws IOException {
		Path baseFile = null;
		try {
			baseFile = Path.of(base.source());
		} catch (RuntimeException notAPath) {
			// a layer stacked on another layer: nothing on disk to protect
		}
		return DiskImageExport.write(at(instant), out, progress, baseFile, Path.of(journal.name()));
	}

	/** The blocks written between two instants, with a content comparison. */
	public DiskChanges changes(ResolvedInstant from, ResolvedInstant to, Progress progress) throws IOException {
		return DiskChanges.between(at(from), at(to), from, to, progress);
	}

	/**
	 * When the guest was paused for its memory snapshot, as the timing sidecar recorded it (QMP {@code stop}
	 * acknowledged: the guest wrote nothing after it); empty when the sidecar has no such event or there is none.
	 */
	public java.util.OptionalLong snapshotNanos() {
		if (timeline == null) return java.util.OptionalLong.empty();
		return timeline.firstEvent("qmp", "stopped").map(s -> java.util.OptionalLong.of(s.epochNanos())).orElse(java.util.OptionalLong.empty());
	}

	/** The write activity along time (or entry index), for a chart and a cursor; built once, on first use. */
	public synchronized JournalActivity activity() {
		if (activity == null) activity = JournalActivity.of(journal, timeline, landmarks);
		return activity;
	}

	/** Summary for {@code timeline}: flushes, marks, measured samples, writes per second. */
	public TimelineSummary summary() {
		return TimelineSummary.of(journal, timeline);
	}

	@Override
	public void close() throws IOException {
		try {
			index.close();
			journal.close();
		} finally {
			if (ownsBase) base.close();
		}
	}
}
