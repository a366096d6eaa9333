package cacheshadow.ui;

import java.io.IOException;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;

import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.Status;
import org.eclipse.core.runtime.jobs.ISchedulingRule;
import org.eclipse.core.runtime.jobs.Job;

import cacheshadow.cases.Case;
import cacheshadow.merge.LiveChanges;
import cacheshadow.merge.LiveWatch;
import cacheshadow.pagecache.LiveGuest;
import cacheshadow.pagecache.LiveSnapshot;

/**
 * The running guest the workbench is attached to (one at a time, within the open case). Its refreshes run as a
 * background Job with progress, on demand and every N seconds when the examiner chose an interval; each refresh's
 * frozen views become the case's analysis, so the File System view follows them and highlights the changes since the
 * refresh before. "Snapshot now" saves the guest's RAM and disk into the case as evidence. The forensic work is the
 * core's ({@link LiveWatch}, {@link LiveSnapshot}); here it is only scheduled: refreshes and snapshots never overlap
 * (QEMU's QMP socket is one connection), and closing the case detaches.
 */
public final class AttachedGuest {
	/** Family of the refresh Job (not {@link CaseJobs#FAMILY}: with an interval it is always scheduled again). */
	public static final Object FAMILY = new Object();
	private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss'Z'").withZone(ZoneOffset.UTC);
	private static volatile AttachedGuest current, latest;
	private static final List<Runnable> listeners = new CopyOnWriteArrayList<>();

	/**
	 * What the examiner chose: a live folder ({@code make-evidence.sh --live DIR}: {@code ram}, {@code qmp.sock},
	 * {@code disk.img}, {@code kernel/}) or a RAM file and QMP socket; the guest's disk image (the changes are told
	 * against it; in a live folder {@code DIR/disk.img} when not given); seconds between refreshes (0: only on demand).
	 */
	public record Request(Path liveDir, Path ram, Path qmp, Path disk, int everySeconds) {
		/** What is wrong with the request, or null when it can be tried. */
		public String problem() {
			if (liveDir == null && (ram == null || qmp == null)) return "Choose a live folder, or a RAM file and a QMP socket.";
			if (diskImage() == null) return "Choose the guest's disk image (the changes are told against it).";
			if (everySeconds < 0) return "The refresh interval cannot be negative.";
			return null;
		}

		Path diskImage() {
			return disk != null ? disk : liveDir != null ? LiveGuest.diskIn(liveDir) : null;
		}

		/** How the guest is named in the status line and the custody log. */
		String label() {
			return liveDir != null ? liveDir.toString() : ram + " + " + qmp;
		}
	}

	private final Case kase;
	private final LiveGuest guest;
	private final LiveWatch watch;
	private final String label;
	private final int everySeconds;
	private final ISchedulingRule qmp = new ISchedulingRule() {
		@Override
		public boolean contains(ISchedulingRule rule) {
			return rule == this;
		}

		@Override
		public boolean isConflicting(ISchedulingRule rule) {
			return rule == this;
		}
	};
	private final RefreshJob refresher = new RefreshJob();
	private volatile LiveWatch.Step last;
	private volatile String problem;
	private volatile boolean detached;

	private AttachedGuest(Case kase, LiveGuest guest, LiveWatch watch, String label, int everySeconds) {
		this.kase = kase;
		this.guest = guest;
		this.watch = watch;
		this.label = label;
		this.everySeconds = everySeconds;
	}

	/** The guest attached now, or null. */
	public static AttachedGuest current() {
		return current;
	}

	/** The guest attached last, attached still or detached since; null before any. */
	public static AttachedGuest latest() {
		return latest;
	}

	/** Called (on any thread) when a guest is attached or detached, or refreshed. */
	public static void addListener(Runnable r) {
		listeners.add(r);
	}

	public static void removeListener(Runnable r) {
		listeners.remove(r);
	}

	private static void changed() {
		for (Runnable r : listeners) r.run();
	}

	static {
		// the guest belongs to the case it was attached in: detached (and logged there) before that case closes
		CaseSession.get().addClosingListener(c -> {
			AttachedGuest g = current;
			if (g != null && g.kase == c) g.detach();
		});
	}

	/**
	 * Attaches (QMP, the RAM file mapped read-only), finds the kernel while the guest runs, records it in the custody
	 * log, then runs the first refresh. A guest attached before is detached first.
	 */
	public static Job attach(Request r) {
		Job j = new CaseJobs.CaseJob("Attaching to the running guest " + r.label()) {
			@Override
			IStatus work(Case c, MonitorProgress p) throws IOException {
				String why = r.problem();
				if (why != null) return Status.error(why);
				AttachedGuest old = current;
				if (old != null) old.detach();
				LiveGuest g = r.liveDir() != null ? LiveGuest.attach(r.liveDir()) : LiveGuest.attach(r.ram(), r.qmp());
				try {
					Path kernel = r.liveDir() != null ? LiveGuest.kernelIn(r.liveDir()) : null;
					LiveWatch w = LiveWatch.start(g, kernel, r.diskImage(), true, List.of(), p);
					c.appendCustody("live-attached", "running guest " + r.label() + " (RAM " + g.ramFile() + ", QMP " + g.socket() + ") against disk "
							+ r.diskImage() + "; refresh " + (r.everySeconds() > 0 ? "every " + r.everySeconds() + " s" : "on demand"));
					AttachedGuest a = new AttachedGuest(c, g, w, r.label(), r.everySeconds());
					current = latest = a;
					changed();
					a.refreshNow();
					return Status.OK_STATUS;
				} catch (IOException | RuntimeException e) {
					close(g);
					throw e;
				}
			}
		};
		j.schedule();
		return j;
	}

