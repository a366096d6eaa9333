package cacheshadow.listing.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import cacheshadow.listing.Json;

/**
 * {@link Json#parse}: real QMP replies of QEMU 7.2 (query-block, query-jobs, an event) read into maps and lists; what
 * {@link Json#of} writes reads back equal; bad text is one clear error, deep nesting too (no stack overflow).
 */
class JsonParseTest {
	@Test
	void readsQmpReplies() {
		String block = "{\"return\": [{\"io-status\": \"ok\", \"device\": \"\", \"locked\": false, \"removable\": false, \"inserted\": {\"iops_rd\": 0,"
				+ " \"ro\": false, \"node-name\": \"hd0\", \"backing_file_depth\": 0, \"drv\": \"blklogwrites\", \"image\": {\"virtual-size\": 67108864,"
				+ " \"filename\": \"json:{\\\"driver\\\": \\\"blklogwrites\\\", \\\"file\\\": {\\\"driver\\\": \\\"file\\\", \\\"filename\\\": \\\"/tmp/d/disk.img\\\"}}\","
				+ " \"format\": \"blklogwrites\", \"dirty-flag\": false}, \"file\": \"json:{}\", \"detect_zeroes\": \"off\", \"bps\": 1.5e3},"
				+ " \"qdev\": \"/machine/peripheral-anon/device[0]/virtio-backend\", \"type\": \"unknown\"}]}";
		Map<?, ?> top = (Map<?, ?>) Json.parse(block);
		Map<?, ?> dev = (Map<?, ?>) ((List<?>) top.get("return")).get(0);
		Map<?, ?> ins = (Map<?, ?>) dev.get("inserted");
		assertEquals("hd0", ins.get("node-name"));
		assertEquals(Boolean.FALSE, ins.get("ro"));
		assertEquals(67108864L, ((Map<?, ?>) ins.get("image")).get("virtual-size"));
		assertEquals(1500.0, ins.get("bps"));
		Map<?, ?> inner = (Map<?, ?>) Json.parse((String) ((Map<?, ?>) ins.get("image")).get("filename").toString().substring(5));
		assertEquals("/tmp/d/disk.img", ((Map<?, ?>) inner.get("file")).get("filename"));

		Map<?, ?> event = (Map<?, ?>) Json.parse("{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 12}, \"event\": \"BLOCK_JOB_COMPLETED\","
				+ " \"data\": {\"device\": \"j\", \"error\": \"No space left on device\", \"len\": -1}}");
		assertEquals("BLOCK_JOB_COMPLETED", event.get("event"));
		assertEquals(-1L, ((Map<?, ?>) event.get("data")).get("len"));
		assertEquals(List.of(), ((Map<?, ?>) Json.parse("{\"return\": []}")).get("return"));
		assertEquals(Map.of(), ((Map<?, ?>) Json.parse(" {\"return\" : {}}\r\n")).get("return"));
		assertNull(Json.parse("null"));
		assertEquals("a\"b\\c/\n\u00e9\ud83d\ude00", Json.parse("\"a\\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00\""));
		assertEquals(12345678901234567890.0, Json.parse("12345678901234567890"));
	}

	@Test
	void readsBackWhatItWrites() {
		Map<String, Object> m = new LinkedHashMap<>();
		m.put("path", "/mnt/disk/a\tb\u202e");
		m.put("size", 4096L);
		m.put("list", List.of(true, false, "x"));
		m.put("none", null);
		assertEquals(m, Json.parse(Json.of(m)));
	}

	@Test
	void badTextIsOneClearError() {
		for (String bad : new String[] { "", "{", "{\"a\" 1}", "{\"a\":1,}", "[1 2]", "\"unterminated", "\"\\x\"", "\"\\u12\"", "\"\\u+123\"",
				"01x", "-", "1.", "1e", "tru", "{} x", "\"tab\there\"", "{1:2}" }) {
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
			assertTrue(e.getMessage().startsWith("JSON at offset "), e.getMessage());
		}
		IllegalArgumentException deep = assertThrows(IllegalArgumentException.class, () -> Json.parse("[".repeat(100_000)));
		assertTrue(deep.getMessage().contains("nested deeper than 64"), deep.getMessage());
	}
}
