/**
 * ext2/ext3/ext4 read in pure Java over any {@link cacheshadow.layers.Layer} (raw, qcow2, block overlays, the
 * disk at an instant of a write journal), never writing it. On-disk format per the kernel's
 * "ext4 Data Structures and Algorithms" documentation.
 *
 * <pre>
 * Ext4FileSystem fs = Ext4FileSystem.open(layer, Ext4FileSystem.Options.REPLAYED);   // or AS_IT_LIES
 * List&lt;FileRecord&gt; all = fs.listing("/mnt/disk");       // manifest.tsv conventions, sha256 of regular files
 * Ext4File f = fs.open(fs.lookup("/var/log/app.log"));   // f.read(offset, buf, off, len), f.sha256()
 * BlockMap m = f.blockMap();                            // logical block → device block / hole / unwritten
 * fs.findings();                                        // checksum mismatches, damaged structures
 * fs.journalReplay().overlay();                         // the replayed disk as a Layer (block → journal copy)
 * BlockOwners.build(fs).owner(block);                   // device block → group metadata or inode + file block
 * fs.deletedListing("/mnt/disk", true);                 // deleted / orphan inodes, names recovered from slack
 * </pre>
 */
package cacheshadow.ext4;
