package cacheshadow.kernel.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import cacheshadow.kernel.KernelLayoutException;
import cacheshadow.kernel.SymbolTable;

class SymbolTableTest {

	/** Against an independent reading of the same System.map (regex split, first of a repeated name wins). */
	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void systemMapEqualsALineByLineReading(String set) throws Exception {
		Path map = Samples.file(set, "kernel/System.map");
		Map<String, Long> want = new HashMap<>();
		Map<String, Character> types = new HashMap<>();
		for (String line : Files.readAllLines(map)) {
			String[] f = line.trim().split("\\s+");
			if (f.length > 3 && f[3].startsWith("[")) continue;
			if (want.putIfAbsent(f[2], Long.parseUnsignedLong(f[0], 16)) == null) types.put(f[2], f[1].charAt(0));
		}
		SymbolTable t = SymbolTable.readSystemMap(map);
		assertEquals(want.size(), t.size());
		assertEquals(want, t.all());
		for (Map.Entry<String, Long> e : want.entrySet()) {
			assertEquals(e.getValue(), t.addressOrNull(e.getKey()), e.getKey());
			assertEquals(types.get(e.getKey()), t.type(e.getKey()), e.getKey());
			assertTrue(t.contains(e.getKey()));
		}
		assertFalse(t.contains("init_tas"), "a prefix of a name is not the name");
		assertNull(t.addressOrNull("init_task_"));
	}

	@Test
	void edgeCasesOfTheLineFormat() throws Exception {
		SymbolTable t = SymbolTable.parse(String.join("\n", List.of(
				"ffffffff81000000 T _text",
				"ffffffff81000010 t dup",
				"ffffffff81000020 t dup",
				"ffffffff81000030 T dup_longer",
				"  ffffffff81000040\tD\tspaced\r",
				"",
				"ffffffffc0000000 t modsym\t[ext4]",
				"ffffffff81000050 d last")), false, "crafted");
		assertEquals(5, t.size());
		assertEquals(0xffffffff81000010L, t.address("dup"), "the first of a repeated name wins");
		assertEquals(0xffffffff81000030L, t.address("dup_longer"));
		assertEquals(0xffffffff81000040L, t.address("spaced"));
		assertEquals('D', t.type("spaced"));
		assertEquals(0xffffffff81000050L, t.address("last"), "a last line without a newline");
		assertFalse(t.contains("modsym"), "module symbols are not in the kernel image");
		assertThrows(KernelLayoutException.class, () -> t.address("du"));
		assertThrows(KernelLayoutException.class, () -> SymbolTable.parse("zzzz T x\n", false, "bad"));
		assertThrows(KernelLayoutException.class, () -> SymbolTable.parse("ffff TT x\n", false, "bad"));
		assertThrows(KernelLayoutException.class, () -> SymbolTable.parse("ffff T\n", false, "bad"));
		assertThrows(KernelLayoutException.class, () -> SymbolTable.parse("1ffffffffffffffff T x\n", false, "bad"));
		assertThrows(KernelLayoutException.class, () -> SymbolTable.parse("\n\n", false, "empty"));
	}
}
