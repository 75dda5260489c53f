package io.factoryfl.core.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.factoryfl.core.text.Printable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A JSON object of the spec together with its path, so that every error names the field.
 * Unknown fields are errors: a typo such as {@code "round": 20} must not silently fall back to a
 * default.
 *
 * <p>A field read with a fallback that the spec leaves out gets the fallback written into the
 * tree ({@link #pin}), so that after parsing the tree spells out every default the job took
 * ({@link JobSpecParser#pinned}). A fallback the field cannot spell (outside its range, such as
 * "no clipping") is left out: absent, it reads back the same.
 */
final class SpecNode {
  private final ObjectNode node;
  private final String path;

  SpecNode(JsonNode node, String path, Set<String> knownFields) {
    if (node == null || !node.isObject()) {
      throw new InvalidJobSpecException(
          displayPath(path), "must be a JSON object, got " + describe(node));
    }
    this.node = (ObjectNode) node;
    this.path = path;
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!knownFields.contains(name)) {
        throw new InvalidJobSpecException(
            field(Printable.escape(name)), "unknown field; allowed fields here are " + sorted(knownFields));
      }
    }
  }

  String field(String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  boolean has(String name) {
    return node.has(name) && !node.get(name).isNull();
  }

  SpecNode object(String name, Set<String> knownFields) {
    if (!has(name)) {
      throw new InvalidJobSpecException(field(name), "is required");
    }
    return new SpecNode(node.get(name), field(name), knownFields);
  }

  /**
   * The object {@code name}, or an empty one put in its place when the spec leaves it out, so
   * that its fields' defaults are pinned there.
   */
  SpecNode objectOrEmpty(String name, Set<String> knownFields) {
    if (!has(name)) {
      node.set(name, JsonNodeFactory.instance.objectNode());
    }
    return object(name, knownFields);
  }

  /** Writes a default the spec left out into the tree, so the parsed tree names it. */
  void pin(String name, JsonNode value) {
    node.set(name, value);
  }

  void pin(String name, String value) {
    node.put(name, value);
  }

  void pin(String name, double value) {
    node.put(name, value);
  }

  JsonNode raw(String name) {
    return node.get(name);
  }

  String requiredString(String name) {
    if (!has(name)) {
      throw new InvalidJobSpecException(field(name), "is required");
    }
    return string(name, null);
  }

  String string(String name, String fallback) {
    if (!has(name)) {
      if (fallback != null) {
        pin(name, fallback);
      }
      return fallback;
    }
    JsonNode value = node.get(name);
    if (!value.isTextual() || value.asText().isBlank()) {
      throw new InvalidJobSpecException(
          field(name), "must be a non-empty string, got " + describe(value));
    }
    return printable(field(name), value.asText());
  }

  int integer(String name, int fallback, int min, int max) {
    if (!has(name)) {
      if (fallback >= min && fallback <= max) {
        node.put(name, fallback);
      }
      return fallback;
    }
    JsonNode value = node.get(name);
    if (!value.canConvertToInt() || !value.isIntegralNumber()) {
      throw new InvalidJobSpecException(
          field(name), "must be an integer between " + min + " and " + max + ", got " + describe(value));
    }
    return checkRange(name, value.asInt(), min, max);
  }

  int checkRange(String name, int value, int min, int max) {
    if (value < min || value > max) {
      throw new InvalidJobSpecException(
          field(name), "was " + value + "; must be between " + min + " and " + max);
    }
    return value;
  }

  long longValue(String name, long fallback) {
    if (!has(name)) {
      node.put(name, fallback);
      return fallback;
    }
    JsonNode value = node.get(name);
    if (!value.isIntegralNumber() || !value.canConvertToLong()) {
      throw new InvalidJobSpecException(field(name), "must be an integer, got " + describe(value));
    }
    return value.asLong();
  }

  boolean bool(String name, boolean fallback) {
    if (!has(name)) {
      node.put(name, fallback);
      return fallback;
    }
    JsonNode value = node.get(name);
    if (!value.isBoolean()) {
      throw new InvalidJobSpecException(field(name), "must be true or false, got " + describe(value));
    }
    return value.asBoolean();
  }

  /** An optional integer in [min, max]; null when absent. */
  Integer optionalInteger(String name, int min, int max) {
    return has(name) ? integer(name, 0, min, max) : null;
  }

  /** A required finite number (any sign). */
  double finite(String name) {
    JsonNode value = node.get(name);
    if (value == null || !value.isNumber() || !Double.isFinite(value.asDouble())) {
      throw new InvalidJobSpecException(field(name), "must be a finite number, got " + describe(value));
    }
    return value.asDouble();
  }

  /** A number in the half-open range (exclusiveMin, max]. */
  double number(String name, double fallback, double exclusiveMin, double max) {
    if (!has(name)) {
      if (fallback > exclusiveMin && fallback <= max) {
        pin(name, fallback);
      }
      return fallback;
    }
    JsonNode value = node.get(name);
    if (!value.isNumber()) {
      throw new InvalidJobSpecException(
          field(name), "must be a number in (" + exclusiveMin + ", " + max + "], got " + describe(value));
    }
    double d = value.asDouble();
    if (!(d > exclusiveMin && d <= max)) {
      throw new InvalidJobSpecException(
          field(name), "was " + value.asText() + "; must be greater than " + exclusiveMin
              + " and at most " + max);
    }
    return d;
  }

  List<String> strings(String name, boolean required) {
    if (!has(name)) {
      if (required) {
        throw new InvalidJobSpecException(field(name), "is required (a list of strings)");
      }
      node.putArray(name);
      return List.of();
    }
    JsonNode value = node.get(name);
    if (!value.isArray()) {
      throw new InvalidJobSpecException(field(name), "must be a list of strings, got " + describe(value));
    }
    List<String> result = new ArrayList<>();
    for (int i = 0; i < value.size(); i++) {
      JsonNode item = value.get(i);
      if (!item.isTextual() || item.asText().isBlank()) {
        throw new InvalidJobSpecException(
            field(name) + "[" + i + "]", "must be a non-empty string, got " + describe(item));
      }
      result.add(printable(field(name) + "[" + i + "]", item.asText()));
    }
    return result;
  }

  /**
   * Refuses names that would change how a terminal or log shows them: C0 and C1 control
   * characters, DEL, line and paragraph separators, and bidirectional marks, embeddings,
   * overrides and isolates (a name holding U+202E prints the rest of the line reversed).
   */
  static String printable(String field, String value) {
    for (int i = 0; i < value.length(); ) {
      int c = value.codePointAt(i);
      if (Printable.isUnprintable(c)) {
        throw new InvalidJobSpecException(field, String.format(java.util.Locale.ROOT,
            "contains the control character U+%04X at position %d; names, columns and categories"
                + " may not contain control characters or bidirectional overrides", c, i));
      }
      i += Character.charCount(c);
    }
    return value;
  }

  static String describe(JsonNode value) {
    if (value == null || value.isMissingNode()) {
      return "nothing";
    }
    String text = Printable.escape(value.toString());
    return text.length() > 80 ? text.substring(0, 77) + "..." : text;
  }

  private static String displayPath(String path) {
    return path.isEmpty() ? "(job spec)" : path;
  }

  private static List<String> sorted(Set<String> names) {
    List<String> list = new ArrayList<>(names);
    list.sort(null);
    return list;
  }
}
