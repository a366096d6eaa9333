package cacheshadow.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.TimeZone;

import javax.imageio.ImageIO;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.DateAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.StackedXYBarRenderer;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.Range;
import org.jfree.data.xy.DefaultTableXYDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import cacheshadow.journal.DiskHistory;
import cacheshadow.journal.JournalActivity;
import cacheshadow.journal.SearchHits;
import cacheshadow.journal.Timeline;
import cacheshadow.journal.TimelineSummary;

/**
 * The chart of a case's write journal over time, as the workbench's Timeline view shows it and the examiner's report
 * prints it: 4 KiB blocks written per interval (writes placed by a measured time dark, by an interpolated one light),
 * flushes, marks, the timing sidecar's measured samples and events, and the instant of the memory snapshot. Plain
 * JFreeChart (Java2D, no SWT): the view draws it on its canvas, the report as PNG. Everything shown is computed by
 * the journal bundle ({@link JournalActivity}, {@link TimelineSummary}).
 */
public final class TimelineChart {
	public static final Color EXACT = new Color(40, 90, 170), ESTIMATED = new Color(150, 180, 225), CURSOR_A = new Color(0, 70, 200),
			CURSOR_B = new Color(210, 110, 0), SNAPSHOT = new Color(180, 0, 0), FLUSH = new Color(120, 120, 120), MARK = new Color(130, 0, 160),
			EVENT = new Color(0, 130, 60), EXAMINED = new Color(200, 120, 0), HIT = new Color(220, 0, 60);
	/** The dataset of {@link #hits}: one item per journal entry that wrote a known block. */
	public static final int HITS_DATASET = 2;
	/** Flushes drawn one marker each up to this many (more would only grey the chart). */
	static final int MAX_FLUSH_MARKERS = 2000;

	private final DiskHistory history;
	private final JournalActivity activity;
	private final DefaultTableXYDataset bars = new DefaultTableXYDataset();
	private final XYPlot plot;
	private final JFreeChart chart;
	private boolean bucketing;

