package io.factoryfl.core.ledger;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The canonical JSON of ledger records, receipts and heads: object keys sorted by {@link
 * String#compareTo} (UTF-16 code units, as RFC 8785), no white space, strings with only
 * {@code "} {@code \} and control characters escaped ({@code \b \t \n \f \r}, others {@code
 * \}{@code u00xx}), everything else raw UTF-8. Integers are written in decimal; other numbers
 * as {@link Double#toString} (for example {@code 0.5}, {@code 1.0E-5}); the non-finite doubles,
 * which JSON cannot express, as the strings {@code "NaN"}, {@code "Infinity"} and {@code
 * "-Infinity"}.
 *
 * <p>Signatures over ledger records are checked against the exact bytes of the line, never
 * against a re-serialisation, so a verifier on another JVM (whose {@code Double.toString} may
 * differ) still agrees with the writer.
 */
final class CanonicalJson {

  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .disable(JsonParser.Feature.ALLOW_COMMENTS)
      .build();

  private CanonicalJson() {}

  /**
   * Serialises {@code value}: null, String, Boolean, Number, Map with String keys, Collection,
   * Object[], or a Jackson {@link JsonNode}.
   *
   * @param path names the value in errors, e.g. {@code "round_closed.metrics"}
   * @throws IllegalArgumentException naming the path and the type of an unsupported value
   */
  static String write(Object value, String path) {
    StringBuilder out = new StringBuilder(256);
    append(out, value, path);
    return out.toString();
  }

  /** Parses one JSON document; duplicate keys and trailing content are errors. */
  static JsonNode parse(byte[] json) throws IOException {
    return MAPPER.readTree(json);
  }

  static JsonNode parse(String json) throws JsonProcessingException {
    return MAPPER.readTree(json);
  }

  private static void append(StringBuilder out, Object value, String path) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof String s) {
      appendString(out, s);
    } else if (value instanceof Boolean b) {
      out.append(b.booleanValue());
    } else if (value instanceof Number n) {
      appendNumber(out, n);
    } else if (value instanceof Map<?, ?> map) {
      TreeMap<String, Object> sorted = new TreeMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!(e.getKey() instanceof String key)) {
          throw new IllegalArgumentException("field " + path + " has a key " + e.getKey()
              + " of type " + (e.getKey() == null ? "null" : e.getKey().getClass().getName())
              + "; JSON object keys must be strings");
        }
        sorted.put(key, e.getValue());
      }
      out.append('{');
      boolean first = true;
      for (Map.Entry<String, Object> e : sorted.entrySet()) {
        if (!first) {
          out.append(',');
        }
        first = false;
        appendString(out, e.getKey());
        out.append(':');
        append(out, e.getValue(), path + "." + e.getKey());
      }
      out.append('}');
    } else if (value instanceof Collection<?> list) {
      appendArray(out, list.iterator(), path);
    } else if (value instanceof Object[] array) {
      appendArray(out, java.util.Arrays.asList(array).iterator(), path);
    } else if (value instanceof JsonNode node) {
      appendNode(out, node, path);
    } else {
      throw new IllegalArgumentException("field " + path + " is a "
          + value.getClass().getName() + "; ledger values must be String, Number, Boolean,"
          + " List or Map");
    }
  }

  private static void appendArray(StringBuilder out, Iterator<?> items, String path) {
    out.append('[');
    int i = 0;
    while (items.hasNext()) {
      if (i > 0) {
        out.append(',');
      }
      append(out, items.next(), path + "[" + i + "]");
      i++;
    }
    out.append(']');
  }

  private static void appendNode(StringBuilder out, JsonNode node, String path) {
    switch (node.getNodeType()) {
      case NULL, MISSING -> out.append("null");
      case STRING -> appendString(out, node.textValue());
      case BOOLEAN -> out.append(node.booleanValue());
      case NUMBER -> appendNumber(out, node.numberValue());
      case ARRAY -> appendArray(out, node.elements(), path);
      case OBJECT -> {
        TreeMap<String, Object> sorted = new TreeMap<>();
        node.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue()));
        append(out, sorted, path);
      }
      default -> throw new IllegalArgumentException(
          "field " + path + " is a JSON " + node.getNodeType() + "; not supported");
    }
  }

  private static void appendNumber(StringBuilder out, Number n) {
    if (n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte
        || n instanceof BigInteger || n instanceof AtomicInteger || n instanceof AtomicLong) {
      out.append(n.toString());
      return;
    }
    // Float via its decimal string, so 0.1f is written 0.1 and not 0.10000000149011612.
    double d = n instanceof Float f ? Double.parseDouble(f.toString()) : n.doubleValue();
    if (Double.isNaN(d)) {
      appendString(out, "NaN");
    } else if (Double.isInfinite(d)) {
      appendString(out, d > 0 ? "Infinity" : "-Infinity");
    } else {
      out.append(Double.toString(d));
    }
  }

  static void appendString(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\b' -> out.append("\\b");
        case '\t' -> out.append("\\t");
        case '\n' -> out.append("\\n");
        case '\f' -> out.append("\\f");
        case '\r' -> out.append("\\r");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
