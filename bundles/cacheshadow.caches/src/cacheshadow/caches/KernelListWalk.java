package cacheshadow.caches;

import java.io.IOException;
import java.util.Arrays;

import cacheshadow.kernel.AddressSet;

/**
 * The nodes of a guest linked list ({@code list_head} ring or {@code hlist} chain) in order, bounded: a loop, a list
 * longer than the caller's limit, or an unreadable link ends it with an {@link Outcome} saying where. A guest may
 * plant loops, so each node must be checked against those before it; a set of every node did that but cost as
 * much as the rest of a 100,000-inode walk. Lists are walked with Brent's cycle detection instead (no memory, no
 * extra reads on a list without loop), and only when that sees a loop or the limit is the list walked again with
 * a set, so the nodes and the outcome are exactly those of the set walk: every node up to the first one met twice.
 */
public final class KernelListWalk {
	/** Reads the link of {@code node} to the next node. */
	public interface Next {
		long next(long node) throws IOException;
	}

	public enum Outcome {
		/** Ended where a list ends. */
		END,
		/** {@link #at()} is the first node met a second time. */
		CYCLE,
		/** More nodes than the limit; {@link #nodes()} holds the limit's worth. */
		TOO_LONG,
		/** The link of {@link #at()} could not be read ({@link #problem()}). */
		BROKEN
	}

	private final long[] nodes;
	private final int count;
	private final Outcome outcome;
	private final long at;
	private final String problem;

	private KernelListWalk(long[] nodes, int count, Outcome outcome, long at, String problem) {
		this.nodes = nodes;
		this.count = count;
		this.outcome = outcome;
		this.at = at;
		this.problem = problem;
	}

	/**
	 * @param first the first node (the head's link, already read)
	 * @param end   the value that ends the list: the head's own address for a ring, 0 for an hlist
	 * @param limit most nodes accepted
	 */
	public static KernelListWalk walk(long first, long end, Next next, int limit) {
		long[] nodes = new long[16];
		int n = 0;
		long p = first, tortoise = end;
		int power = 1, steps = 0;
		try {
			while (p != end) {
				if (p == tortoise || n >= limit) return exact(first, end, next, limit);
				if (n == nodes.length) nodes = Arrays.copyOf(nodes, n * 2);
				nodes[n++] = p;
				if (++steps == power) { // Brent: the tortoise jumps to the hare at each power of two
					tortoise = p;
					power <<= 1;
					steps = 0;
				}
				p = next.next(p);
			}
		} catch (IOException e) {
			return new KernelListWalk(nodes, n, Outcome.BROKEN, p, e.getMessage());
		}
		return new KernelListWalk(nodes, n, Outcome.END, 0, null);
	}

	/** The walk with a set of every node: the exact first repeat (or the limit), for the lists that need it. */
	private static KernelListWalk exact(long first, long end, Next next, int limit) {
		AddressSet seen = new AddressSet();
		long[] nodes = new long[16];
		int n = 0;
		long p = first;
		try {
			while (p != end) {
				if (!seen.add(p)) return new KernelListWalk(nodes, n, Outcome.CYCLE, p, null);
				if (n >= limit) return new KernelListWalk(nodes, n, Outcome.TOO_LONG, p, null);
				if (n == nodes.length) nodes = Arrays.copyOf(nodes, n * 2);
				nodes[n++] = p;
				p = next.next(p);
			}
		} catch (IOException e) {
			return new KernelListWalk(nodes, n, Outcome.BROKEN, p, e.getMessage());
		}
		return new KernelListWalk(nodes, n, Outcome.END, 0, null);
	}

	public int count() {
		return count;
	}

	public long node(int i) {
		return nodes[i];
	}

	public Outcome outcome() {
		return outcome;
	}

	public long at() {
		return at;
	}

	public String problem() {
		return problem;
	}
}
