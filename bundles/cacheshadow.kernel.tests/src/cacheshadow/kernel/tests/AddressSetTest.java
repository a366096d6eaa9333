package cacheshadow.kernel.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

import cacheshadow.kernel.AddressSet;

class AddressSetTest {
	@Test
	void behavesAsAHashSetOfAlignedKernelAddresses() {
		AddressSet s = new AddressSet();
		Set<Long> ref = new HashSet<>();
		Random r = new Random(7);
		for (int i = 0; i < 300_000; i++) {
			// Slab-like: one high base, 64-byte aligned, many repeats; zero and negative numbers too.
			long a = switch (i % 5) {
			case 0 -> 0xffff_8880_0000_0000L + ((long) r.nextInt(1 << 20) << 6);
			case 1 -> r.nextLong();
			case 2 -> 0;
			case 3 -> 0xffff_ffff_8100_0000L + r.nextInt(4096) * 8L;
			default -> r.nextInt(1000);
			};
			assertEquals(ref.add(a), s.add(a), "add " + Long.toHexString(a));
			long probe = r.nextLong();
			assertEquals(ref.contains(probe), s.contains(probe));
		}
		assertEquals(ref.size(), s.size());
		for (long a : ref) assertTrue(s.contains(a));
		assertFalse(new AddressSet().contains(0));
	}
}
