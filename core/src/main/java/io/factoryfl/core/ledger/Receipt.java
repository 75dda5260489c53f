package io.factoryfl.core.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import io.factoryfl.core.security.SigningIdentity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a participant keeps for each contribution that made it into a round: the Merkle
 * inclusion proof of its contribution hash under the round's root, and which ledger record
 * (the signed round_closed) holds that root, signed by the coordinator. A ledger that later
 * drops or alters the contribution, or the round, contradicts the receipt.
 *
 * <p>JSON (one line, canonical as the ledger's, see {@link LedgerRecord}): {@code
 * {"contribution_hash":..,"job_id":..,"leaf_index":..,"merkle_root":..,"participant":..,
 * "proof":[..],"round":..,"round_closed_seq":..,"sig":..,"tree_size":..,"type":"receipt"}}.
 * The signature is Ed25519 by the coordinator's identity signing key over the same JSON without
 * "sig". A participant learns that key from the coordinator's certificate with {@code
 * SigningIdentity.verifiedSigningKey(der, ca, name, Role.COORDINATOR, clock)}: the certificate
 * the coordinator presents in the TLS handshake of the very call that delivers the receipt
 * (its TLS certificate is the one its signing key is bound into), checked against the
 * federation CA the site already trusts.
 *
 * @param signature standard base64 (padded) of the 64-byte Ed25519 signature
 */
