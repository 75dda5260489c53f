package io.factoryfl.core.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.factoryfl.core.params.ContentHash;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;

/**
 * One ledger line, parsed: the envelope members every record has, the signature and the exact
 * bytes it was made over. See {@link LedgerRecord} for the format.
 */
final class LedgerLine {

  static final String ZERO_HASH = "0".repeat(64);
  static final int SIGNATURE_BYTES = 64;

  final int line;
  final String json;
  final String hash;
  final ObjectNode tree;
  final long seq;
  final String type;
  final String prev;
  final Instant time;
  /** The decoded signature, or null if the record is unsigned. */
  final byte[] signature;
  /** The bytes the signature is over: the line without its "sig" member. */
  final byte[] payload;

  private LedgerLine(int line, String json, String hash, ObjectNode tree, long seq, String type,
      String prev, Instant time, byte[] signature, byte[] payload) {
    this.line = line;
    this.json = json;
    this.hash = hash;
    this.tree = tree;
    this.seq = seq;
    this.type = type;
    this.prev = prev;
    this.time = time;
    this.signature = signature;
    this.payload = payload;
  }

  /** The complete lines of a ledger file (those ending in a newline), without newlines. */
  static List<byte[]> completeLines(byte[] file) {
    List<byte[]> lines = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < file.length; i++) {
      if (file[i] == '\n') {
        lines.add(Arrays.copyOfRange(file, start, i));
        start = i + 1;
      }
    }
    return lines;
  }

  /** How many bytes follow the last newline: a torn line left by a crash, or 0. */
  static int tornLength(byte[] file) {
    int end = file.length;
    while (end > 0 && file[end - 1] != '\n') {
      end--;
    }
    return file.length - end;
  }

  /** Where a record is, for messages: "record 7 (line 7)". */
  static String where(long seq, int line) {
    return "record " + seq + " (line " + line + ")";
  }

  String where() {
    return where(seq, line);
  }

  boolean signed() {
    return signature != null;
  }

  LedgerRecord toRecord() {
    return new LedgerRecord(seq, type, json, hash);
  }

  /**
   * Parses one line (without its newline).
   *
   * @param line the 1-based line number, for messages
   * @throws LedgerException naming the line and what is malformed
   */
  static LedgerLine parse(int line, byte[] bytes) throws LedgerException {
    String at = "line " + line;
    String json;
    try {
      json = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new LedgerException(at + ": not valid UTF-8 (" + e.getMessage() + ")");
    }
    if (json.isEmpty()) {
      throw new LedgerException(at + ": empty line; every line must hold one record");
    }
    JsonNode node;
    try {
      node = CanonicalJson.parse(bytes);
    } catch (IOException e) {
      throw new LedgerException(at + ": not valid JSON: " + firstLine(e.getMessage()));
    }
    if (!(node instanceof ObjectNode tree)) {
      throw new LedgerException(at + ": not a JSON object but a " + node.getNodeType());
    }
    JsonNode seqNode = tree.get("seq");
    if (seqNode == null || !seqNode.isIntegralNumber() || !seqNode.canConvertToLong()
        || seqNode.longValue() < 1) {
      throw new LedgerException(at + ": \"seq\" is missing or not a whole number >= 1 ("
          + seqNode + ")");
    }
    long seq = seqNode.longValue();
    String where = where(seq, line);
    String unsorted = firstUnsortedKey(tree, "");
    if (unsorted != null) {
      throw new LedgerException(where + ": not canonical JSON: key " + unsorted
          + " is out of order; the writer sorts keys");
    }
    String type = text(tree, "type", where);
    if (!type.matches("[a-z][a-z0-9_]{0,63}")) {
      throw new LedgerException(where + ": type '" + type + "' is not a record type name");
    }
    String prev = text(tree, "prev", where);
    if (!LedgerRecord.HEX64.matcher(prev).matches()) {
      throw new LedgerException(where + ": prev '" + prev
          + "' is not 64 lower-case hex digits");
    }
    Instant time;
    try {
      time = Instant.parse(text(tree, "time", where));
    } catch (DateTimeParseException e) {
      throw new LedgerException(where + ": time '" + tree.get("time").asText()
          + "' is not an ISO-8601 instant");
    }
    byte[] signature = null;
    byte[] payload = bytes;
    if (tree.has("sig")) {
      signature = decodeSignature(text(tree, "sig", where), where);
      payload = withoutTopLevelMember(bytes, "sig");
      if (payload == null) {
        throw new LedgerException(where + ": cannot locate its \"sig\" member");
      }
    }
    return new LedgerLine(line, json, ContentHash.of(bytes), tree, seq, type, prev, time,
        signature, payload);
  }

  /**
   * Decodes a signature strictly: standard base64 that re-encodes to the same text (so no two
   * texts carry the same signature) and exactly 64 bytes.
   */
  static byte[] decodeSignature(String base64, String where) throws LedgerException {
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new LedgerException(where + ": its signature is not base64: " + e.getMessage());
    }
    if (!Base64.getEncoder().encodeToString(decoded).equals(base64)) {
      throw new LedgerException(where + ": its signature is not in canonical base64 (padded,"
          + " unused bits zero): it was altered");
    }
    if (decoded.length != SIGNATURE_BYTES) {
      throw new LedgerException(where + ": its signature has " + decoded.length
          + " bytes; an Ed25519 signature has " + SIGNATURE_BYTES);
    }
    return decoded;
  }

  static String text(JsonNode tree, String field, String where) throws LedgerException {
    JsonNode value = tree.get(field);
    if (value == null || !value.isTextual()) {
      throw new LedgerException(where + ": \"" + field + "\" is "
          + (value == null ? "missing" : "not a string but " + value));
    }
    return value.textValue();
  }

  /**
   * The JSON object text {@code bytes} with the top-level member {@code key} (and one comma
   * next to it) removed, or null if there is no such member. Nested objects and string contents
   * are skipped, so a "sig" inside a value is never taken for the record's own.
   */
  static byte[] withoutTopLevelMember(byte[] bytes, String key) {
    byte[] quoted = ("\"" + key + "\":").getBytes(StandardCharsets.UTF_8);
    int depth = 0;
    byte last = 0;
    for (int i = 0; i < bytes.length; i++) {
      byte b = bytes[i];
      if (b == '"') {
        boolean isKey = depth == 1 && (last == '{' || last == ',');
        if (isKey && startsWith(bytes, i, quoted)) {
          int valueEnd = endOfValue(bytes, i + quoted.length);
          if (valueEnd < 0) {
            return null;
          }
          int from;
          int to;
          if (last == ',') {
            from = i - 1;
            to = valueEnd;
          } else if (valueEnd < bytes.length && bytes[valueEnd] == ',') {
            from = i;
            to = valueEnd + 1;
          } else {
            from = i;
            to = valueEnd;
          }
          byte[] out = new byte[bytes.length - (to - from)];
          System.arraycopy(bytes, 0, out, 0, from);
          System.arraycopy(bytes, to, out, from, bytes.length - to);
          return out;
        }
        i = endOfString(bytes, i) - 1;
        last = '"';
        continue;
      }
      if (b == '{' || b == '[') {
        depth++;
      } else if (b == '}' || b == ']') {
        depth--;
      }
      last = b;
    }
    return null;
  }

  private static boolean startsWith(byte[] bytes, int at, byte[] prefix) {
    if (at + prefix.length > bytes.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (bytes[at + i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  /** Index just after the string starting with the quote at {@code start}, or -1. */
  private static int endOfString(byte[] bytes, int start) {
    for (int i = start + 1; i < bytes.length; i++) {
      if (bytes[i] == '\\') {
        i++;
      } else if (bytes[i] == '"') {
        return i + 1;
      }
    }
    return -1;
  }

  /** Index just after a string value starting at {@code start} (the signature is a string). */
  private static int endOfValue(byte[] bytes, int start) {
    if (start >= bytes.length || bytes[start] != '"') {
      return -1;
    }
    return endOfString(bytes, start);
  }

  private static String firstUnsortedKey(JsonNode node, String path) {
    if (node.isObject()) {
      String previous = null;
      Iterator<String> names = node.fieldNames();
      while (names.hasNext()) {
        String name = names.next();
        if (previous != null && previous.compareTo(name) >= 0) {
          return "\"" + path + name + "\" (after \"" + previous + "\")";
        }
        previous = name;
        String inner = firstUnsortedKey(node.get(name), path + name + ".");
        if (inner != null) {
          return inner;
        }
      }
    } else if (node.isArray()) {
      for (JsonNode element : node) {
        String inner = firstUnsortedKey(element, path);
        if (inner != null) {
          return inner;
        }
      }
    }
    return null;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "(no detail)";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
