package cacheshadow.fleet.spark;

import java.io.Serializable;

/**
 * One Spark task of the fleet search: share {@code k} of {@code n} of one journal (SectorHashSearch.share), the
 * journal by where it is ({@code location}: a local path or a Hadoop URI such as {@code hdfs://...}) and by the name
 * its hits give it ({@code shown}, as ./cacheshadow search names a journal: as given, or as listed in a directory).
 * {@code length} and {@code modified} tell a changed file from the one a task already opened.
 */
record JournalSplit(String shown, String location, boolean local, long length, long modified, int k, int n) implements Serializable {
}
