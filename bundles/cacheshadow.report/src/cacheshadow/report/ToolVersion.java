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
			// on a plain class path (./cacheshadow's commands, tests outside OSGi): this bundle's jar manifest, if any
		}
		try (InputStream in = ownManifest()) {
			if (in != null) {
				var attrs = new Manifest(in).getMainAttributes();
				String name = attrs.getValue("Bundle-SymbolicName"), v = attrs.getValue("Bundle-Version");
				if (name != null && name.startsWith("cacheshadow.report") && v != null && !v.endsWith("qualifier")) return v;
			}
		} catch (IOException e) {
			// no version to tell
		}
		return "(development build)";
	}

	/** The manifest of the jar this class came from (the class path's first /META-INF/MANIFEST.MF may be another jar's). */
	private static InputStream ownManifest() throws IOException {
		java.net.URL self = ToolVersion.class.getResource("ToolVersion.class");
		if (self == null || !"jar".equals(self.getProtocol())) return null;
		String u = self.toString();
		return java.net.URI.create(u.substring(0, u.indexOf("!/") + 2) + "META-INF/MANIFEST.MF").toURL().openStream();
	}
}
