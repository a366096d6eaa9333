package cacheshadow.ui;

import java.awt.Font;
import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;

import org.eclipse.swt.SWT;
import org.eclipse.swt.events.KeyAdapter;
import org.eclipse.swt.events.KeyEvent;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Scale;
import org.eclipse.swt.widgets.Text;
import org.eclipse.ui.part.ViewPart;
import org.jfree.chart.ChartMouseEvent;
import org.jfree.chart.ChartMouseListener;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.swt.ChartComposite;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.Range;

import cacheshadow.journal.DiskHistory;
import cacheshadow.journal.InstantSpec;
import cacheshadow.journal.JournalActivity;
import cacheshadow.journal.JournalCut;
import cacheshadow.journal.ResolvedInstant;
import cacheshadow.journal.SearchHits;
import cacheshadow.journal.TimelineSummary;
import cacheshadow.report.TimelineChart;

/**
 * The case's write journal over time: blocks written per interval (exactly placed writes solid, writes placed by an
 * interpolated time hatched lighter), flushes, marks, the timing sidecar's measured samples and events, and the
 * instant of the memory snapshot. Cursor A (the case's current instant) follows a click, the slider, a typed instant
 * ({@code time:}, {@code entry:N}, {@code flush:K}, {@code mark:TEXT}, {@code end}) or the keys: ←/→ previous/next
 * write, Shift+←/→ flush, Ctrl+←/→ mark, +/− zoom, Home fit all, PgUp/PgDn pan. Shift+click (or "B = A") places
 * cursor B. Everything shown is computed by the journal bundle ({@link JournalActivity}, {@link TimelineSummary}).
 */
public class TimelineView extends ViewPart {
	public static final String ID = "cacheshadow.ui.timelineView";

	private Label header, status;
	/** The rows of a search hit list that name the journal shown (as {@code search} wrote them), in file order. */
	private java.util.List<SearchHits.Hit> hits = java.util.List.of();
	/** The whole list opened, its file, and how many of its rows name other journals. */
	private java.util.List<SearchHits.Hit> allHits = java.util.List.of();
	/** Where the hits came from (the hit list's file name, or the search run), null before any. */
	private String hitsSource;
	private org.eclipse.swt.widgets.Table hitsTable;
	private ChartComposite chartComposite;
	private JFreeChart chart;
	private XYPlot plot;
	/** The chart of {@link #shown}, as the examiner's report draws it too. */
	private TimelineChart timeline;
	private Scale slider;
	private Text jump;
	private DiskHistory shown;
	private ValueMarker markerA, markerB;
	private final Runnable caseListener = () -> asyncRefresh(false);
	/** The case the header was written for (its "no journal" text depends on whether one is open). */
	private Object headerCase;
	private final Runnable instantListener = () -> asyncRefresh(true);