	public TimelineChart(DiskHistory h, TimelineSummary sum) {
		this.history = h;
		this.activity = h.activity();
		ValueAxis domain;
		if (activity.axis() == JournalActivity.Axis.TIME) {
			DateAxis d = new DateAxis("time (UTC)");
			d.setTimeZone(TimeZone.getTimeZone("UTC"));
			domain = d;
		} else domain = new NumberAxis("entries applied (the journal has no time and no sidecar was registered)");
		NumberAxis range = new NumberAxis("4 KiB blocks written");
		range.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
		StackedXYBarRenderer r = new StackedXYBarRenderer(0.05);
		r.setBarPainter(new StandardXYBarPainter());
		r.setShadowVisible(false);
		r.setSeriesPaint(0, EXACT);
		r.setSeriesPaint(1, ESTIMATED);
		r.setDrawBarOutline(false);
		plot = new XYPlot(bars, domain, range, r);
		plot.setBackgroundPaint(Color.WHITE);
		plot.setDomainGridlinePaint(new Color(220, 220, 220));
		plot.setRangeGridlinePaint(new Color(220, 220, 220));
		// the sidecar's measured samples: a tick each on the axis
		Timeline tl = h.timeline();
		if (tl != null && activity.axis() == JournalActivity.Axis.TIME) {
			XYSeries samples = new XYSeries("measured time samples");
			for (Timeline.Sample s : tl.samples()) samples.add(s.epochNanos() / 1e6, 0);
			XYLineAndShapeRenderer dots = new XYLineAndShapeRenderer(false, true);
			dots.setSeriesPaint(0, EVENT);
			dots.setSeriesShape(0, new java.awt.geom.Rectangle2D.Double(-1, -5, 2, 5));
			plot.setRenderer(1, dots); // before its dataset: the plot would range it with the bar renderer
			plot.setDataset(1, new XYSeriesCollection(samples));
		}
		Font small = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
		if (sum.flushes().size() <= MAX_FLUSH_MARKERS) {
			for (TimelineSummary.Point f : sum.flushes()) plot.addDomainMarker(marker(activity.position(f.entryCount()), FLUSH, 0.5f, null, small), Layer.BACKGROUND);
		}
		for (TimelineSummary.Point m : sum.marks()) plot.addDomainMarker(marker(activity.position(m.entryCount()), MARK, 1.5f, m.instant(), small), Layer.FOREGROUND);
		if (activity.axis() == JournalActivity.Axis.TIME) {
			for (TimelineSummary.Point ev : sum.events()) plot.addDomainMarker(dashed(ev.epochNanos(), EVENT), Layer.BACKGROUND);
			h.snapshotNanos().ifPresent(t -> {
				ValueMarker m = marker(t, SNAPSHOT, 2f, "memory snapshot", small);
				m.setLabelAnchor(RectangleAnchor.BOTTOM_LEFT); // at the right end: label to its left
				m.setLabelTextAnchor(TextAnchor.BOTTOM_RIGHT);
				plot.addDomainMarker(m, Layer.FOREGROUND);
			});
		}
		chart = new JFreeChart(null, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
		chart.setBackgroundPaint(Color.WHITE);
	}

	/** One line about the journal: files, entries, writes, flushes, marks, where times come from, damage. */
	public static String headline(DiskHistory h, TimelineSummary sum) {
		JournalActivity act = h.activity();
		return String.format("%s over %s — %,d entries (%,d writes, %,d bytes; %d flushes, %d marks) — %s%s", Path.of(h.journal().name()).getFileName(),
				Path.of(h.base().name()).getFileName(), sum.entries(), sum.writes(), sum.bytesWritten(), sum.flushes().size(), sum.marks().size(),
				h.timeline() == null ? (act.axis() == JournalActivity.Axis.TIME ? "the journal's own times" : "no times: entry axis")
						: "times interpolated between " + h.timeline().samples().size() + " samples of " + Path.of(h.timeline().source()).getFileName(),
				sum.damage() == null ? "" : " — DAMAGE: " + sum.damage());
	}

	public JFreeChart chart() {
		return chart;
	}

	public XYPlot plot() {
		return plot;
	}

	public DiskHistory history() {
		return history;
	}

	public JournalActivity activity() {
		return activity;
	}

	/** Chart x (milliseconds for a time axis, entries otherwise) of an axis position. */
	public double toChart(long position) {
		return activity.axis() == JournalActivity.Axis.TIME ? position / 1e6 : position;
	}

	public long toPosition(double chartX) {
		return activity.axis() == JournalActivity.Axis.TIME ? Math.round(chartX * 1e6) : Math.round(chartX);
	}

	/** A solid vertical marker at an axis position, labelled at the top right when {@code label} is given. */
	public ValueMarker marker(long position, Color c, float width, String label, Font font) {
		ValueMarker m = new ValueMarker(toChart(position), c, new BasicStroke(width));
		if (label != null) {
			m.setLabel(label);
			m.setLabelFont(font);
			m.setLabelPaint(c);
			m.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
			m.setLabelTextAnchor(TextAnchor.TOP_LEFT);
		}
		return m;
	}

	private ValueMarker dashed(long position, Color c) {
		return new ValueMarker(toChart(position), c, new BasicStroke(0.8f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] { 3f, 3f }, 0f));
	}

	/** The entries {@link #hits} marked, in the order of the hits dataset's items. */
	private int[] hitEntries = new int[0];

	/** The hit marks' vertical lines, so that a new hit list replaces them. */
	private final List<ValueMarker> hitLines = new java.util.ArrayList<>();

