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
 */
package cacheshadow.merge;