	private static void close(LiveGuest g) {
		if (g == null) return;
		try {
			g.close();
		} catch (IOException e) {
			// letting go of a socket and a read-only mapping
		}
	}

	/** Refreshes now (after a refresh under way); with an interval, the next one follows it by the interval. */
	public void refreshNow() {
		if (detached) return;
		if (refresher.getState() == Job.SLEEPING) refresher.wakeUp(); // waiting for the interval: now instead
		else refresher.schedule();
	}

	/** The refresh Job (for tests and the Progress view): one instance, scheduled again for each refresh. */
	public Job refreshJob() {
		return refresher;
	}

	/** The last refresh, or null before the first; its views are the case's analysis until the next one. */
	public LiveWatch.Step lastStep() {
		return last;
	}

	/** Why the last refresh failed, or null. */
	public String problem() {
		return problem;
	}

	public boolean detached() {
		return detached;
	}

	public int everySeconds() {
		return everySeconds;
	}

	/** The paths of the last refresh's changes (since the refresh before): what the File System view highlights. */
	public Set<String> changedPaths() {
		LiveWatch.Step s = last;
		Set<String> out = new LinkedHashSet<>();
		if (s != null) for (LiveChanges.Change c : s.changes()) out.add(c.path());
		return out;
	}

	/**
	 * The status line's text, short enough for it: the guest, the last refresh and when its guest was paused, how long
	 * the pause and the whole refresh took, how many changes since the refresh before (or the disk), the interval.
	 */
	public String statusText() {
		LiveWatch.Step s = last;
		StringBuilder b = new StringBuilder("Guest " + label + " — ");
		if (detached) return b.append("detached after ").append(watch.count()).append(" refresh(es)").toString();
		if (s == null) b.append(problem != null ? "refresh failed: " + problem : "first refresh under way…");
		else {
			int n = s.changes().size();
			b.append(String.format("refresh %d at %s: paused %.0f ms, refresh %.0f ms, %d change%s since %s", s.number(), CLOCK.format(s.pausedAt()),
					s.refresh().pausedNanos() / 1e6, s.refresh().refreshNanos() / 1e6, n, n == 1 ? "" : "s",
					s.number() == 1 ? "the disk" : "refresh " + (s.number() - 1)));
			if (problem != null) b.append(" — then failed: ").append(problem);
		}
		return b.append(everySeconds > 0 ? " — every " + everySeconds + " s" : " — on demand").toString();
	}

	/** Saves the guest's RAM and disk into the case as evidence (hashed, in the custody log); between refreshes. */
	public Job snapshotNow() {
		Job j = new CaseJobs.CaseJob("Snapshot of the running guest") {
			@Override
			IStatus work(Case c, MonitorProgress p) throws IOException {
				if (detached) return Status.error("The guest is no longer attached");
				LiveSnapshot.Result r = LiveSnapshot.intoCase(kase, guest, watch.disk(), p);
				return new Status(IStatus.OK, CaseJobs.PLUGIN, String.format("Snapshot at %s in %s (guest paused %.0f ms)", r.pausedAt(),
						r.memory().getParent(), r.pausedNanos() / 1e6));
			}
		};
		j.setRule(qmp);
		j.schedule();
		return j;
	}

	/**
	 * Lets go of the guest once a refresh or snapshot under way has ended (they resume it): no more refreshes; the
	 * last refresh's views stay shown. Recorded in the custody log. Waits for that refresh or snapshot, so a case
	 * about to close still records it.
	 */
	public void detach() {
		synchronized (this) {
			if (detached) return;
			detached = true;
		}
		refresher.cancel();
		if (current == this) current = null;
		Job.getJobManager().beginRule(qmp, null);
		try {
			close(guest);
			kase.appendCustody("live-detached", "running guest " + label + " after " + watch.count() + " refresh(es)");
		} catch (IOException e) {
			// the case is closed already: its log is final
		} finally {
			Job.getJobManager().endRule(qmp);
		}
		changed();
	}

	/** One refresh; scheduled again after the interval while attached. */
	private final class RefreshJob extends Job {
		RefreshJob() {
			super("Refreshing the running guest");
			setRule(qmp);
		}

		@Override
		public boolean belongsTo(Object family) {
			return family == FAMILY;
		}

		@Override
		protected IStatus run(IProgressMonitor monitor) {
			if (detached) return Status.CANCEL_STATUS;
			long t0 = System.currentTimeMillis();
			IStatus result = Status.OK_STATUS;
			try {
				LiveWatch.Step s = watch.refresh(new MonitorProgress(monitor));
				if (detached) {
					s.refresh().fs().close();
					return Status.CANCEL_STATUS;
				}
				problem = null;
				last = s;
				CaseSession.get().setAnalysis(s.refresh().fs()); // the File System view follows (and closes the views before)
			} catch (CancellationException e) {
				result = Status.CANCEL_STATUS;
			} catch (IOException | RuntimeException e) {
				problem = e.getMessage() == null ? e.toString() : e.getMessage();
				result = Status.warning("Refresh of the running guest failed: " + problem);
			} finally {
				monitor.done();
			}
			changed();
			if (everySeconds > 0 && !detached) schedule(Math.max(0, everySeconds * 1000L - (System.currentTimeMillis() - t0)));
			return result;
		}
	}
}
