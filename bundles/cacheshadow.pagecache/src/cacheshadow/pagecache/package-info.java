/**
 * File data that exists only in the guest's memory: the page cache (dirty pages above all), tmpfs/shmem files, and
 * the block-device cache, recovered from a memory snapshot by two independent methods. Layouts come from BTF (and
 * jbd2's module BTF for {@code BH_JBDDirty}), addresses from symbols or in-memory kallsyms; no offsets or kernel
 * versions are hard-coded.
 *
 * <h2>Per-inode method</h2>
 * {@link cacheshadow.pagecache.PageCache} over a {@code CacheAnalysis}:
 * <ul>
 * <li>{@code file(CachedInode)} / {@code file(path)} → {@link cacheshadow.pagecache.CachedFile}: the pages of
 * {@code inode->i_mapping->i_pages} ({@link cacheshadow.pagecache.XArrayWalker}; before 4.20 the radix tree
 * {@code i_pages}/{@code page_tree}, {@link cacheshadow.pagecache.RadixTreeWalker}; large folios, buffer heads), each a
 * {@link cacheshadow.pagecache.CachedPage} with its {@link cacheshadow.pagecache.Provenance} (dirty, writeback,
 * journaled, clean, not up to date, evicted, swapped out, absent); {@code read(offset, buf, off, len, present)}
 * leaves holes untouched and says which pages had data; {@code sha256()} only when every page is in the
 * snapshot.</li>
 * <li>{@code withContentHashes()} (or {@code PageCache.withContentHashes(analysis)}): the cache listing with the
 * sha256 column filled for fully cached regular files, null otherwise.</li>
 * <li>{@code blockDevice(mount)} → {@link cacheshadow.pagecache.BlockDeviceCache} (the page cache of
 * {@code sb->s_bdev}); {@code overlay(disk)} → {@link cacheshadow.pagecache.BlockDeviceCacheOverlay}, a
 * {@code Layer} reading cached blocks from memory and the rest from the disk image.</li>
 * <li>{@code findings()}: anomalies met (XArray and radix-tree loops, foreign or forged page pointers, dirty flag vs dirty mark).</li>
 * </ul>
 *
 * <h2>Struct page scan</h2>
 * {@link cacheshadow.pagecache.PageStructScan} reads the whole vmemmap array and indexes page-cache pages by
 * (mapping, index) with their super block and inode; {@link cacheshadow.pagecache.PageCacheCrossCheck} compares
 * both methods on every dirty page. {@code cacheshadow.bench.PageCacheBench} times both against a sequential
 * read of the snapshot.
 *
 * <h2>Live guests</h2>
 * {@link cacheshadow.pagecache.LiveGuest} attaches to a QEMU guest's RAM file and QMP socket
 * ({@link cacheshadow.pagecache.QmpClient}) and runs an analysis while the guest is paused.
 */
package cacheshadow.pagecache;
