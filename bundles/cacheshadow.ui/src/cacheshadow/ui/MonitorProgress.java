package cacheshadow.ui;

import org.eclipse.core.runtime.IProgressMonitor;

import cacheshadow.layers.Progress;

/**
 * Core {@link Progress} shown in the Progress view: work units are scaled into an int budget per task, since
 * evidence sizes overflow {@link IProgressMonitor}'s int ticks.
 */
final class MonitorProgress implements Progress {
	private static final int TICKS = 10_000;
	private final IProgressMonitor monitor;
	private long total;
	private long done;
	private int ticked;

	MonitorProgress(IProgressMonitor monitor) {
		this.monitor = monitor;
	}

	@Override
	public void begin(String task, long totalWork) {
		if (ticked > 0 || total != 0) monitor.done();
		monitor.beginTask(task, totalWork > 0 ? TICKS : IProgressMonitor.UNKNOWN);
		total = totalWork;
		done = 0;
		ticked = 0;
	}

	@Override
	public void worked(long units) {
		done += units;
		if (total <= 0) return;
		int now = (int) Math.min(TICKS, done * TICKS / total);
		if (now > ticked) {
			monitor.worked(now - ticked);
			ticked = now;
		}
	}

	@Override
	public boolean isCanceled() {
		return monitor.isCanceled();
	}
}