	@Override
	public void createPartControl(Composite parent) {
		parent.setLayout(new GridLayout(1, false));
		header = new Label(parent, SWT.WRAP);
		header.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
		chartComposite = new ChartComposite(parent, SWT.NONE, null, true);
		GridData cg = new GridData(SWT.FILL, SWT.FILL, true, true);
		cg.heightHint = 220;
		cg.minimumHeight = 100; // a hit list below it must not squeeze the chart away in a small view
		chartComposite.setLayoutData(cg);
		chartComposite.setRangeZoomable(false);
		chartComposite.addChartMouseListener(new ChartMouseListener() {
			@Override
			public void chartMouseClicked(ChartMouseEvent e) {
				if (shown == null || e.getTrigger().getButton() != java.awt.event.MouseEvent.BUTTON1) return;
				// a search hit's mark (its triangle, or its line within a few pixels): cursor A to the disk after the
				// entry that wrote the known block
				if (e.getEntity() instanceof org.jfree.chart.entity.XYItemEntity it && timeline != null && timeline.hitCount() > 0
						&& it.getDataset() == plot.getDataset(TimelineChart.HITS_DATASET)) {
					setCursorA(timeline.hitEntries(it.getItem()));
					return;
				}
				int hit = hitNear(e.getTrigger().getX(), e.getTrigger().getY());
				if (hit >= 0 && !e.getTrigger().isShiftDown()) {
					setCursorA(hit);
					return;
				}
				long pos = positionAt(e.getTrigger().getX(), e.getTrigger().getY());
				int entries = shown.activity().entriesAt(pos);
				if (e.getTrigger().isShiftDown()) setCursorB(entries);
				else setCursorA(entries);
			}

			@Override
			public void chartMouseMoved(ChartMouseEvent e) {
			}
		});
		slider = new Scale(parent, SWT.HORIZONTAL);
		slider.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
		slider.addListener(SWT.Selection, e -> {
			if (shown != null) setCursorA(slider.getSelection());
		});
		Composite bar = new Composite(parent, SWT.NONE);
		bar.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
		bar.setLayout(new GridLayout(11, false));
		new Label(bar, SWT.NONE).setText("Go to:");
		jump = new Text(bar, SWT.BORDER | SWT.SINGLE);
		GridData jg = new GridData(SWT.FILL, SWT.CENTER, false, false);
		jg.widthHint = 260;
		jump.setLayoutData(jg);
		jump.setMessage("time:ISO | entry:N | flush:K | mark:TEXT | end");
		jump.addListener(SWT.DefaultSelection, e -> jumpTo(jump.getText()));
		button(bar, "◀ write", "Previous write (← on the chart, Alt+← anywhere)", () -> move(Move.PREVIOUS_WRITE));
		button(bar, "write ▶", "Next write (→, Alt+→)", () -> move(Move.NEXT_WRITE));
		button(bar, "◀ flush", "Previous flush (Shift+←, Alt+Shift+←)", () -> move(Move.PREVIOUS_FLUSH));
		button(bar, "flush ▶", "Next flush (Shift+→, Alt+Shift+→)", () -> move(Move.NEXT_FLUSH));
		button(bar, "◀ mark", "Previous mark (Ctrl+←, Alt+Ctrl+←)", () -> move(Move.PREVIOUS_MARK));
		button(bar, "mark ▶", "Next mark (Ctrl+→, Alt+Ctrl+→)", () -> move(Move.NEXT_MARK));
		button(bar, "B = A", "Put cursor B where A is (or Shift+click the chart; Ctrl+Shift+B)", this::placeBAtA);
		button(bar, "Fit all", "Show the whole journal (Home)", this::fitAll);
		status = new Label(parent, SWT.WRAP);
		status.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
		hitsTable = new org.eclipse.swt.widgets.Table(parent, SWT.BORDER | SWT.FULL_SELECTION | SWT.SINGLE | SWT.V_SCROLL);
		GridData hg = new GridData(SWT.FILL, SWT.FILL, true, false);
		hg.heightHint = 90;
		hg.exclude = true;
		hitsTable.setLayoutData(hg);
		hitsTable.setVisible(false);
		hitsTable.setHeaderVisible(true);
		for (String[] c : new String[][] { { "Entry", "70" }, { "Time", "250" }, { "Sector", "90" }, { "Known file", "320" }, { "File offset", "90" } }) {
			org.eclipse.swt.widgets.TableColumn col = new org.eclipse.swt.widgets.TableColumn(hitsTable, SWT.NONE);
			col.setText(c[0]);
			col.setWidth(Integer.parseInt(c[1]));
		}
		hitsTable.addListener(SWT.Selection, e -> {
			int i = hitsTable.getSelectionIndex();
			if (i >= 0 && i < hits.size() && shown != null) {
				int to = hits.get(i).entriesAfter();
				setCursorA(to);
				reveal(shown.activity().position(to));
			}
		});
		KeyAdapter keys = new KeyAdapter() {
			@Override
			public void keyPressed(KeyEvent e) {
				if (handleKey(e.keyCode, e.stateMask)) e.doit = false;
			}
		};
		chartComposite.addKeyListener(keys);
		slider.addKeyListener(keys);
		// the wheel zooms around the time under the pointer (up: in), Shift+wheel pans; the chart draws on a canvas
		// inside the composite, which is what gets the mouse
		org.eclipse.swt.widgets.Listener wheel = e -> {
			if (shown == null || plot == null || e.count == 0) return;
			org.eclipse.swt.graphics.Point p = chartComposite.toControl(((org.eclipse.swt.widgets.Control) e.widget).toDisplay(e.x, e.y));
			if ((e.stateMask & SWT.SHIFT) != 0) pan(e.count > 0 ? -0.2 : 0.2);
			else zoomAt(toChart(positionAt(p.x, p.y)), e.count > 0 ? 0.8 : 1.25);
			e.doit = false;
		};
		for (org.eclipse.swt.widgets.Control c : chartComposite.getChildren()) {
			c.addKeyListener(keys); // the canvas holds the focus
			c.addListener(SWT.MouseVerticalWheel, wheel);
			c.addListener(SWT.MouseDown, e -> chartComposite.setFocus());
		}
		chartComposite.addListener(SWT.MouseVerticalWheel, wheel);
		chartComposite.addListener(SWT.MouseDown, e -> chartComposite.setFocus());
		CaseSession.get().addListener(caseListener);
		CaseSession.get().addInstantListener(instantListener);
		refresh();
	}

