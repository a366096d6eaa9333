package cacheshadow.kernel.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import cacheshadow.kernel.Btf;
import cacheshadow.kernel.BtfFormatException;
import cacheshadow.kernel.BtfKind;
import cacheshadow.kernel.BtfParser;
import cacheshadow.kernel.BtfType;
import cacheshadow.kernel.KernelLayoutException;
import cacheshadow.layers.LittleEndian;

class BtfParserTest {

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void parsesSampleVmlinuxBtf(String set) throws Exception {
		Btf btf = Samples.btf(set);
		assertTrue(btf.typeCount() > 50_000, "types: " + btf.typeCount());
		// struct dentry { unsigned int d_flags; seqcount_spinlock_t d_seq; struct hlist_bl_node d_hash;
		// struct dentry *d_parent; struct qstr d_name; ... } on x86-64 in both series.
		assertEquals(32, btf.field("dentry", "d_name").offset());
		assertEquals(btf.field("dentry", "d_name").offset() + btf.field("qstr", "name").offset(),
				btf.field("dentry", "d_name.name").offset());
		assertEquals(0, btf.field("inode", "i_mode").offset());
		assertEquals(2, btf.sizeOf(btf.field("inode", "i_mode").type()));
		assertEquals(8, btf.sizeOf(btf.field("dentry", "d_parent").type()));
		assertTrue(btf.resolved(btf.field("dentry", "d_parent").type()) instanceof BtfType.Ptr);
		// i_nlink lives in an anonymous union of struct inode.
		assertTrue(btf.hasField("inode", "i_nlink"));
		assertTrue(btf.hasField("inode", "__i_nlink"));
		assertTrue(btf.sizeOf("inode") > 400);
		boolean six12 = set.contains("6.12");
		assertEquals(!six12, btf.hasField("dentry", "d_subdirs"));
		assertEquals(six12, btf.hasField("dentry", "d_children"));
		assertEquals(six12, btf.hasField("dentry", "d_sib"));
		// qstr's hash/len is an anonymous struct in a union with hash_len.
		assertEquals(4, btf.field("qstr", "len").offset());
		// enum pageflags: PG_locked is 0, PG_dirty exists.
		BtfType.Enum pf = btf.enumType("pageflags");
		assertNotNull(pf);
		assertEquals(0L, pf.valueOf("PG_locked"));
		assertNotNull(pf.valueOf("PG_dirty"));
		// A bitfield: struct page has none we can rely on; sk_buff/ext4 have, but find any to check decoding.
		boolean anyBitfield = false;
		for (int id = 1; id < btf.typeCount() && !anyBitfield; id++) {
			if (btf.type(id) instanceof BtfType.Composite c) anyBitfield = c.members().stream().anyMatch(BtfType.Member::isBitfield);
		}
		assertTrue(anyBitfield);
		// Kinds present in a real vmlinux.
		for (BtfKind k : new BtfKind[] { BtfKind.INT, BtfKind.PTR, BtfKind.ARRAY, BtfKind.STRUCT, BtfKind.UNION,
				BtfKind.ENUM, BtfKind.FWD, BtfKind.TYPEDEF, BtfKind.VOLATILE, BtfKind.CONST, BtfKind.FUNC,
				BtfKind.FUNC_PROTO, BtfKind.VAR, BtfKind.DATASEC }) {
			boolean found = false;
			for (int id = 1; id < btf.typeCount() && !found; id++) found = btf.type(id).kind() == k;
			assertTrue(found, "kind " + k + " in " + set);
		}
		assertThrows(KernelLayoutException.class, () -> btf.field("dentry", "no_such_field"));
		assertThrows(KernelLayoutException.class, () -> btf.struct("no_such_struct_xyz"));
	}

	@Test
	void bitfieldOffsetsAreDecoded() throws Exception {
		// struct s { int a:3; int b:5; } with kind_flag set.
		Blob blob = new Blob();
		int intId = blob.type(blob.str("int"), (1 << 24), 4, 0x01000020); // INT, signed, 32 bits
		int s = blob.type(blob.str("s"), (4 << 24) | 0x80000000 | 2, 4);
		blob.member(blob.str("a"), intId, (3 << 24) | 0);
		blob.member(blob.str("b"), intId, (5 << 24) | 3);
		Btf btf = BtfParser.parse(blob.bytes(), "crafted");
		assertEquals(2, s);
		Btf.Field b = btf.field("s", "b");
		assertEquals(3, b.bitOffset());
		assertEquals(5, b.bitSize());
		assertTrue(((BtfType.Int) btf.type(intId)).signed());
	}

