package cacheshadow.report;

/**
 * How much of a long table the report itself shows (the CSV beside it has every row), and how far the hex diffs go.
 *
 * @param rows          rows per table in the report (paths of one status, findings, custody entries, named instants)
 * @param hexFiles      files whose dirty pages are shown as hex diffs
 * @param hexPages      dirty pages shown per file
 * @param hexBytes      bytes shown per run of differing bytes
 * @param chartBars     bars of the timeline chart
 */
public record ReportLimits(int rows, int hexFiles, int hexPages, int hexBytes, int chartBars) {
	public static final ReportLimits DEFAULT = new ReportLimits(500, 20, 4, 256, 120);

	public ReportLimits {
		if (rows < 1 || hexFiles < 0 || hexPages < 1 || hexBytes < 16 || chartBars < 1) throw new IllegalArgumentException("report limits too small");
	}
}
