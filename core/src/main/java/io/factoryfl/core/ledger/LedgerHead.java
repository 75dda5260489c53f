package io.factoryfl.core.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import io.factoryfl.core.security.SigningIdentity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Base64;
import java.util.TreeMap;

/**
 * The signed head of a ledger: which record was the last signed one and its hash, signed by the
 * coordinator. Kept in {@code <ledger>.head} (format in {@link LedgerRecord}).
 */
record LedgerHead(long seq, String hash, String signature) {

  static final String TYPE = "ledger_head";
  static final String SUFFIX = ".head";

  static Path fileOf(Path ledger) {
    return ledger.resolveSibling(ledger.getFileName() + SUFFIX);
  }

  /** The canonical JSON line (without newline) of a head signed with {@code key}. */
  static String signedLine(long seq, String hash, PrivateKey key) {
    byte[] signature = SigningIdentity.sign(key, payload(seq, hash));
    TreeMap<String, Object> fields = fields(seq, hash);
    fields.put("sig", Base64.getEncoder().encodeToString(signature));
    return CanonicalJson.write(fields, TYPE);
  }

  /**
   * Parses a head line.
   *
   * @param where names the file in messages
   */
  static LedgerHead parse(String text, String where) throws LedgerException {
    JsonNode tree;
    try {
      tree = CanonicalJson.parse(text.strip());
    } catch (IOException e) {
      throw new LedgerException(where + " is not valid JSON: " + e.getMessage().lines()
          .findFirst().orElse(""));
    }
    if (!tree.isObject() || !TYPE.equals(tree.path("type").asText())) {
      throw new LedgerException(where + " is not a ledger head (type " + TYPE + ")");
    }
    long seq = LedgerRules.whole(tree, "seq", where);
    String hash = LedgerRules.text(tree, "hash", where);
    String sig = LedgerRules.text(tree, "sig", where);
    if (!LedgerRecord.HEX64.matcher(hash).matches()) {
      throw new LedgerException(where + ": hash '" + hash + "' is not 64 lower-case hex digits");
    }
    LedgerLine.decodeSignature(sig, where);
    if (tree.size() != 4) {
      throw new LedgerException(where + " has members other than hash, seq, sig and type");
    }
    return new LedgerHead(seq, hash, sig);
  }

  boolean verify(PublicKey key) {
    return SigningIdentity.verify(key, payload(seq, hash), Base64.getDecoder().decode(signature));
  }

  private static byte[] payload(long seq, String hash) {
    return CanonicalJson.write(fields(seq, hash), TYPE).getBytes(StandardCharsets.UTF_8);
  }

  private static TreeMap<String, Object> fields(long seq, String hash) {
    TreeMap<String, Object> fields = new TreeMap<>();
    fields.put("hash", hash);
    fields.put("seq", seq);
    fields.put("type", TYPE);
    return fields;
  }
}
