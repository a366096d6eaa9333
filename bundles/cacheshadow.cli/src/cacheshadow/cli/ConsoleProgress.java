package cacheshadow.cli;

import java.io.PrintStream;

import cacheshadow.layers.Progress;

/** A progress line on stderr, redrawn at most five times a second, finished with a newline. */
final class ConsoleProgress implements Progress {
	private final PrintStream err;
	private String task = "";
	private long total;
	private long done;
	private long lastDraw;
	private final long started = System.nanoTime();
	/** Redrawing a line with \r only makes sense on a terminal; into a log, only the start and the end of a task go. */
	private final boolean terminal = System.console() != null;

	ConsoleProgress(PrintStream err) {
		this.err = err;
	}

	@Override
	public void begin(String task, long totalWork) {
		finish();
		this.task = task;
		this.total = totalWork;
		this.done = 0;
		this.lastDraw = 0;
		draw();
	}

	@Override
	public void worked(long units) {
		done += units;
		long now = System.nanoTime();
		boolean finished = total > 0 && done >= total;
		if (finished || (terminal && now - lastDraw > 200_000_000L)) {
			lastDraw = now;
			draw();
		}
	}

	private void draw() {
		if (total >= 16 << 20) {
			err.printf("\r  %s  %3d%% (%d/%d MiB)", task, done * 100 / total, done >> 20, total >> 20);
		} else if (total > 0) {
			err.printf("\r  %s  %3d%% (%d/%d)", task, done * 100 / total, done, total);
		} else {
			err.printf("\r  %s  %d", task, done);
		}
	}

	/** Ends the current line, if any. */
	void finish() {
		if (!task.isEmpty()) {
			err.println();
			task = "";
		}
	}

	/** One line of its own (e.g. a live refresh's pause and refresh times). */
	void line(String text) {
		finish();
		err.println(text);
	}

	double seconds() {
		return (System.nanoTime() - started) / 1e9;
	}
}
