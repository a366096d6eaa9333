package cacheshadow.ui;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.eclipse.core.runtime.preferences.InstanceScope;
import org.eclipse.jface.preference.IPreferenceStore;
import org.eclipse.ui.preferences.ScopedPreferenceStore;

/**
 * The examiner's settings (Window > Preferences > CacheShadow), kept in the workspace's instance scope: the default
 * kernel-files folder, the timeline's bars across the visible range, the presentation font size.
 */
public final class WorkbenchPreferences {
	public static final String KERNEL_DIR = "kernelDir";
	public static final String TIMELINE_BARS = "timelineBars";
	public static final String PRESENTATION_FONT = "presentationFontSize";
	static final int DEFAULT_BARS = 160, MIN_BARS = 10, MAX_BARS = 2000;
	static final int DEFAULT_FONT = 20, MIN_FONT = 8, MAX_FONT = 72;

	private static ScopedPreferenceStore store;

	private WorkbenchPreferences() {
	}

	public static synchronized IPreferenceStore store() {
		if (store == null) {
			store = new ScopedPreferenceStore(InstanceScope.INSTANCE, CaseJobs.PLUGIN);
			store.setDefault(KERNEL_DIR, "");
			store.setDefault(TIMELINE_BARS, DEFAULT_BARS);
			store.setDefault(PRESENTATION_FONT, DEFAULT_FONT);
		}
		return store;
	}

	/** Bars across the timeline's visible range, clamped to what a chart can show. */
	public static int timelineBars() {
		return Math.max(MIN_BARS, Math.min(MAX_BARS, store().getInt(TIMELINE_BARS)));
	}

	public static int presentationFontSize() {
		return Math.max(MIN_FONT, Math.min(MAX_FONT, store().getInt(PRESENTATION_FONT)));
	}

	/** The default kernel-files folder, when set and a directory. */
	public static Optional<Path> kernelDir() {
		String s = store().getString(KERNEL_DIR);
		if (s == null || s.isBlank()) return Optional.empty();
		Path p = Path.of(s);
		return Files.isDirectory(p) ? Optional.of(p) : Optional.empty();
	}
}
