package cacheshadow.pagecache.tests;

import cacheshadow.testing.EvidenceSamples;

/** The evidence sample sets, as every test fragment reads them ({@link EvidenceSamples}). */
public final class Samples extends EvidenceSamples {
	private Samples() {
	}
}