	private void button(Composite bar, String text, String tip, Runnable r) {
		Button b = new Button(bar, SWT.PUSH);
		b.setText(text);
		b.setToolTipText(tip);
		b.addListener(SWT.Selection, e -> r.run());
	}

	/** Keyboard of the chart and slider; true when the key was used. */
	public boolean handleKey(int keyCode, int stateMask) {
		if (shown == null) return false;
		boolean shift = (stateMask & SWT.SHIFT) != 0, ctrl = (stateMask & SWT.CTRL) != 0;
		switch (keyCode) {
		case SWT.ARROW_LEFT:
			move(ctrl ? Move.PREVIOUS_MARK : shift ? Move.PREVIOUS_FLUSH : Move.PREVIOUS_WRITE);
			return true;
		case SWT.ARROW_RIGHT:
			move(ctrl ? Move.NEXT_MARK : shift ? Move.NEXT_FLUSH : Move.NEXT_WRITE);
			return true;
		case SWT.HOME:
			fitAll();
			return true;
		case '+':
		case '=':
		case SWT.KEYPAD_ADD:
			zoom(0.5);
			return true;
		case '-':
		case SWT.KEYPAD_SUBTRACT:
			zoom(2);
			return true;
		case SWT.PAGE_UP:
			pan(-0.5);
			return true;
		case SWT.PAGE_DOWN:
			pan(0.5);
			return true;
		default:
			return false;
		}
	}

	/** Where cursor A can step to, as the journal's activity computes it. */
	public enum Move {
		PREVIOUS_WRITE, NEXT_WRITE, PREVIOUS_FLUSH, NEXT_FLUSH, PREVIOUS_MARK, NEXT_MARK;

		int from(JournalActivity a, int entries) {
			return switch (this) {
			case PREVIOUS_WRITE -> a.previousWrite(entries);
			case NEXT_WRITE -> a.nextWrite(entries);
			case PREVIOUS_FLUSH -> a.previousFlush(entries);
			case NEXT_FLUSH -> a.nextFlush(entries);
			case PREVIOUS_MARK -> a.previousMark(entries);
			case NEXT_MARK -> a.nextMark(entries);
			};
		}
	}

	/** Steps cursor A (and keeps it in view). */
	public void move(Move m) {
		ResolvedInstant a = CaseSession.get().cursorA();
		if (shown == null || a == null) return;
		int to = m.from(shown.activity(), a.entryCount());
		setCursorA(to);
		reveal(shown.activity().position(to));
	}

	/** Cursor B where cursor A is. */
	public void placeBAtA() {
		ResolvedInstant a = CaseSession.get().cursorA();
		if (a != null) setCursorB(a.entryCount());
	}

	/** Puts the keyboard focus into the "Go to" field. */
	public void focusGoTo() {
		jump.setFocus();
		jump.selectAll();
	}

	/** Moves cursor A to the state after {@code entries} entries (as the CLI's {@code entry:N}). */
	public void setCursorA(int entries) {
		if (shown == null) return;
		ResolvedInstant a = shown.resolve(InstantSpec.entry(entries).toString());
		CaseSession.get().setCursors(a, CaseSession.get().cursorB());
	}

	public void setCursorB(int entries) {
		if (shown == null) return;
		CaseSession.get().setCursors(CaseSession.get().cursorA(), shown.resolve(InstantSpec.entry(entries).toString()));
	}

	/** Resolves a typed instant as the CLI's {@code --at} does and moves cursor A there; a bad one is said in red. */
	public void jumpTo(String instant) {
		if (shown == null) return;
		try {
			ResolvedInstant a = shown.resolve(instant);
			CaseSession.get().setCursors(a, CaseSession.get().cursorB());
			reveal(shown.activity().position(a.entryCount()));
		} catch (IllegalArgumentException e) {
			status.setForeground(status.getDisplay().getSystemColor(SWT.COLOR_RED));
			status.setText(e.getMessage());
			status.getParent().layout();
		}
	}