	/**
	 * Marks the hits of a sector-hash search ({@code ./cacheshadow search}'s rows of this journal): at the disk after
	 * each entry that wrote a known block (several hits of one entry: one mark), a thin red line and a triangle at the
	 * top of the plot, the triangles in the dataset {@value #HITS_DATASET} (on an axis of their own, drawn last, so a
	 * click on one finds it); none when {@code hits} is empty.
	 */
	public void hits(List<SearchHits.Hit> hits) {
		java.util.TreeSet<Integer> entries = new java.util.TreeSet<>();
		for (SearchHits.Hit h : hits) if (h.entriesAfter() <= activity.entryCount()) entries.add(h.entriesAfter());
		hitEntries = entries.stream().mapToInt(Integer::intValue).toArray();
		for (ValueMarker m : hitLines) plot.removeDomainMarker(m, Layer.FOREGROUND);
		hitLines.clear();
		if (hitEntries.length == 0) {
			plot.setDataset(HITS_DATASET, null);
			return;
		}
		XYSeries s = new XYSeries("known-file hits (search)", false, true); // entries ascending: item i is hitEntries[i]
		for (int e : hitEntries) {
			s.add(toChart(activity.position(e)), 1);
			if (hitLines.size() < MAX_FLUSH_MARKERS) {
				ValueMarker m = marker(activity.position(e), new Color(HIT.getRed(), HIT.getGreen(), HIT.getBlue(), 140), 1f, null, null);
				hitLines.add(m);
				plot.addDomainMarker(m, Layer.FOREGROUND);
			}
		}
		NumberAxis top = new NumberAxis();
		top.setVisible(false);
		top.setRange(0, 1);
		plot.setRangeAxis(HITS_DATASET, top);
		plot.mapDatasetToRangeAxis(HITS_DATASET, HITS_DATASET);
		XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(false, true);
		r.setSeriesPaint(0, HIT);
		r.setSeriesShape(0, new java.awt.Polygon(new int[] { -8, 8, 0 }, new int[] { 0, 0, 14 }, 3)); // pointing down from the top
		plot.setRenderer(HITS_DATASET, r);
		plot.setDataset(HITS_DATASET, new XYSeriesCollection(s));
		plot.setDatasetRenderingOrder(org.jfree.chart.plot.DatasetRenderingOrder.FORWARD);
	}

	/** The entries applied at the hit marked as item {@code item} of the hits dataset. */
	public int hitEntries(int item) {
		return hitEntries[item];
	}

	/** How many entries {@link #hits} marked. */
	public int hitCount() {
		return hitEntries.length;
	}

	/** Recomputes the bars for the visible range of the axis: {@code count} of them, whatever the zoom. */
	public void bucket(int count) {
		if (bucketing) return; // the dataset's change can re-range the axis, which calls back here
		bucketing = true;
		try {
			Range r = plot.getDomainAxis().getRange();
			long from = toPosition(r.getLowerBound()), to = Math.max(from + 1, toPosition(r.getUpperBound()));
			List<JournalActivity.Bucket> buckets = activity.buckets(from, to, (int) Math.max(1, Math.min(count, to - from)));
			XYSeries exact = new XYSeries("writes at measured times", true, false), est = new XYSeries("writes at interpolated times", true, false);
			for (JournalActivity.Bucket b : buckets) {
				double x = toChart(b.start() + (b.end() - b.start()) / 2);
				exact.add(x, b.exactWrites(), false);
				est.add(x, b.writes() - b.exactWrites(), false);
			}
			bars.removeAllSeries();
			bars.setIntervalWidth(toChart(buckets.get(0).end()) - toChart(buckets.get(0).start()));
			bars.addSeries(exact);
			bars.addSeries(est);
		} finally {
			bucketing = false;
		}
	}

	/** The whole journal (and the snapshot), a little margin either side. */
	public void fitAll() {
		long s = activity.start(), e = activity.end();
		if (activity.axis() == JournalActivity.Axis.TIME) e = Math.max(e, history.snapshotNanos().orElse(e));
		long margin = Math.max(1, (e - s) / 40);
		plot.getDomainAxis().setRange(toChart(s - margin), toChart(e + margin));
	}

	/**
	 * The chart as a PNG of {@code width} x {@code height} points drawn at {@code scale} pixels per point (2 for a
	 * sharp print). The same chart, fonts and JDK give the same bytes.
	 */
	public byte[] png(int width, int height, int scale) throws IOException {
		BufferedImage img = image(width, height, scale);
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		ImageIO.write(img, "png", out);
		return out.toByteArray();
	}

	public BufferedImage image(int width, int height, int scale) {
		BufferedImage img = new BufferedImage(width * scale, height * scale, BufferedImage.TYPE_INT_RGB);
		Graphics2D g = img.createGraphics();
		try {
			g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
			g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
			g.scale(scale, scale);
			chart.draw(g, new Rectangle2D.Double(0, 0, width, height));
		} finally {
			g.dispose();
		}
		return img;
	}
}
