package cacheshadow.kernel;

/**
 * A set of kernel addresses: what walkers of guest structures use to notice a cycle or a node met twice (a
 * {@code HashSet<Long>} boxed every address and cost most of a 100,000-inode walk). Not thread-safe.
 */
public final class AddressSet {
	private final AddressMap<Boolean> map = new AddressMap<>();

	/** Adds {@code address}; false when it was already present. */
	public boolean add(long address) {
		return map.putIfAbsent(address, Boolean.TRUE) == null;
	}

	public boolean contains(long address) {
		return map.get(address) != null;
	}

	public int size() {
		return map.size();
	}
}
