package cacheshadow.pagecache;

/** Where a page of a cached file stands, as the snapshot shows it. */
public enum Provenance {
	/** In the page cache, newer than the disk ({@code PG_dirty}): exists only in memory. */
	DIRTY,
	/** In the page cache, being written to the disk ({@code PG_writeback}, no longer dirty). */
	WRITEBACK,
	/**
	 * A block-device page whose buffers are attached to the jbd2 journal ({@code BH_JBD}): metadata modified in
	 * a transaction that is not yet checkpointed to its home location, so usually newer than the disk even though
	 * neither {@code PG_dirty} nor {@code BH_Dirty} says so (jbd2 keeps its own dirty bit).
	 */
	JOURNALED,
	/** In the page cache and up to date, equal to what the disk holds (or tmpfs data never meant for a disk). */
	CLEAN,
	/** In the page cache but not {@code PG_uptodate}: a read in flight; its bytes are not valid data. */
	NOT_UPTODATE,
	/** Was cached, evicted: the page tree keeps a workingset shadow entry. The data is not in memory. */
	EVICTED,
	/** shmem/tmpfs page moved to swap: the page tree keeps a swap entry. The data is in the swap device. */
	SWAPPED_OUT,
	/** Never cached (no entry), or its frame lies outside the snapshot. */
	ABSENT;

	/** True when the page's bytes are in the snapshot. */
	public boolean hasData() {
		return this == DIRTY || this == WRITEBACK || this == JOURNALED || this == CLEAN;
	}
}