	/** The entries applied at the hit mark within 6 pixels of the canvas point, or -1. */
	private int hitNear(int x, int y) {
		if (timeline == null || timeline.hitCount() == 0) return -1;
		Point2D p = chartComposite.translateScreenToJava2D(new java.awt.Point(x, y));
		Point2D q = chartComposite.translateScreenToJava2D(new java.awt.Point(x + 6, y));
		Rectangle2D area = chartComposite.getChartRenderingInfo().getPlotInfo().getDataArea();
		double best = Math.abs(q.getX() - p.getX()) + 0.5;
		int found = -1;
		for (int i = 0; i < timeline.hitCount(); i++) {
			double hx = plot.getDomainAxis().valueToJava2D(toChart(shown.activity().position(timeline.hitEntries(i))), area, plot.getDomainAxisEdge());
			if (Math.abs(hx - p.getX()) < best) {
				best = Math.abs(hx - p.getX());
				found = timeline.hitEntries(i);
			}
		}
		return found;
	}

	private long positionAt(int x, int y) {
		Point2D p = chartComposite.translateScreenToJava2D(new java.awt.Point(x, y));
		Rectangle2D area = chartComposite.getChartRenderingInfo().getPlotInfo().getDataArea();
		return toPosition(plot.getDomainAxis().java2DToValue(p.getX(), area, plot.getDomainAxisEdge()));
	}

	/** Chart x (milliseconds for a time axis, entries otherwise) of an axis position. */
	double toChart(long position) {
		return timeline.toChart(position);
	}

	long toPosition(double chartX) {
		return timeline.toPosition(chartX);
	}

	private void asyncRefresh(boolean cursorsOnly) {
		if (chartComposite == null || chartComposite.isDisposed()) return;
		chartComposite.getDisplay().asyncExec(() -> {
			if (chartComposite.isDisposed()) return;
			if (shown != CaseSession.get().history() || shown == null && headerCase != CaseSession.get().current()) refresh();
			else if (cursorsOnly) showCursors();
		});
	}

	/** Rebuilds the chart for the case's history; call on the UI thread. */
	public void refresh() {
		DiskHistory h = CaseSession.get().history();
		shown = h;
		if (headerCase != CaseSession.get().current()) { // another case: a hit list opened on the last one is not its
			allHits = java.util.List.of();
			hitsSource = null;
		}
		headerCase = CaseSession.get().current();
		status.setText("");
		if (h == null) {
			header.setText(CaseSession.get().current() == null ? "No case open."
					: "No write journal: add a dm-log-writes or .csj journal (and its timing sidecar) to the case to see the disk at any recorded instant.");
			chartComposite.setChart(null);
			slider.setEnabled(false);
			timeline = null;
			showHits();
			header.getParent().layout();
			return;
		}
		JournalActivity act = h.activity();
		TimelineSummary sum = CaseSession.get().summary();
		JournalCut cut = cut(h);
		// a journal cut short (accepted: --partial or the examiner's yes) says where, as timeline --partial does
		header.setText(TimelineChart.headline(h, sum) + (cut == null ? "" : "\nPARTIAL JOURNAL: " + cut.shortfall() + " — its end is its last whole entry (entry "
				+ h.journal().entryCount() + "); an instant that may lie past the cut is flagged"));
		header.setToolTipText(CaseSession.get().historyNote() + "\n" + sum.timeSource());
		timeline = new TimelineChart(h, sum);
		plot = timeline.plot();
		chart = timeline.chart();
		// re-bucket whenever the visible range changes (zoom, pan, fit)
		plot.getDomainAxis().addChangeListener(e -> rebucket());
		chartComposite.setChart(chart);
		slider.setEnabled(true);
		slider.setMinimum(0);
		slider.setMaximum(Math.max(1, act.entryCount()));
		slider.setPageIncrement(Math.max(1, act.entryCount() / 20));
		if (cut != null) {
			ValueMarker m = timeline.marker(act.position(act.entryCount()), TimelineChart.SNAPSHOT, 1.5f, "journal cut", new Font(Font.SANS_SERIF, Font.BOLD, 11));
			m.setStroke(new java.awt.BasicStroke(1.5f, java.awt.BasicStroke.CAP_BUTT, java.awt.BasicStroke.JOIN_MITER, 1f, new float[] { 6f, 3f }, 0f));
			m.setLabelAnchor(RectangleAnchor.BOTTOM_LEFT);
			m.setLabelTextAnchor(TextAnchor.BOTTOM_RIGHT);
			plot.addDomainMarker(m, Layer.FOREGROUND);
		}
		showHits();
		fitAll();
		showCursors();
		header.getParent().layout();
	}

