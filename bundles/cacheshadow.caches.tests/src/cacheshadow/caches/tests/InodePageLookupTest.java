package cacheshadow.caches.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import cacheshadow.caches.CacheAnalysis;
import cacheshadow.caches.CachedEntry;
import cacheshadow.caches.InodePageLookup;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.ManifestFormat;

/**
 * The page-cache lookup used for symlink targets, checked on regular files: a file whose pages are all cached must
 * hash to the manifest's sha256 (the guest hashed every file just before the snapshot, so all are cached).
 */
class InodePageLookupTest {
	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void fullyCachedFilesHashToTheManifest(String set) throws Exception {
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			CacheAnalysis a = CacheAnalysis.open(mem, null, Progress.NONE);
			InodePageLookup pages = new InodePageLookup(a.kernel());
			Map<String, CachedEntry> byPath = new HashMap<>();
			for (CachedEntry e : a.entries()) if (e.state() == CachedEntry.State.POSITIVE) byPath.put(e.path(), e);
			List<FileRecord> expected = ManifestFormat.read(Samples.file(set, "manifest.tsv"));
			int files = 0, read = 0;
			for (FileRecord r : expected) {
				if (!r.type().isRegular()) continue;
				files++;
				CachedEntry e = byPath.get(r.path());
				byte[] data = pages.read(e.inode().address(), e.inode().size());
				if (data == null) continue;
				read++;
				String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
				assertEquals(r.sha256(), sha, r.path());
			}
			System.out.printf("%s: %d of %d regular files read completely from the page cache, all hashes equal%n", set, read, files);
			assertEquals(files, read);
			assertTrue(files > 30);
		}
	}
}
