/**
 * The guest's file system as the guest sees it: its caches (dentries, inodes, page cache, block-device cache)
 * merged over its disk, with the caches alone and the disk alone beside it, a status for every path and the
 * provenance of every byte.
 *
 * <pre>
 * MergedFileSystem m = MergedFileSystem.open(memory, disk, kernelDirOrNull, replayJournal, progress);
 * FileTree t = m.tree(View.MERGED);                 // also CACHE_ONLY, DISK_ONLY; m itself is the merged tree
 * t.getattr(path); t.readdir(path); t.read(path, offset, buf, off, len); t.readlink(path);
 * t.provenance(path);                               // [ByteProvenance(offset, length, DIRTY_PAGE|CLEAN_PAGE|DISK_BLOCK|HOLE|UNKNOWN, block)]
 * m.tree(View.MERGED).listing(true);                // manifest.tsv rows, sha256 where every byte is known
 * m.statuses(); m.status(path);                     // PathStatus: same, differs:data,mode,..., cache-only, disk-only, deleted
 * m.hexDiff(path);                                  // FileHexDiff: each dirty page vs the disk block holding it today
 * ViewExport.toDirectory(tree, under, dir, provenanceTsv, manifestTsv);   // or toTar(...)
 * m.findings();                                     // merge-level disagreements, then the analyses' own findings
 * </pre>
 *
 * The disk at a recorded instant of a write journal ({@code cacheshadow.journal.DiskHistory}), as the timeline
 * slider and the CLI's {@code replay --manifest} and {@code changes} read it:
 *
 * <pre>
 * InstantTree t = InstantTree.open(history, history.resolve("time:..."), "/mnt/disk", true);   // lazy per directory
 * t.getattr(path); t.readdir(path); t.read(...); t.provenance(path);   // JOURNAL_ENTRY | BASE_IMAGE | HOLE per run
 * t.lastWriters(path);                              // per run: the entry that last wrote it (-1 = base image), its time
 * t.listing(true, progress);                        // manifest rows, as replay --manifest writes them
 * InstantComparison c = InstantComparison.of(t, end);   // end = InstantScrub.reference(history, prefix, true)
 * c.children(dir); c.status(path);                  // LaterStatus: unchanged later, changed later:cols, deleted later, created later
 * c.changedRanges(path);                            // byte ranges that differ from the reference
 * InstantChanges.between(history, a, b, prefix, true, progress);   // what ./cacheshadow changes prints
 * InstantScrub.open(end, instant).rows();           // the slider's scrub: the prefix and its names with status
 * </pre>
 */
package cacheshadow.merge;