	/**
	 * Opens a search hit list ({@code ./cacheshadow search --out HITS.tsv}) on the journal shown: its hits of this
	 * journal are marked on the chart and listed below it; a click on either moves cursor A to the disk after the
	 * entry that wrote the known block. Read off the UI thread; a file that is no hit list is said in red.
	 */
	public void openHits(java.nio.file.Path tsv) {
		CaseJobs.background("Reading search hits " + tsv.getFileName(), () -> {
			try {
				java.util.List<SearchHits.Hit> read = SearchHits.read(tsv);
				UiThread.later(chartComposite, () -> setHits(read, tsv.getFileName().toString()));
			} catch (java.io.IOException | RuntimeException e) {
				UiThread.later(chartComposite, () -> {
					status.setForeground(status.getDisplay().getSystemColor(SWT.COLOR_RED));
					status.setText(e.getMessage());
					status.getParent().layout();
				});
			}
		});
	}

	/**
	 * Shows {@code all} (a hit list, or a search run here: {@link CaseJobs#search}) from {@code source}; call on the
	 * UI thread.
	 */
	public void setHits(java.util.List<SearchHits.Hit> all, String source) {
		allHits = all;
		hitsSource = source;
		showHits();
		showCursors();
	}

	/** The hits of the list opened that name the journal shown. */
	public java.util.List<SearchHits.Hit> hits() {
		return hits;
	}

	public org.eclipse.swt.widgets.Table hitsTable() {
		return hitsTable;
	}

	/** The hit list's rows of the journal shown: on the chart, in the table, counted in the header's last line. */
	private void showHits() {
		hits = shown == null || allHits.isEmpty() ? java.util.List.of() : SearchHits.of(shown.journal(), allHits);
		if (timeline != null) timeline.hits(hits);
		hitsTable.removeAll();
		for (SearchHits.Hit h : hits) {
			org.eclipse.swt.widgets.TableItem it = new org.eclipse.swt.widgets.TableItem(hitsTable, SWT.NONE);
			it.setText(new String[] { Long.toString(h.entry()), h.time(), Long.toString(h.sector()), h.file(), Long.toString(h.fileOffset()) });
		}
		boolean any = hitsSource != null && shown != null;
		((GridData) hitsTable.getLayoutData()).exclude = !any;
		hitsTable.setVisible(any);
		String line = !any ? "" : String.format("SEARCH HITS: %,d of %s in %,d entries of this journal (red triangles; click one, or a row below)%s", hits.size(),
				hitsSource, hits.stream().mapToInt(SearchHits.Hit::entry).distinct().count(),
				allHits.size() > hits.size() ? String.format("; %,d rows name other journals, not shown", allHits.size() - hits.size()) : "");
		String text = header.getText();
		int at = text.indexOf("\nSEARCH HITS: ");
		if (at >= 0) text = text.substring(0, at);
		header.setText(line.isEmpty() ? text : text + "\n" + line);
		header.getParent().layout();
	}

	/** Where {@code h}'s journal is cut short, or null for a whole one. */
	private static JournalCut cut(DiskHistory h) {
		JournalCut c = CaseSession.get().journalCut();
		return c != null && h != null && c.log() == h.journal() ? c : null;
	}

	/** Recomputes the bars for the visible range: as many as the preferences say, whatever the zoom. */
	private void rebucket() {
		if (shown == null || timeline == null) return;
		timeline.bucket(WorkbenchPreferences.timelineBars());
	}

	/** The whole journal, a little margin either side. */
	public void fitAll() {
		if (shown == null || timeline == null) return;
		timeline.fitAll();
	}

	private void zoom(double factor) {
		Range r = plot.getDomainAxis().getRange();
		ResolvedInstant a = CaseSession.get().cursorA();
		zoomAt(a == null ? r.getCentralValue() : toChart(shown.activity().position(a.entryCount())), factor);
	}

