package io.factoryfl.core.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The names and certificate serials the CA has revoked: an immutable snapshot of
 * {@value #FILE}.
 *
 * <p>Revoking a name revokes every certificate with that CN, past and future, including ones
 * the CA has no record of (issued before it kept {@link CertificateLog}); the serials listed
 * with it are the ones the log knew at the time, for the record and for checks by serial. A
 * revoked name cannot enrol again; use a new name for a re-provisioned site.
 *
 * <p><b>On disk</b>: {@value #FILE} in the CA directory, a JSON object
 * <pre>{@code
 * {"version": 1, "revoked": [
 *   {"name": "plant-berlin", "serials": ["5a0f...", "7c21..."],
 *    "revoked_at": "2025-06-03T08:00:00Z", "reason": "laptop stolen"}, ...]}
 * }</pre>
 * with serials in lower-case hex. {@link #revoke} rewrites it under the CA directory lock by
 * temporary file and rename, so a coordinator watching it (see {@link RevocationWatcher}) never
 * reads half a file.
 */
public final class RevocationList {

  public static final String FILE = "revoked.json";
  private static final int VERSION = 1;
  private static final RevocationList EMPTY = new RevocationList(Map.of());

  /**
   * One revoked name.
   *
   * @param serials lower-case hex serials of its certificates the CA knew when revoking
   * @param reason free text from the operator; may be empty
   */
  public record Revocation(String name, Set<String> serials, Instant revokedAt, String reason) {
    public Revocation {
      PeerIdentity.checkName("name", name);
      serials = Set.copyOf(serials);
      Objects.requireNonNull(revokedAt, "revokedAt");
      reason = reason == null ? "" : reason;
    }
  }

  private final Map<String, Revocation> byName;
  private final Map<String, Revocation> bySerial;

  private RevocationList(Map<String, Revocation> byName) {
    this.byName = Collections.unmodifiableMap(new LinkedHashMap<>(byName));
    Map<String, Revocation> serials = new LinkedHashMap<>();
    for (Revocation revocation : byName.values()) {
      for (String serial : revocation.serials()) {
        serials.put(serial, revocation);
      }
    }
    this.bySerial = Map.copyOf(serials);
  }

  /** A list that revokes nothing. */
  public static RevocationList empty() {
    return EMPTY;
  }

  /**
   * Reads a revocation list file; a missing file revokes nothing.
   *
   * @throws IOException naming the file if it is unreadable or damaged
   */
  public static RevocationList load(Path file) throws IOException {
    JsonNode root = CaFiles.readOrNull(file);
    if (root == null) {
      return EMPTY;
    }
    return parse(root, file.toString());
  }

  /**
   * Reads a revocation list from its JSON form (as in {@value #FILE}).
   *
   * @param source names where the JSON came from, for messages
   * @throws IOException naming the source if the JSON is not a revocation list
   */
  static RevocationList parse(JsonNode root, String source) throws IOException {
    CaFiles.requireVersion(root, VERSION, source);
    JsonNode revoked = root.path("revoked");
    if (!revoked.isArray()) {
      throw new IOException(source + " lacks the array 'revoked'");
    }
    Map<String, Revocation> byName = new LinkedHashMap<>();
    for (JsonNode node : revoked) {
      Set<String> serials = new TreeSet<>();
      for (JsonNode serial : node.path("serials")) {
        serials.add(normalise(serial.asText(), source));
      }
      try {
        Revocation revocation = new Revocation(CaFiles.text(node, "name", source), serials,
            CaFiles.instant(node, "revoked_at", source), node.path("reason").asText(""));
        byName.put(revocation.name(), revocation);
      } catch (IllegalArgumentException e) {
        throw new IOException(source + ": entry " + node + ": " + e.getMessage(), e);
      }
    }
    return new RevocationList(byName);
  }

  /**
   * Revokes {@code name} in the CA directory: records it with the serials of its certificates
   * from the {@link CertificateLog}. Revoking a name again adds serials logged since and keeps
   * the first revocation time and reason.
   *
   * @param reason free text for the record; may be empty
   * @return the revocation as now recorded
   */
  public static Revocation revoke(Path caDir, String name, String reason, Clock clock)
      throws IOException {
    PeerIdentity.checkName("name", name);
    Path file = caDir.resolve(FILE);
    return CaFiles.locked(caDir, () -> {
      Map<String, Revocation> byName = new LinkedHashMap<>(load(file).byName);
      Set<String> serials = new TreeSet<>();
      for (CertificateLog.Entry entry : CertificateLog.of(caDir, name)) {
        serials.add(entry.serial());
      }
      Revocation earlier = byName.get(name);
      if (earlier != null) {
        serials.addAll(earlier.serials());
      }
      Revocation revocation = earlier == null
          ? new Revocation(name, serials, clock.instant(), reason)
          : new Revocation(name, serials, earlier.revokedAt(), earlier.reason());
      byName.put(name, revocation);
      write(file, byName.values());
      return revocation;
    });
  }

  /**
   * Why {@code certificate} is revoked: the revocation of its CN or of its serial, if any.
   * Does not check who issued the certificate.
   */
  public Optional<Revocation> find(X509Certificate certificate) {
    Revocation byCertificateName =
        byName.get(PeerIdentity.fromCertificate(certificate).name());
    if (byCertificateName != null) {
      return Optional.of(byCertificateName);
    }
    return Optional.ofNullable(
        bySerial.get(CertificateLog.serialHex(certificate.getSerialNumber())));
  }

  /** Whether {@code name} is revoked. */
  public boolean isRevoked(String name) {
    return byName.containsKey(name);
  }

  /** Whether the certificate with this serial is listed. */
  public boolean isRevoked(BigInteger serial) {
    return bySerial.containsKey(CertificateLog.serialHex(serial));
  }

  /** Every revocation, in the order they were first made. */
  public List<Revocation> all() {
    return List.copyOf(byName.values());
  }

  private static String normalise(String serial, String file) throws IOException {
    try {
      return CertificateLog.serialHex(new BigInteger(serial, 16));
    } catch (NumberFormatException e) {
      throw new IOException(file + ": serial '" + serial + "' is not hexadecimal", e);
    }
  }

  private static void write(Path file, Iterable<Revocation> revocations) throws IOException {
    CaFiles.writeAtomically(file, toJson(revocations));
  }

  /** The JSON form, as in {@value #FILE}. */
  ObjectNode toJson() {
    return toJson(byName.values());
  }

  private static ObjectNode toJson(Iterable<Revocation> revocations) {
    ObjectNode root = CaFiles.JSON.createObjectNode();
    root.put("version", VERSION);
    ArrayNode array = root.putArray("revoked");
    for (Revocation revocation : revocations) {
      ObjectNode node = array.addObject();
      node.put("name", revocation.name());
      ArrayNode serials = node.putArray("serials");
      new TreeSet<>(revocation.serials()).forEach(serials::add);
      node.put("revoked_at", revocation.revokedAt().toString());
      node.put("reason", revocation.reason());
    }
    return root;
  }

  @Override
  public String toString() {
    return "RevocationList[names=" + byName.keySet() + "]";
  }
}