	@Test
	void emptyStepsOfAFieldPathAreNoMember() throws Exception {
		// a member named "." (a name from hostile BTF, looked up as a path) split into no step at all and the lookup
		// ended in a NullPointerException (found by BtfFuzzer)
		Blob blob = new Blob();
		int intId = blob.type(blob.str("int"), (1 << 24), 4, 0x01000020);
		blob.type(blob.str("s"), (4 << 24) | 2, 8);
		blob.member(blob.str("."), intId, 0);
		blob.member(blob.str("b"), intId, 32);
		Btf btf = BtfParser.parse(blob.bytes(), "crafted");
		for (String path : new String[] { ".", "..", "", "b.", ".b", "b..b" }) {
			assertThrows(KernelLayoutException.class, () -> btf.field("s", path), path);
			assertEquals(null, btf.fieldOrNull("s", path), path);
		}
		assertEquals(32, btf.field("s", "b").bitOffset());
	}

	/**
	 * Records are decoded on first use and names are indexed by a hash of their bytes: every id must decode, every
	 * named type must be found under its name (and only types of that name), from two threads at once.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void everyTypeDecodesAndIsFoundByItsName(String set) throws Exception {
		Btf btf = Samples.btf(set);
		java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
		try {
			java.util.List<java.util.concurrent.Future<Integer>> halves = new java.util.ArrayList<>();
			for (int half = 0; half < 2; half++) {
				int from = half == 0 ? 0 : btf.typeCount() / 2, to = half == 0 ? btf.typeCount() / 2 : btf.typeCount();
				halves.add(pool.submit(() -> {
					int named = 0;
					for (int id = from; id < to; id++) {
						BtfType t = btf.type(id);
						if (id == 0 || t.name().isEmpty()) continue;
						named++;
						java.util.List<Integer> ids = btf.idsNamed(t.name());
						assertTrue(ids.contains(id), "type " + id + " not found under its name " + t.name());
						for (int other : ids) assertEquals(t.name(), btf.type(other).name());
						for (int i = 1; i < ids.size(); i++) assertTrue(ids.get(i - 1) < ids.get(i), "ids in id order: " + ids);
					}
					return named;
				}));
			}
			int named = halves.get(0).get() + halves.get(1).get();
			assertTrue(named > 50_000, "named types: " + named);
		} finally {
			pool.shutdownNow();
		}
		assertEquals(java.util.List.of(), btf.idsNamed("no_such_type_name_at_all"));
		assertEquals(java.util.List.of(), btf.idsNamed("dentr"), "a prefix of a name is not the name");
	}

	@Test
	void aMemberNameOutsideTheStringsFailsAtParseTime() throws Exception {
		Blob blob = new Blob();
		int intId = blob.type(blob.str("int"), 1 << 24, 4, 0x01000020);
		blob.type(blob.str("s"), (4 << 24) | 1, 4);
		blob.member(999_999, intId, 0);
		BtfFormatException e = assertThrows(BtfFormatException.class, () -> BtfParser.parse(blob.bytes(), "member"));
		assertTrue(e.getMessage().contains("type 2") && e.getMessage().contains("string offset"), e.getMessage());
	}

	@Test
	void truncatedBlobsFailClearly() throws Exception {
		byte[] real = Files.readAllBytes(Samples.file("debian-6.1-kaslr", "kernel/vmlinux.btf"));
		for (int len : new int[] { 0, 3, 23, 24, 100, 4096, real.length / 2, real.length - 1 }) {
			byte[] cut = Arrays.copyOf(real, len);
			BtfFormatException e = assertThrows(BtfFormatException.class, () -> BtfParser.parse(cut, "cut" + len));
			assertTrue(e.getMessage().startsWith("cut" + len + ": "), e.getMessage());
		}
		byte[] badMagic = real.clone();
		badMagic[0] = 0;
		assertThrows(BtfFormatException.class, () -> BtfParser.parse(badMagic, "magic"));
	}

	@Test
	void hostileTypeSectionsFailClearlyAndQuickly() throws Exception {
		// A type id beyond the table.
		Blob a = new Blob();
		a.type(0, 2 << 24, 99);
		BtfFormatException e = assertThrows(BtfFormatException.class, () -> BtfParser.parse(a.bytes(), "dangling"));
		assertTrue(e.getMessage().contains("refers to type 99"), e.getMessage());
		// A string offset past the string section.
		Blob b = new Blob();
		b.type(1_000_000, 1 << 24, 4, 32);
		assertThrows(BtfFormatException.class, () -> BtfParser.parse(b.bytes(), "string"));
		// vlen claims more members than there are bytes.
		Blob c = new Blob();
		c.type(c.str("s"), (4 << 24) | 0xffff, 8);
		assertThrows(BtfFormatException.class, () -> BtfParser.parse(c.bytes(), "vlen"));
		// Unknown kind.
		Blob d = new Blob();
		d.type(0, 31 << 24, 0);
		assertThrows(BtfFormatException.class, () -> BtfParser.parse(d.bytes(), "kind"));
	}

	@Test
	void typedefLoopsAndSelfContainingStructsAreBounded() throws Exception {
		assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
			Blob blob = new Blob();
			int t1 = blob.type(blob.str("a_t"), 8 << 24, 2); // typedef a_t -> 2
			int t2 = blob.type(blob.str("b_t"), 8 << 24, 1); // typedef b_t -> 1 (loop)
			int arr = blob.type(0, 3 << 24, 0, 3, 1, 10); // array of itself
			int s = blob.type(blob.str("loop"), (4 << 24) | 2, 8);
			blob.member(blob.str("x"), t1, 0);
			blob.member(0, 4, 32); // anonymous member of its own type
			Btf btf = BtfParser.parse(blob.bytes(), "loops");
			assertEquals(4, s);
			assertThrows(KernelLayoutException.class, () -> btf.resolve(t1));
			assertThrows(KernelLayoutException.class, () -> btf.sizeOf(t2));
			assertThrows(KernelLayoutException.class, () -> btf.sizeOf(arr));
			assertThrows(KernelLayoutException.class, () -> btf.field("loop", "x.y"));
			assertThrows(KernelLayoutException.class, () -> btf.field("loop", "nothere"));
			assertFalse(btf.hasField("loop", "nothere"));
		});
	}

	/** Builds small BTF blobs for hostile-input tests. */
	static final class Blob {
		private final ByteArrayOutputStream types = new ByteArrayOutputStream();
		private final ByteArrayOutputStream strings = new ByteArrayOutputStream();
		private int next = 1;

