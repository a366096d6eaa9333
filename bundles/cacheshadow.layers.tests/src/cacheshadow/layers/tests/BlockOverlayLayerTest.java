package cacheshadow.layers.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.layers.BlockOverlayLayer;
import cacheshadow.layers.Layer;
import cacheshadow.layers.RawFileLayer;
import cacheshadow.layers.UnmappedAddressException;

class BlockOverlayLayerTest {
	/** Overlay keeping whole replacement blocks in a map: the simplest subclass. */
	static final class MapOverlay extends BlockOverlayLayer {
		final TreeMap<Long, byte[]> blocks = new TreeMap<>();

		MapOverlay(Layer base, int bs) {
			super(base, bs);
		}

		MapOverlay(Layer base, int bs, long origin) {
			super(base, bs, origin);
		}

		@Override
		protected boolean readOverlaid(long block, int inBlock, byte[] buf, int off, int len) {
			byte[] b = blocks.get(block);
			if (b == null) return false;
			System.arraycopy(b, inBlock, buf, off, len);
			return true;
		}

		@Override
		protected boolean holdsAny(long first, long last) {
			Map.Entry<Long, byte[]> e = blocks.ceilingEntry(first);
			return e != null && e.getKey() <= last;
		}

		@Override
		public String name() {
			return "map overlay";
		}
	}

	@Test
	void readsSpanningOverlaidAndBaseBlocksMatchAByteModel(@TempDir Path tmp) throws Exception {
		byte[] model = new byte[64 * 1024];
		for (int i = 0; i < model.length; i++) model[i] = (byte) (i * 13);
		Path f = tmp.resolve("base");
		Files.write(f, model);
		try (RawFileLayer base = new RawFileLayer(f)) {
			MapOverlay o = new MapOverlay(base, 4096);
			for (long b : new long[] { 0, 3, 4, 15 }) {
				byte[] blk = new byte[4096];
				Arrays.fill(blk, (byte) (0x40 + b));
				o.blocks.put(b, blk);
				System.arraycopy(blk, 0, model, (int) (b * 4096), 4096);
			}
			java.util.SplittableRandom r = new java.util.SplittableRandom(7);
			for (int i = 0; i < 2000; i++) {
				int off = r.nextInt(model.length);
				int len = r.nextInt(Math.min(20000, model.length - off) + 1);
				byte[] got = new byte[len + 2];
				o.read(off, got, 1, len);
				assertArrayEquals(Arrays.copyOfRange(model, off, off + len), Arrays.copyOfRange(got, 1, len + 1), off + "+" + len);
			}
			assertThrows(UnmappedAddressException.class, () -> o.read(model.length - 10, new byte[20], 0, 20));
			assertEquals(base.size(), o.size());
		}
	}

	/** Blocks counted from an origin that is not a block multiple (a partition at sector 63): same byte model. */
	@Test
	void blocksCountedFromAnOrigin(@TempDir Path tmp) throws Exception {
		byte[] model = new byte[64 * 1024];
		for (int i = 0; i < model.length; i++) model[i] = (byte) (i * 7);
		Path f = tmp.resolve("base");
		Files.write(f, model);
		long origin = 63 * 512;
		try (RawFileLayer base = new RawFileLayer(f)) {
			MapOverlay o = new MapOverlay(base, 4096, origin);
			for (long b : new long[] { 0, 1, 5, 7, 8 }) {
				byte[] blk = new byte[4096];
				Arrays.fill(blk, (byte) (0x60 + b));
				o.blocks.put(b, blk);
				int at = (int) (origin + b * 4096);
				System.arraycopy(blk, 0, model, at, Math.min(4096, model.length - at));
			}
			java.util.SplittableRandom r = new java.util.SplittableRandom(9);
			for (int i = 0; i < 2000; i++) {
				int off = r.nextInt(model.length);
				int len = r.nextInt(Math.min(20000, model.length - off) + 1);
				byte[] got = new byte[len];
				o.read(off, got, 0, len);
				assertArrayEquals(Arrays.copyOfRange(model, off, off + len), got, off + "+" + len);
			}
		}
	}
}
