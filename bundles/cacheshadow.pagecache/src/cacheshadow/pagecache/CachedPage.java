package cacheshadow.pagecache;

/**
 * One page-cache index of a mapping.
 *
 * @param index      page index in the file ({@code offset / 4096})
 * @param provenance dirty, clean, evicted, swapped out...
 * @param page       the {@code struct page} of this index (inside its folio), or 0 for value entries
 * @param folio      the folio's head {@code struct page}, or 0
 * @param physical   guest-physical address of the 4 KiB frame, or -1
 * @param flags      the folio's {@code flags} (the head page's), or 0
 * @param dirtyMark  whether the page tree marks the entry dirty ({@code PAGECACHE_TAG_DIRTY}: XA_MARK_0, radix tree tag 0)
 * @param validSectors bit i set when 512-byte sector i of the page holds valid data: {@code 0xff} for an up-to-date
 *                   page, fewer when only some buffer heads of a not-up-to-date page are ({@code BH_Uptodate})
 * @param value      for evicted pages the value entry's integer (the shadow), for swapped-out ones the
 *                   {@code swp_entry_t} in the XArray era's layout (radix-tree kernels' repacked), else 0
 */
public record CachedPage(long index, Provenance provenance, long page, long folio, long physical, long flags,
		boolean dirtyMark, int validSectors, long value) {

	public static final int ALL_SECTORS = 0xff;

	/** True when all 4096 bytes are valid data in the snapshot. */
	public boolean isWhole() {
		return provenance.hasData() && validSectors == ALL_SECTORS && physical >= 0;
	}

	/** True when the 512-byte sector at {@code byteInPage / 512} is valid data in the snapshot. */
	public boolean hasByte(int byteInPage) {
		return provenance.hasData() && physical >= 0 && (validSectors >>> (byteInPage >>> 9) & 1) != 0;
	}

	/** Swap type of a {@link Provenance#SWAPPED_OUT} page: {@code swp_type()} with {@code MAX_SWAPFILES_SHIFT} 5. */
	public int swapType() {
		return (int) (value >>> 58);
	}

	/** Page offset in the swap device of a {@link Provenance#SWAPPED_OUT} page ({@code swp_offset()}). */
	public long swapOffset() {
		return value & ((1L << 58) - 1);
	}
}
