package io.factoryfl.core.security;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.factoryfl.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;

/**
 * A {@link RevocationList} signed with the federation CA key and stamped with the time it was
 * made: what the CA service hands out and the coordinator relays to the sites. The relay cannot
 * forge or alter it; it can only hold back a newer one, which {@link #requireFresh} bounds to
 * the reader's maximum age.
 *
 * <p><b>Encoding</b> (UTF-8 JSON, at most {@value #MAX_BYTES} bytes):
 * <pre>{@code
 * {"list": BASE64(body), "signature": BASE64(SHA256withECDSA(CA key, body))}
 * body = {"type": "factoryfl.revocation-list", "version": 1, "issuer": "sha256:<CA fingerprint>",
 *         "issued_at": "2026-06-01T12:00:00Z", "revoked": [ ...as in revoked.json... ]}
 * }</pre>
 * The signature covers the body bytes exactly as sent, so no canonical form is needed. The body
 * names the CA by fingerprint, so a list from one federation is refused by another even if the
 * two CA keys were (wrongly) the same.
 */
public final class SignedRevocationList {

  /** How old a list a site accepts by default. */
  public static final Duration DEFAULT_MAX_AGE = Duration.ofHours(24);
  /** How far in the future an issue time may lie (clock skew between the CA and a reader). */
  public static final Duration MAX_SKEW = Duration.ofMinutes(5);
  /** The largest encoding read; room for some 20,000 revoked names. */
  public static final int MAX_BYTES = 4 << 20;
  /** What the signed body says it is. */
  static final String TYPE = "factoryfl.revocation-list";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final RevocationList list;
  private final Instant issuedAt;
  private final byte[] encoded;

  private SignedRevocationList(RevocationList list, Instant issuedAt, byte[] encoded) {
    this.list = list;
    this.issuedAt = issuedAt;
    this.encoded = encoded;
  }

  /** Signs {@code list} with the CA key, issued now on the CA's clock. */
  public static SignedRevocationList sign(CertificateAuthority ca, RevocationList list) {
    Objects.requireNonNull(ca, "ca");
    Objects.requireNonNull(list, "list");
    Instant issuedAt = ca.clock().instant();
    ObjectNode body = JSON.createObjectNode();
    body.put("type", TYPE);
    body.put("version", 1);
    body.put("issuer", CaPin.of(ca.certificate()));
    body.put("issued_at", issuedAt.toString());
    body.set("revoked", list.toJson().get("revoked"));
    try {
      byte[] bodyBytes = JSON.writeValueAsBytes(body);
      ObjectNode envelope = JSON.createObjectNode();
      envelope.put("list", Base64.getEncoder().encodeToString(bodyBytes));
      envelope.put("signature",
          Base64.getEncoder().encodeToString(ca.signStatement(bodyBytes)));
      return new SignedRevocationList(list, issuedAt, JSON.writeValueAsBytes(envelope));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode a revocation list: " + e.getMessage(), e);
    }
  }

  /**
   * Checks that {@code encoded} is a revocation list signed by {@code ca} and reads it. Does
   * not check its age; see {@link #requireFresh}.
   *
   * @throws IllegalArgumentException saying why: empty, too large, not the encoding above, not
   *     signed by {@code ca}'s key, or issued by another CA
   */
  public static SignedRevocationList verify(byte[] encoded, X509Certificate ca) {
    Objects.requireNonNull(encoded, "encoded");
    Objects.requireNonNull(ca, "ca");
    if (encoded.length == 0) {
      throw refused("it is empty");
    }
    if (encoded.length > MAX_BYTES) {
      throw refused("it is " + encoded.length + " bytes, more than the " + MAX_BYTES + " allowed");
    }
    byte[] body;
    byte[] signature;
    try {
      JsonNode envelope = JSON.readTree(encoded);
      if (envelope == null || !envelope.path("list").isTextual()
          || !envelope.path("signature").isTextual()) {
        throw refused("it is not a JSON object with the text fields 'list' and 'signature'");
      }
      body = Base64.getDecoder().decode(envelope.get("list").asText());
      signature = Base64.getDecoder().decode(envelope.get("signature").asText());
    } catch (IOException | IllegalArgumentException e) {
      throw refused("it is not a signed revocation list (" + e.getMessage() + ")");
    }
    if (!signedBy(ca, body, signature)) {
      throw refused("its signature does not verify with the key of the federation CA '"
          + ca.getSubjectX500Principal() + "'; it was altered or not made by the CA");
    }
    try {
      JsonNode root = JSON.readTree(body);
      if (root == null || !TYPE.equals(root.path("type").asText())) {
        throw refused("the signed body is not of type '" + TYPE + "'");
      }
      String issuer = root.path("issuer").asText();
      if (!issuer.equals(CaPin.of(ca))) {
        throw refused("it was issued by the CA " + issuer + ", not this federation's CA "
            + CaPin.of(ca));
      }
      Instant issuedAt = Instant.parse(root.path("issued_at").asText());
      return new SignedRevocationList(RevocationList.parse(root, "the signed revocation list"),
          issuedAt, encoded.clone());
    } catch (IOException | DateTimeException e) {
      throw refused("its signed body cannot be read: " + e.getMessage());
    }
  }

  /**
   * Reads and verifies a list saved with {@link #writeTo}.
   *
   * @throws IOException naming the file when it cannot be read or is refused
   */
  public static SignedRevocationList read(Path file, X509Certificate ca) throws IOException {
    long size = Files.size(file);
    if (size > MAX_BYTES) {
      throw new IOException(file + " is " + size + " bytes; a signed revocation list is at most "
          + MAX_BYTES);
    }
    try {
      return verify(Files.readAllBytes(file), ca);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  /** Writes the encoding to {@code file}, replacing it atomically. */
  public void writeTo(Path file) throws IOException {
    AtomicFiles.write(file, encoded, null);
  }

  /**
   * Refuses a list that is too old to rely on or claims to come from the future.
   *
   * @throws IllegalArgumentException with the issue time, the age and the limit
   */
  public void requireFresh(Instant now, Duration maxAge) {
    Duration age = Duration.between(issuedAt, now);
    if (age.compareTo(maxAge) > 0) {
      throw new IllegalArgumentException("the revocation list was issued at " + issuedAt + ", "
          + age.toMinutes() + " min ago, more than the " + maxAge.toMinutes() + " min allowed;"
          + " the coordinator must relay a current one from the CA service");
    }
    if (age.negated().compareTo(MAX_SKEW) > 0) {
      throw new IllegalArgumentException("the revocation list claims to be issued at " + issuedAt
          + ", after now (" + now + ") by more than " + MAX_SKEW.toMinutes() + " min; check the"
          + " clocks of this node and the CA service");
    }
  }

  /** The revocations it carries. */
  public RevocationList list() {
    return list;
  }

  /** When the CA made it. */
  public Instant issuedAt() {
    return issuedAt;
  }

  /** The signed encoding, to relay or save; a fresh copy. */
  public byte[] encoded() {
    return encoded.clone();
  }

  private static boolean signedBy(X509Certificate ca, byte[] body, byte[] signature) {
    try {
      Signature verifier = Signature.getInstance(Keys.SIGNATURE_ALGORITHM);
      verifier.initVerify(ca.getPublicKey());
      verifier.update(body);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static IllegalArgumentException refused(String why) {
    return new IllegalArgumentException("revocation list refused: " + why);
  }

  @Override
  public String toString() {
    return "SignedRevocationList[issuedAt=" + issuedAt + ", " + list + "]";
  }
}
