/**
 * The guest's file-system caches recovered from a memory snapshot. {@link cacheshadow.caches.CacheAnalysis} is the
 * entry point: {@link cacheshadow.caches.MountWalker} (init's mount tree), {@link cacheshadow.caches.DentryWalker}
 * (each mount's cached names; negative and unhashed dentries as deletions), the inode reader behind them (metadata,
 * symbolic link targets), the orphan scan of each super block's inode list, and
 * {@link cacheshadow.caches.InodePageLookup} for data in the page cache. Guest structures are attacker-controlled:
 * every walk is bounded and anything inconsistent becomes a {@link cacheshadow.listing.Finding} with its address.
 */
package cacheshadow.caches;