	/** Scales the visible range by {@code factor} keeping chart x {@code c} where it is on screen. */
	void zoomAt(double c, double factor) {
		Range r = plot.getDomainAxis().getRange();
		double lo = c - (c - r.getLowerBound()) * factor, hi = c + (r.getUpperBound() - c) * factor;
		if (hi - lo < 1e-3) return; // a microsecond (or an entry) across: as far as the axis can tell apart
		plot.getDomainAxis().setRange(lo, hi);
	}

	/** The visible range of the chart's axis (chart x: milliseconds or entries). */
	public Range visibleRange() {
		return plot == null ? null : plot.getDomainAxis().getRange();
	}

	private void pan(double fraction) {
		Range r = plot.getDomainAxis().getRange();
		double d = r.getLength() * fraction;
		plot.getDomainAxis().setRange(r.getLowerBound() + d, r.getUpperBound() + d);
	}

	/** Pans so that {@code position} is visible. */
	private void reveal(long position) {
		Range r = plot.getDomainAxis().getRange();
		double x = toChart(position);
		if (!r.contains(x)) plot.getDomainAxis().setRange(x - r.getLength() / 2, x + r.getLength() / 2);
	}

	/** Draws cursors A and B and says where A stands; call on the UI thread. */
	private void showCursors() {
		if (shown == null || plot == null) return;
		ResolvedInstant a = CaseSession.get().cursorA(), b = CaseSession.get().cursorB();
		if (markerA != null) plot.removeDomainMarker(markerA, Layer.FOREGROUND);
		if (markerB != null) plot.removeDomainMarker(markerB, Layer.FOREGROUND);
		Font bold = new Font(Font.SANS_SERIF, Font.BOLD, 12);
		markerA = a == null ? null : timeline.marker(shown.activity().position(a.entryCount()), TimelineChart.CURSOR_A, 3.5f, "A", bold);
		markerB = b == null ? null : timeline.marker(shown.activity().position(b.entryCount()), TimelineChart.CURSOR_B, 3.5f, "B", bold);
		if (markerA != null) {
			markerA.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
			markerA.setLabelTextAnchor(TextAnchor.TOP_LEFT);
			plot.addDomainMarker(markerA, Layer.FOREGROUND);
		}
		if (markerB != null) {
			markerB.setLabelAnchor(RectangleAnchor.TOP_LEFT);
			markerB.setLabelTextAnchor(TextAnchor.TOP_RIGHT);
			plot.addDomainMarker(markerB, Layer.FOREGROUND);
		}
		if (a != null && slider.getSelection() != a.entryCount()) slider.setSelection(a.entryCount());
		JournalCut cut = cut(shown);
		ResolvedInstant past = cut == null ? null : cut.reaches(a) ? a : cut.reaches(b) ? b : null;
		status.setForeground(past == null ? null : status.getDisplay().getSystemColor(SWT.COLOR_DARK_RED));
		SearchHits.Hit at = a == null ? null : hits.stream().filter(x -> x.entriesAfter() == a.entryCount()).findFirst().orElse(null);
		status.setText((a == null ? "" : "A: " + a + (b == null ? "" : "    B: " + b))
				+ (at == null ? "" : "\nA is at a search hit: entry " + at.entry() + " wrote " + at.file() + " at byte " + at.fileOffset() + " to sector " + at.sector()
						+ " (time " + at.time() + ")")
				+ (past == null ? "" : "\nFLAGGED: " + JournalCut.finding(shown.journal(), past, shown.journal().name()).message()));
		status.getParent().layout();
	}

	/** The header: the journal, and where it is cut short. */
	public String headerText() {
		return header.getText();
	}

	/** What the status line says about the cursors (for tests and the presentation). */
	public String statusText() {
		return status.getText();
	}

	public JFreeChart chart() {
		return chart;
	}

	/** The chart's control (for driving it with the mouse). */
	public org.eclipse.swt.widgets.Control chartControl() {
		return chartComposite;
	}

	public Scale slider() {
		return slider;
	}

	@Override
	public void setFocus() {
		chartComposite.setFocus();
	}

	@Override
	public void dispose() {
		CaseSession.get().removeListener(caseListener);
		CaseSession.get().removeInstantListener(instantListener);
		super.dispose();
	}
}
