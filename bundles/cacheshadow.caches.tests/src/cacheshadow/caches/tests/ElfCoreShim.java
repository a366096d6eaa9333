package cacheshadow.caches.tests;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;
import cacheshadow.layers.MappedFile;
import cacheshadow.layers.UnmappedAddressException;

/**
 * Test-only guest-physical view of a QEMU ELF core (PT_LOAD p_paddr → file offset), until the layers bundle's
 * ELF core layer is available to these tests.
 */
public final class ElfCoreShim implements Layer {
	private final MappedFile file;
	private final List<Extent> extents = new ArrayList<>();
	private final List<Long> fileOffsets = new ArrayList<>();

	public ElfCoreShim(Path path) throws IOException {
		file = MappedFile.open(path);
		long phoff = file.u64(0x20);
		byte[] b = new byte[4];
		file.read(0x36, b, 0, 4);
		int phentsize = (b[0] & 0xff) | (b[1] & 0xff) << 8, phnum = (b[2] & 0xff) | (b[3] & 0xff) << 8;
		for (int i = 0; i < phnum; i++) {
			long h = phoff + (long) i * phentsize;
			if (file.u32(h) != 1) continue;
			long off = file.u64(h + 8), pa = file.u64(h + 0x18), filesz = file.u64(h + 0x20);
			extents.add(new Extent(pa, filesz));
			fileOffsets.add(off);
		}
	}

	@Override
	public String name() {
		return file.path().getFileName() + " (ELF core, test shim)";
	}

	@Override
	public String source() {
		return file.path().toString();
	}

	@Override
	public long size() {
		return extents.get(extents.size() - 1).end();
	}

	@Override
	public List<Extent> extents() {
		return extents;
	}

	@Override
	public void read(long offset, byte[] buf, int off, int len) throws IOException {
		for (int i = 0; i < extents.size(); i++) {
			Extent e = extents.get(i);
			if (e.contains(offset)) {
				if (offset + len > e.end()) throw new UnmappedAddressException(name(), e.end());
				file.read(fileOffsets.get(i) + offset - e.start(), buf, off, len);
				return;
			}
		}
		throw new UnmappedAddressException(name(), offset);
	}

	@Override
	public void close() {
		file.close();
	}
}
