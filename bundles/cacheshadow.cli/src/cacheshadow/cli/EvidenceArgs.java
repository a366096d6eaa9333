package cacheshadow.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import cacheshadow.layers.Progress;
import cacheshadow.merge.LiveMerge;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.View;

/**
 * The evidence options the merge commands share ({@code --memory M --disk D [--kernel DIR] [--view V]
 * [--no-journal-replay] [--sweep]}, or a running guest instead of {@code --memory}: {@link AttachArgs}), and
 * opening the merge from them.
 */
final class EvidenceArgs {
	static final Set<String> OPTIONS = union(Set.of("memory", "disk", "kernel", "view"), AttachArgs.OPTIONS);
	static final Set<String> FLAGS = Set.of("no-journal-replay", "sweep", "partial");
	/** The --partial option as every command that opens a snapshot or a disk image describes it. */
	static final String PARTIAL_USAGE = """
			  --partial         analyze evidence cut short (an ELF core, LiME file, raw or qcow2 disk image whose
			                    ranges run past the end of the file) as far as it goes: the missing ranges are
			                    holes, every path whose row rests on them is flagged (an evidence-missing finding
			                    each, a 'missing' column in manifests), and a summary says how many bytes of the
			                    declared ranges are missing. Without it such evidence is refused (exit 2)
			""";
	static final String USAGE = """
			  --memory M        memory snapshot: ELF core, LiME or raw (format from content)
			  --disk D          the guest's disk image: raw or qcow2 (ext4, matched to the cached super block by UUID)
			  --kernel DIR      optional: vmlinux.btf or vmlinux, System.map or kallsyms; without it the BTF and
			                    the symbols come from the snapshot itself
			  --no-journal-replay
			                    the disk-only view reads the image as it lies (default: after jbd2 replay, as
			                    a mount would see it)
			  --sweep           also search all of memory for planted copies of init_task (decoys); with
			                    --kernel the kernel is otherwise located in a few reads per 2 MiB
			""" + PARTIAL_USAGE + AttachArgs.USAGE;

	final Path memory, disk, kernel;
	final View view;
	final boolean replayJournal, sweep, partial;
	/** A running guest instead of a snapshot (then {@link #memory} is its RAM file). */
	final AttachArgs live;

	EvidenceArgs(Args a, View defaultView, boolean diskRequired) throws UsageException {
		live = new AttachArgs(a, a.path("memory"), true);
		memory = live.live() ? live.ram : a.path("memory");
		disk = live.disk(a.path("disk"));
		kernel = live.kernel(a.path("kernel"));
		replayJournal = !a.flag("no-journal-replay");
		sweep = a.flag("sweep");
		partial = a.flag("partial");
		if (partial && live.live()) throw new UsageException("--partial reads a snapshot or disk image cut short; a running guest's memory is whole");
		if (sweep && live.live()) throw new UsageException("--sweep searches a snapshot; with a running guest the kernel is located once before the pause");
		String v = a.option("view");
		View parsed = v == null ? (disk == null ? View.CACHE_ONLY : defaultView) : View.fromLabel(v);
		if (parsed == null) throw new UsageException("--view " + v + ": one of merged, cache-only, disk-only");
		view = parsed;
		if (disk == null && (diskRequired || view != View.CACHE_ONLY)) {
			throw new UsageException((diskRequired ? "this command" : "--view " + view.label()) + " needs --disk D");
		}
	}

	MergedFileSystem open(Progress progress) throws IOException {
		if (!live.live()) return MergedFileSystem.open(memory, disk, kernel, replayJournal, sweep, partial, progress);
		// the views read only the pages copied while paused, so the guest (QMP, RAM mapping) is let go at once
		try (cacheshadow.pagecache.LiveGuest guest = live.attach()) {
			LiveMerge.Refresh r = LiveMerge.refresh(guest, guest.kernelFiles(kernel, progress), disk, replayJournal, LiveMerge.listing(view, disk != null), progress);
			String line = "live guest " + live.ram + ": " + r.timings();
			if (progress instanceof ConsoleProgress c) c.line(line);
			else System.err.println(line);
			return r.fs();
		}
	}

	static Set<String> union(Set<String> a, Set<String> b) {
		Set<String> u = new HashSet<>(a);
		u.addAll(b);
		return Set.copyOf(u);
	}
}
