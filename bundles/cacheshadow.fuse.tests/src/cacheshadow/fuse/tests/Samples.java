package cacheshadow.fuse.tests;

import cacheshadow.testing.EvidenceSamples;

/** The evidence sample sets, as every test fragment reads them ({@link EvidenceSamples}). */
final class Samples extends EvidenceSamples {
	private Samples() {
	}
}
