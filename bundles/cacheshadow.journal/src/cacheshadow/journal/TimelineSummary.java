package cacheshadow.journal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the CLI's {@code timeline} prints: the journal's flushes and marks as named instants, the measured events of
 * the timing sidecar, and writes per second. Every time says whether it is measured or interpolated.
 */
public record TimelineSummary(String journal, int sectorSize, int entries, long writes, long bytesWritten, long discards,
		String timeSource, List<Point> flushes, List<Point> marks, List<Point> events, List<Rate> perSecond, String damage) {

	/** A named instant: {@code instant} is what {@code --at} accepts; {@code entryCount} the state it names. */
	public record Point(String instant, int entryCount, String label, long epochNanos, TimeQuality quality) {
	}

	/** Writes (and bytes) whose completion time falls in the second starting at {@code epochSecond}. */
	public record Rate(long epochSecond, int writes, long bytes) {
	}

	public static TimelineSummary of(WriteLog log, Timeline timeline) {
		int n = log.entryCount();
		boolean own = n > 0 && log.epochNanos(0) != WriteLog.NO_TIME;
		String source = own ? "journal times" : timeline != null ? "sidecar " + timeline.source() + " (entry times interpolated between samples)" : "none (time = entry index)";
		long writes = 0, bytes = 0, discards = 0;
		List<Point> flushes = new ArrayList<>(), marks = new ArrayList<>(), events = new ArrayList<>();
		List<Rate> rates = new ArrayList<>();
		long curSec = Long.MIN_VALUE;
		int curWrites = 0;
		long curBytes = 0;
		for (int i = 0; i < n; i++) {
			int f = log.flags(i);
			long t = WriteLog.NO_TIME;
			TimeQuality q = TimeQuality.NONE;
			if (own) {
				t = log.epochNanos(i);
				q = log.timeQuality(i);
			} else if (timeline != null) {
				Timeline.EntryTime et = timeline.timeOfEntry(i);
				t = et.estimateNanos();
				q = et.quality();
			}
			if ((f & WriteLog.FLUSH) != 0) flushes.add(new Point("flush:" + (flushes.size() + 1), i + 1, "entry " + i, t, q));
			if ((f & WriteLog.MARK) != 0) marks.add(new Point("mark:" + log.mark(i), i + 1, "entry " + i, t, q));
			if (log.changesDisk(i)) {
				if ((f & WriteLog.DISCARD) != 0) discards++;
				else {
					writes++;
					bytes += log.length(i);
					if (t != WriteLog.NO_TIME) {
						long sec = Math.floorDiv(t, 1_000_000_000L);
						if (sec != curSec) {
							if (curSec != Long.MIN_VALUE) rates.add(new Rate(curSec, curWrites, curBytes));
							curSec = sec;
							curWrites = 0;
							curBytes = 0;
						}
						curWrites++;
						curBytes += log.length(i);
					}
				}
			}
		}
		if (curSec != Long.MIN_VALUE) rates.add(new Rate(curSec, curWrites, curBytes));
		if (timeline != null) {
			for (Timeline.Sample s : timeline.samples()) {
				if (s.event().equals("log-size")) continue; // plain polling samples
				String label = (s.event() + " " + s.detail()).strip();
				events.add(new Point("time:" + ResolvedInstant.iso(s.epochNanos()), Math.min(s.entries(), n), label, s.epochNanos(), TimeQuality.MEASURED));
			}
		}
		return new TimelineSummary(log.name(), log.sectorSize(), n, writes, bytes, discards, source, List.copyOf(flushes), List.copyOf(marks),
				List.copyOf(events), List.copyOf(rates), log.damage().map(LogDamage::message).orElse(null));
	}

	private static String time(long t, TimeQuality q) {
		return t == WriteLog.NO_TIME ? "-" : ResolvedInstant.iso(t) + " (" + q.word() + ")";
	}

	public void writeText(Appendable out) throws IOException {
		out.append(String.format(Locale.ROOT, "journal  %s%nsector   %d bytes%nentries  %d (%d writes, %d bytes; %d discards; %d flushes; %d marks)%ntime     %s%n",
				journal, sectorSize, entries, writes, bytesWritten, discards, flushes.size(), marks.size(), timeSource));
		if (damage != null) out.append("damage   ").append(damage).append('\n');
		out.append("\ninstant\tentries\ttime\tlabel\n");
		out.append("entry:0\t0\t-\tthe base image\n");
		List<Point> all = new ArrayList<>(flushes);
		all.addAll(marks);
		all.addAll(events);
		all.sort((a, b) -> a.entryCount != b.entryCount ? Integer.compare(a.entryCount, b.entryCount) : Long.compare(a.epochNanos, b.epochNanos));
		for (Point p : all) {
			out.append(p.instant).append('\t').append(Integer.toString(p.entryCount)).append('\t').append(time(p.epochNanos, p.quality))
					.append('\t').append(p.label).append('\n');
		}
		out.append("end\t").append(Integer.toString(entries)).append("\t-\tafter every valid entry\n");
		out.append("\nsecond\twrites\tbytes\n");
		if (perSecond.isEmpty()) out.append("(no times: give the timing sidecar for writes per second)\n");
		for (Rate r : perSecond) {
			out.append(ResolvedInstant.iso(r.epochSecond * 1_000_000_000L)).append('\t').append(Integer.toString(r.writes)).append('\t')
					.append(Long.toString(r.bytes)).append('\n');
		}
	}

	public void writeJson(Appendable out) throws IOException {
		out.append("{\"journal\":").append(str(journal)).append(",\"sector_size\":").append(Integer.toString(sectorSize))
				.append(",\"entries\":").append(Integer.toString(entries)).append(",\"writes\":").append(Long.toString(writes))
				.append(",\"bytes_written\":").append(Long.toString(bytesWritten)).append(",\"discards\":").append(Long.toString(discards))
				.append(",\"time_source\":").append(str(timeSource)).append(",\"damage\":").append(damage == null ? "null" : str(damage));
		points(out, "flushes", flushes);
		points(out, "marks", marks);
		points(out, "events", events);
		out.append(",\"writes_per_second\":[");
		for (int i = 0; i < perSecond.size(); i++) {
			Rate r = perSecond.get(i);
			out.append(i == 0 ? "" : ",").append("{\"second\":").append(str(ResolvedInstant.iso(r.epochSecond * 1_000_000_000L)))
					.append(",\"epoch\":").append(Long.toString(r.epochSecond)).append(",\"writes\":").append(Integer.toString(r.writes))
					.append(",\"bytes\":").append(Long.toString(r.bytes)).append('}');
		}
		out.append("]}\n");
	}

	private static void points(Appendable out, String name, List<Point> ps) throws IOException {
		out.append(",\"").append(name).append("\":[");
		for (int i = 0; i < ps.size(); i++) {
			Point p = ps.get(i);
			out.append(i == 0 ? "" : ",").append("{\"instant\":").append(str(p.instant)).append(",\"entries\":").append(Integer.toString(p.entryCount))
					.append(",\"label\":").append(str(p.label)).append(",\"time\":")
					.append(p.epochNanos == WriteLog.NO_TIME ? "null" : str(ResolvedInstant.iso(p.epochNanos))).append(",\"time_quality\":")
					.append(str(p.quality.word())).append('}');
		}
		out.append(']');
	}

	static String str(String s) {
		return cacheshadow.listing.Json.quote(s);
	}
}
