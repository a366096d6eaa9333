package cacheshadow.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import cacheshadow.cases.Case;
import cacheshadow.cases.CaseException;
import cacheshadow.cases.CaseInputs;
import cacheshadow.journal.DiskHistory;
import cacheshadow.journal.JournalBase;
import cacheshadow.journal.JournalFormat;
import cacheshadow.journal.WriteLog;
import cacheshadow.layers.Progress;
import cacheshadow.merge.MergedFileSystem;

/**
 * What a case's registered evidence opens to, chosen one way for the workbench's jobs and the command line's
 * {@code report}: the merge of its memory snapshot over its disk ({@link CaseInputs}: the first of each kind), and
 * the disk's history from its write journal over the disk image the journal was recorded against (chosen by content,
 * {@link JournalBase}), with the timing sidecar, indexed into the case folder's {@code index/}.
 */
public final class CaseModels {
	private CaseModels() {
	}

	/** The journal's history over its base, and which base was chosen and why. */
	public record History(DiskHistory history, JournalBase base, String journal, Path timing, String note) {
	}

	/**
	 * The caches of the case's memory snapshot merged over its disk (jbd2 replayed as a mount would). {@code kernelDir}:
	 * the kernel files' folder ({@link CaseInputs#kernelDir()} or the examiner's default), or null for the snapshot alone.
	 */
	public static MergedFileSystem merge(CaseInputs in, Path kernelDir, Progress p) throws IOException {
		return merge(in, kernelDir, false, p);
	}

	/** As {@link #merge(CaseInputs, Path, Progress)}; {@code partial} analyzes evidence cut short as far as it goes. */
	public static MergedFileSystem merge(CaseInputs in, Path kernelDir, boolean partial, Progress p) throws IOException {
		if (in.memory().isEmpty()) throw new CaseException("The case has no memory snapshot to analyze");
		return MergedFileSystem.open(Path.of(in.memory().get().path()), in.disk().map(d -> Path.of(d.path())).orElse(null), kernelDir, true, false, partial, p);
	}

	/**
	 * The case's write journal over the disk image it was recorded against, with its timing sidecar, indexed (the
	 * index is kept in the case folder and reused while it matches); null when the case has no journal.
	 */
	public static History history(Case c, CaseInputs in, Progress p) throws IOException {
		if (in.journal().isEmpty()) return null;
		if (in.disks().isEmpty()) throw new CaseException("The case has a write journal but no disk image to replay it onto");
		String journal = in.journal().get().path(); // a file, or a webhdfs:// URL read in place
		JournalBase base;
		try (WriteLog log = JournalFormat.open(journal)) {
			base = JournalBase.choose(in.disks().stream().map(d -> Path.of(d.path())).toList(), log);
		}
		Path index = c.dir().resolve("index");
		Files.createDirectories(index);
		Path timing = in.timing().map(t -> Path.of(t.path())).orElse(null);
		DiskHistory h = DiskHistory.open(base.base(), journal, timing, index.resolve("journal-" + in.journal().get().id() + ".idx"), p);
		return new History(h, base, journal, timing, "journal " + in.journal().get().fileName() + " over " + base.base().getFileName() + ": " + base.note());
	}

	/**
	 * The guest path the disk's root is mounted at, so the disk at an instant lines up with the analysis' paths (and
	 * with the guest's own listings); "/" without an analysis that found the mount of one disk.
	 */
	public static String mountPrefix(MergedFileSystem m) {
		if (m != null && m.disks().size() == 1 && m.disks().get(0).mount() != null) return m.disks().get(0).mount().path();
		return "/";
	}
}
