package cacheshadow.layers.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.layers.RawFileLayer;
import cacheshadow.layers.UnmappedAddressException;

class RawFileLayerTest {
	@Test
	void readsBytesAndRefusesPastTheEnd(@TempDir Path dir) throws Exception {
		Path f = dir.resolve("d.img");
		byte[] data = new byte[10000];
		for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 7);
		Files.write(f, data);
		try (RawFileLayer l = new RawFileLayer(f)) {
			assertEquals(10000, l.size());
			byte[] b = new byte[16];
			l.read(9990, b, 3, 10);
			for (int i = 0; i < 10; i++) assertEquals(data[9990 + i], b[3 + i]);
			assertEquals(((data[8] & 0xff) | (data[9] & 0xff) << 8), l.readU16(8));
			assertThrows(UnmappedAddressException.class, () -> l.read(9995, b, 0, 6));
			assertThrows(UnmappedAddressException.class, () -> l.read(-1, b, 0, 1));
		}
	}
}
