package cacheshadow.report;

import java.io.IOException;
import java.io.InputStream;
import java.util.jar.Manifest;

/** This program's version as a report states it: the report bundle's version (the product's build), and the Java runtime. */
final class ToolVersion {
	private ToolVersion() {
	}

	static String describe() {
		return "CacheShadow Workbench " + bundleVersion() + " (Java " + Runtime.version() + ")";
	}

	static String bundleVersion() {
		try {
			org.osgi.framework.Bundle b = org.osgi.framework.FrameworkUtil.getBundle(ToolVersion.class);
			if (b != null) return b.getVersion().toString();
		} catch (LinkageError outsideOsgi) {
			// run from plain class files (tests outside OSGi): the manifest below, if any
		}
		try (InputStream in = ToolVersion.class.getResourceAsStream("/META-INF/MANIFEST.MF")) {
			if (in != null) {
				var attrs = new Manifest(in).getMainAttributes();
				String name = attrs.getValue("Bundle-SymbolicName"), v = attrs.getValue("Bundle-Version");
				// the first manifest on a plain class path may be another jar's
				if (name != null && name.startsWith("cacheshadow.report") && v != null && !v.endsWith("qualifier")) return v;
			}
		} catch (IOException e) {
			// no version to tell
		}
		return "(development build)";
	}
}
