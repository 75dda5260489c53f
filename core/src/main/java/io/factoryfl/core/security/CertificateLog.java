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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The CA's record of every certificate it issued, so that {@code ca revoke NAME} can list the
 * serials of that name's certificates.
 *
 * <p><b>On disk</b>: {@value #FILE} in the CA directory, a JSON object
 * <pre>{@code
 * {"version": 1, "certificates": [
 *   {"serial": "5a0f...", "name": "plant-berlin", "role": "participant",
 *    "not_before": "2025-06-01T11:55:00Z", "not_after": "2026-06-01T12:00:00Z",
 *    "issued_at": "2025-06-01T12:00:00Z", "how": "enrol"}, ...]}
 * }</pre>
 * in issue order; {@code serial} is lower-case hex without leading zeros (as
 * {@link #serialHex} prints it), {@code how} is {@code issue}, {@code enrol} or {@code renew}.
 * The file is rewritten whole under the CA directory lock (see {@link CaFiles}).
 */
public final class CertificateLog {

  public static final String FILE = "issued.json";
  private static final int VERSION = 1;

  /**
   * One issued certificate.
   *
   * @param serial lower-case hex
   * @param how {@code issue}, {@code enrol} or {@code renew}
   */
  public record Entry(String serial, String name, Role role, Instant notBefore,
      Instant notAfter, Instant issuedAt, String how) {
    public Entry {
      Objects.requireNonNull(serial, "serial");
      PeerIdentity.checkName("name", name);
      Objects.requireNonNull(role, "role");
      Objects.requireNonNull(notBefore, "notBefore");
      Objects.requireNonNull(notAfter, "notAfter");
      Objects.requireNonNull(issuedAt, "issuedAt");
      Objects.requireNonNull(how, "how");
    }
  }

  private CertificateLog() {}

  /** A certificate serial as the CA files and messages show it: lower-case hex. */
  public static String serialHex(BigInteger serial) {
    return serial.toString(16).toLowerCase(Locale.ROOT);
  }

  /**
   * Appends {@code certificate} to the log in {@code caDir}.
   *
   * @param how why it was issued: {@code issue}, {@code enrol} or {@code renew}
   */
  public static Entry record(Path caDir, X509Certificate certificate, String how, Clock clock)
      throws IOException {
    PeerIdentity holder = PeerIdentity.fromCertificate(certificate);
    Entry entry = new Entry(serialHex(certificate.getSerialNumber()), holder.name(),
        holder.role(), certificate.getNotBefore().toInstant(),
        certificate.getNotAfter().toInstant(), clock.instant(), how);
    Path file = caDir.resolve(FILE);
    return CaFiles.locked(caDir, () -> {
      ObjectNode root = rootOf(file);
      ObjectNode node = ((ArrayNode) root.get("certificates")).addObject();
      node.put("serial", entry.serial());
      node.put("name", entry.name());
      node.put("role", entry.role().wireName());
      node.put("not_before", entry.notBefore().toString());
      node.put("not_after", entry.notAfter().toString());
      node.put("issued_at", entry.issuedAt().toString());
      node.put("how", entry.how());
      CaFiles.writeAtomically(file, root);
      return entry;
    });
  }

  /** Every logged certificate of {@code caDir}, in issue order; empty if none were logged. */
  public static List<Entry> read(Path caDir) throws IOException {
    Path file = caDir.resolve(FILE);
    List<Entry> entries = new ArrayList<>();
    for (JsonNode node : rootOf(file).get("certificates")) {
      try {
        entries.add(new Entry(CaFiles.text(node, "serial", file), CaFiles.text(node, "name", file),
            CaFiles.role(node, "role", file), CaFiles.instant(node, "not_before", file),
            CaFiles.instant(node, "not_after", file), CaFiles.instant(node, "issued_at", file),
            CaFiles.text(node, "how", file)));
      } catch (IllegalArgumentException e) {
        throw new IOException(file + ": entry " + node + ": " + e.getMessage(), e);
      }
    }
    return List.copyOf(entries);
  }

  /** The logged certificates issued to {@code name}, in issue order. */
  public static List<Entry> of(Path caDir, String name) throws IOException {
    return read(caDir).stream().filter(e -> e.name().equals(name)).toList();
  }

  private static ObjectNode rootOf(Path file) throws IOException {
    JsonNode root = CaFiles.readOrNull(file);
    if (root == null) {
      ObjectNode fresh = CaFiles.JSON.createObjectNode();
      fresh.put("version", VERSION);
      fresh.putArray("certificates");
      return fresh;
    }
    CaFiles.requireVersion(root, VERSION, file);
    if (!root.path("certificates").isArray()) {
      throw new IOException(file + " lacks the array 'certificates'");
    }
    return (ObjectNode) root;
  }
}
