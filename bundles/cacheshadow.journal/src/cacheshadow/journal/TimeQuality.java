package cacheshadow.journal;

/** How a time or an entry count derived from a time is known. */
public enum TimeQuality {
	/** Observed directly: a sample of the timing sidecar, or a time the journal itself recorded. */
	MEASURED,
	/** Linear interpolation between two measured samples that bound it. */
	INTERPOLATED,
	/** Outside the measured samples: only a bound is known. */
	EXTRAPOLATED,
	/** No time at all: the journal has none and no sidecar was given (time is the entry index). */
	NONE;

	public String word() {
		return name().toLowerCase(java.util.Locale.ROOT);
	}
}