		Blob() {
			strings.write(0);
		}

		int str(String s) {
			int off = strings.size();
			strings.writeBytes(s.getBytes(StandardCharsets.UTF_8));
			strings.write(0);
			return off;
		}

		int type(int nameOff, int info, int sizeOrType, int... extra) {
			u32(nameOff);
			u32(info);
			u32(sizeOrType);
			for (int x : extra) u32(x);
			return next++;
		}

		void member(int nameOff, int type, int offset) {
			u32(nameOff);
			u32(type);
			u32(offset);
		}

		private void u32(int v) {
			byte[] b = new byte[4];
			LittleEndian.put32(b, 0, v);
			types.writeBytes(b);
		}

		byte[] bytes() {
			byte[] t = types.toByteArray(), s = strings.toByteArray();
			byte[] out = new byte[24 + t.length + s.length];
			out[0] = (byte) 0x9f;
			out[1] = (byte) 0xeb;
			out[2] = 1;
			LittleEndian.put32(out, 4, 24);
			LittleEndian.put32(out, 8, 0);
			LittleEndian.put32(out, 12, t.length);
			LittleEndian.put32(out, 16, t.length);
			LittleEndian.put32(out, 20, s.length);
			System.arraycopy(t, 0, out, 24, t.length);
			System.arraycopy(s, 0, out, 24 + t.length, s.length);
			return out;
		}
	}
}
