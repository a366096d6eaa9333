package cacheshadow.caches.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

import cacheshadow.caches.KernelListWalk;

/**
 * {@link KernelListWalk} gives exactly what a walk that remembers every node gives (nodes in order up to the first
 * one met twice, the limit, or an unreadable link) on lists of every shape: straight, rings back to any node
 * (including the first and a node onto itself), too long, broken.
 */
class KernelListWalkTest {
	private static final long END = 0xffff_8880_0000_0040L;

	@Test
	void everyShapeAsTheSetWalkSeesIt() throws Exception {
		Random r = new Random(11);
		for (int k = 0; k < 20_000; k++) {
			int len = r.nextInt(k < 1000 ? 8 : 300);
			long[] node = new long[len];
			for (int i = 0; i < len; i++) node[i] = 0xffff_8880_0100_0000L + 64L * (r.nextInt(1 << 20) * 7L + i); // distinct
			// Where the last node links: the end, back to some node (a loop), or it cannot be read.
			int shape = r.nextInt(3);
			int back = len == 0 ? 0 : r.nextInt(len);
			int brokenAt = len == 0 ? -1 : r.nextInt(len);
			int limit = 1 + r.nextInt(Math.max(1, len + 3));
			KernelListWalk.Next next = p -> {
				for (int i = 0; i < len; i++) {
					if (node[i] != p) continue;
					if (shape == 2 && i == brokenAt) throw new IOException("unreadable 0x" + Long.toHexString(p));
					if (i + 1 < len) return node[i + 1];
					return shape == 1 ? node[back] : END;
				}
				throw new AssertionError("followed a node that is not on the list: 0x" + Long.toHexString(p));
			};
			long first = len == 0 ? END : node[0];
			KernelListWalk w = KernelListWalk.walk(first, END, next, limit);
			// Reference: remember every node.
			List<Long> expected = new ArrayList<>();
			Set<Long> seen = new HashSet<>();
			KernelListWalk.Outcome outcome = KernelListWalk.Outcome.END;
			long at = 0;
			long p = first;
			while (p != END) {
				if (!seen.add(p)) {
					outcome = KernelListWalk.Outcome.CYCLE;
					at = p;
					break;
				}
				if (expected.size() >= limit) {
					outcome = KernelListWalk.Outcome.TOO_LONG;
					at = p;
					break;
				}
				expected.add(p);
				try {
					p = next.next(p);
				} catch (IOException e) {
					outcome = KernelListWalk.Outcome.BROKEN;
					at = p;
					break;
				}
			}
			List<Long> got = new ArrayList<>();
			for (int i = 0; i < w.count(); i++) got.add(w.node(i));
			String what = "shape " + shape + ", " + len + " nodes, back to " + back + ", broken at " + brokenAt + ", limit " + limit;
			assertEquals(expected, got, what);
			assertEquals(outcome, w.outcome(), what);
			if (outcome != KernelListWalk.Outcome.END) assertEquals(at, w.at(), what);
		}
	}
}