public record Receipt(String jobId, int round, String participant, String contributionHash,
    int leafIndex, int treeSize, List<String> proof, String merkleRoot,
    long roundClosedSequence, String signature) {

  static final String TYPE = "receipt";
  private static final Set<String> KEYS = Set.of("contribution_hash", "job_id", "leaf_index",
      "merkle_root", "participant", "proof", "round", "round_closed_seq", "sig", "tree_size",
      "type");

  /**
   * @throws IllegalArgumentException naming the component that is missing or malformed
   */
  public Receipt {
    requireText("jobId", jobId);
    requireText("participant", participant);
    requireHash("contributionHash", contributionHash);
    requireHash("merkleRoot", merkleRoot);
    if (round < 0) {
      throw new IllegalArgumentException("round must be >= 0, was " + round);
    }
    if (treeSize < 1 || leafIndex < 0 || leafIndex >= treeSize) {
      throw new IllegalArgumentException("leafIndex " + leafIndex + " must be within a tree of "
          + treeSize + " leaves (treeSize >= 1)");
    }
    if (roundClosedSequence < 1) {
      throw new IllegalArgumentException(
          "roundClosedSequence must be >= 1, was " + roundClosedSequence);
    }
    Objects.requireNonNull(proof, "proof");
    proof = List.copyOf(proof);
    for (String p : proof) {
      requireHash("proof element", p);
    }
    Objects.requireNonNull(signature, "signature");
    try {
      LedgerLine.decodeSignature(signature, "receipt");
    } catch (LedgerException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
  }

  /**
   * Makes and signs a receipt.
   *
   * @param roundClosedSequence the seq of the signed round_closed record holding {@code
   *     merkleRoot}
   */
  public static Receipt sign(String jobId, int round, String participant,
      String contributionHash, int leafIndex, int treeSize, List<String> proof,
      String merkleRoot, long roundClosedSequence, SigningIdentity coordinator) {
    Objects.requireNonNull(coordinator, "coordinator");
    byte[] payload = payload(jobId, round, participant, contributionHash, leafIndex, treeSize,
        List.copyOf(proof), merkleRoot, roundClosedSequence);
    String signature = Base64.getEncoder().encodeToString(
        SigningIdentity.sign(coordinator.privateKey(), payload));
    return new Receipt(jobId, round, participant, contributionHash, leafIndex, treeSize, proof,
        merkleRoot, roundClosedSequence, signature);
  }

  /**
   * The receipts for every contributor of a round, in leaf order, from the signed round_closed
   * record just appended and each contributor's contribution hash.
   *
   * @param contributionHashes participant to contribution hash; must hold every contributor
   * @throws IllegalArgumentException if the record is not a signed round_closed, a contributor's
   *     hash is missing, or the hashes do not give the record's merkle_root
   */
  public static List<Receipt> forRound(LedgerRecord roundClosed,
      Map<String, String> contributionHashes, SigningIdentity coordinator) {
    Objects.requireNonNull(roundClosed, "roundClosed");
    Objects.requireNonNull(contributionHashes, "contributionHashes");
    Map<String, Object> f = roundClosed.fields();
    if (!"round_closed".equals(roundClosed.type()) || !f.containsKey("sig")) {
      throw new IllegalArgumentException("record " + roundClosed.sequence() + " is a "
          + roundClosed.type() + (f.containsKey("sig") ? "" : " without signature")
          + "; receipts are issued for signed round_closed records");
    }
    String jobId = (String) f.get("job_id");
    int round = ((Number) f.get("round")).intValue();
    String root = (String) f.get("merkle_root");
    List<String> hashes = new ArrayList<>();
    List<?> contributors = (List<?>) f.get("contributors");
    for (Object contributor : contributors) {
      String hash = contributionHashes.get((String) contributor);
      if (hash == null) {
        throw new IllegalArgumentException("no contribution hash given for contributor "
            + contributor + " of job " + jobId + " round " + round);
      }
      hashes.add(hash);
    }
    if (!MerkleTree.root(hashes).equals(root)) {
      throw new IllegalArgumentException("the contribution hashes given for job " + jobId
          + " round " + round + " do not give the merkle_root " + root + " of record "
          + roundClosed.sequence());
    }
    List<Receipt> receipts = new ArrayList<>();
    for (int i = 0; i < hashes.size(); i++) {
      receipts.add(sign(jobId, round, (String) contributors.get(i), hashes.get(i), i,
          hashes.size(), MerkleTree.proof(hashes, i), root, roundClosed.sequence(),
          coordinator));
    }
    return receipts;
  }

  /** The canonical JSON line (no newline). */
  public String toJson() {
    TreeMap<String, Object> fields = fields(jobId, round, participant, contributionHash,
        leafIndex, treeSize, proof, merkleRoot, roundClosedSequence);
    fields.put("sig", signature);
    return CanonicalJson.write(fields, TYPE);
  }

  /**
   * Parses a line written by {@link #toJson}. Does not check the signature.
   *
   * @throws IllegalArgumentException saying which member is missing, malformed or unexpected
   */
  public static Receipt fromJson(String line) {
    Objects.requireNonNull(line, "line");
    JsonNode t;
    try {
      t = CanonicalJson.parse(line.strip());
    } catch (IOException e) {
      throw new IllegalArgumentException("not a receipt: not valid JSON ("
          + e.getMessage().lines().findFirst().orElse("") + ")");
    }
    if (!t.isObject() || !TYPE.equals(t.path("type").asText())) {
      throw new IllegalArgumentException("not a receipt: \"type\" is not \"" + TYPE + "\"");
    }
    t.fieldNames().forEachRemaining(name -> {
      if (!KEYS.contains(name)) {
        throw new IllegalArgumentException("receipt has an unexpected member \"" + name + "\"");
      }
    });
    List<String> proof = new ArrayList<>();
    JsonNode p = t.get("proof");
    if (p == null || !p.isArray()) {
      throw new IllegalArgumentException("receipt \"proof\" must be a list of hashes");
    }
    p.forEach(e -> proof.add(e.isTextual() ? e.textValue() : e.toString()));
    return new Receipt(str(t, "job_id"), integer(t, "round"), str(t, "participant"),
        str(t, "contribution_hash"), integer(t, "leaf_index"), integer(t, "tree_size"), proof,
        str(t, "merkle_root"), longValue(t, "round_closed_seq"), str(t, "sig"));
  }

  /**
   * Whether the coordinator signed this receipt and its proof leads from the contribution hash
   * to the Merkle root. It does not say the ledger still holds the round: that is {@link
   * LedgerVerifier}'s job.
   */
  public boolean verify(PublicKey coordinatorKey) {
    return signatureValid(coordinatorKey) && proofValid();
  }

  /** Whether the coordinator's identity signing key {@code coordinatorKey} signed this receipt. */
  public boolean signatureValid(PublicKey coordinatorKey) {
    Objects.requireNonNull(coordinatorKey, "coordinatorKey");
    return SigningIdentity.verify(coordinatorKey, payload(jobId, round, participant,
        contributionHash, leafIndex, treeSize, proof, merkleRoot, roundClosedSequence),
        Base64.getDecoder().decode(signature));
  }

  /** Whether the inclusion proof leads from the contribution hash to the Merkle root. */
  public boolean proofValid() {
    return MerkleTree.verify(contributionHash, leafIndex, treeSize, proof, merkleRoot);
  }

  private static byte[] payload(String jobId, int round, String participant,
      String contributionHash, int leafIndex, int treeSize, List<String> proof,
      String merkleRoot, long roundClosedSequence) {
    return CanonicalJson.write(fields(jobId, round, participant, contributionHash, leafIndex,
        treeSize, proof, merkleRoot, roundClosedSequence), TYPE)
        .getBytes(StandardCharsets.UTF_8);
  }

  private static TreeMap<String, Object> fields(String jobId, int round, String participant,
      String contributionHash, int leafIndex, int treeSize, List<String> proof,
      String merkleRoot, long roundClosedSequence) {
    TreeMap<String, Object> f = new TreeMap<>();
    f.put("contribution_hash", contributionHash);
    f.put("job_id", jobId);
    f.put("leaf_index", leafIndex);
    f.put("merkle_root", merkleRoot);
    f.put("participant", participant);
    f.put("proof", proof);
    f.put("round", round);
    f.put("round_closed_seq", roundClosedSequence);
    f.put("tree_size", treeSize);
    f.put("type", TYPE);
    return f;
  }

  private static void requireText(String name, String value) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(name + " must be a non-empty string, was "
          + (value == null ? "null" : "empty"));
    }
  }

  private static void requireHash(String name, String value) {
    if (value == null || !MerkleTree.isHash(value)) {
      throw new IllegalArgumentException(name + " must be 64 lower-case hex digits (SHA-256),"
          + " was '" + value + "'");
    }
  }

  private static String str(JsonNode t, String field) {
    JsonNode v = t.get(field);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException("receipt \"" + field + "\" must be a string, was "
          + (v == null ? "missing" : v.toString()));
    }
    return v.textValue();
  }

  private static int integer(JsonNode t, String field) {
    JsonNode v = t.get(field);
    if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) {
      throw new IllegalArgumentException("receipt \"" + field + "\" must be a whole number,"
          + " was " + (v == null ? "missing" : v.toString()));
    }
    return v.intValue();
  }

  private static long longValue(JsonNode t, String field) {
    JsonNode v = t.get(field);
    if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new IllegalArgumentException("receipt \"" + field + "\" must be a whole number,"
          + " was " + (v == null ? "missing" : v.toString()));
    }
    return v.longValue();
  }
}
