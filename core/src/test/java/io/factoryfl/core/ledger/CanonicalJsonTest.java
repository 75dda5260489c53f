package io.factoryfl.core.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CanonicalJsonTest {

  @Test
  void write_sortsKeysAtEveryDepthWithoutWhiteSpace() {
    Map<String, Object> inner = new LinkedHashMap<>();
    inner.put("z", 1);
    inner.put("a", List.of(true, false));
    Map<String, Object> outer = new LinkedHashMap<>();
    outer.put("b", inner);
    outer.put("a", null);
    outer.put("B", "upper sorts first");
    assertEquals("{\"B\":\"upper sorts first\",\"a\":null,\"b\":{\"a\":[true,false],\"z\":1}}",
        CanonicalJson.write(outer, "t"));
  }

  @Test
  void write_escapesOnlyQuotesBackslashesAndControlCharacters() {
    assertEquals("\"a\\\"b\\\\c\\n\\t\\u0001/é€\"",
        CanonicalJson.write("a\"b\\c\n\t\u0001/é€", "t"));
  }

  @Test
  void write_numbers() {
    assertEquals("[1,-7,12345678901234,0.5,1.0E-5,1.0,0.1,\"NaN\",\"-Infinity\"]",
        CanonicalJson.write(List.of(1, -7, 12345678901234L, 0.5, 1e-5, 1.0, 0.1f, Double.NaN,
            Double.NEGATIVE_INFINITY), "t"));
  }

  @Test
  void write_namesTheFieldOfAnUnsupportedValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CanonicalJson.write(Map.of("metrics", Map.of("when", java.time.Instant.EPOCH)),
            "round_closed"));
    assertTrue(e.getMessage().contains("field round_closed.metrics.when is a java.time.Instant"),
        e.getMessage());
  }

  @Test
  void withoutTopLevelMember_removesOnlyTheRecordsOwnSignature() {
    String line = "{\"metrics\":{\"sig\":\"inner\"},\"note\":\"\\\",\\\"sig\\\":\\\"x\","
        + "\"seq\":3,\"sig\":\"AAAA\",\"time\":\"t\"}";
    byte[] out = LedgerLine.withoutTopLevelMember(line.getBytes(StandardCharsets.UTF_8), "sig");
    assertEquals("{\"metrics\":{\"sig\":\"inner\"},\"note\":\"\\\",\\\"sig\\\":\\\"x\","
        + "\"seq\":3,\"time\":\"t\"}", new String(out, StandardCharsets.UTF_8));
    assertNull(LedgerLine.withoutTopLevelMember("{\"a\":{\"sig\":\"x\"}}"
        .getBytes(StandardCharsets.UTF_8), "sig"));
  }

  @Test
  void parse_rejectsUnsortedKeysDuplicateKeysAndNonCanonicalSignatures() {
    String zeros = "0".repeat(64);
    LedgerException unsorted = assertThrows(LedgerException.class, () -> LedgerLine.parse(1,
        ("{\"seq\":1,\"prev\":\"" + zeros + "\",\"time\":\"2025-01-01T00:00:00Z\","
            + "\"type\":\"x\"}").getBytes(StandardCharsets.UTF_8)));
    assertTrue(unsorted.getMessage().contains("key \"prev\" (after \"seq\") is out of order"),
        unsorted.getMessage());
    LedgerException duplicate = assertThrows(LedgerException.class, () -> LedgerLine.parse(4,
        ("{\"prev\":\"" + zeros + "\",\"seq\":1,\"seq\":1}").getBytes(StandardCharsets.UTF_8)));
    assertTrue(duplicate.getMessage().startsWith("line 4: not valid JSON: Duplicate field"),
        duplicate.getMessage());
    // 'B' instead of 'A' before the padding decodes to the same bytes in lenient decoders
    String sig = "A".repeat(85) + "B==";
    LedgerException lenient = assertThrows(LedgerException.class,
        () -> LedgerLine.decodeSignature(sig, "record 2 (line 2)"));
    assertTrue(lenient.getMessage().contains("not in canonical base64"), lenient.getMessage());
  }
}
