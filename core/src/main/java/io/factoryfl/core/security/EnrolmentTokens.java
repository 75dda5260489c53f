package io.factoryfl.core.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The CA's one-time enrolment tokens: {@code ca token} makes one for a site and role, the site
 * redeems it once, through the coordinator, for a certificate.
 *
 * <p><b>The token</b> is {@code SITE:SECRET}, where SITE is the name the certificate will carry
 * (so the site can put it in its certificate request) and SECRET is {@value #SECRET_BYTES}
 * bytes from a {@link SecureRandom}, base64url without padding (43 characters). It exists only
 * in what {@link #create} returns; it is shown once and never stored.
 *
 * <p><b>On disk</b>: {@value #FILE} in the CA directory, a JSON object
 * <pre>{@code
 * {"version": 1, "tokens": [
 *   {"sha256": "9f86d0...", "site": "plant-berlin", "role": "participant",
 *    "created": "2025-06-01T12:00:00Z", "expires": "2025-06-02T12:00:00Z",
 *    "certificate_validity": "PT8760H",
 *    "used_at": "2025-06-01T13:10:00Z", "used_by_serial": "5a0f..."}, ...]}
 * }</pre>
 * where {@code sha256} is the lower-case hex SHA-256 of the whole token's UTF-8 bytes and
 * {@code used_at}/{@code used_by_serial} are absent until the token is redeemed. Used and
 * expired records stay as a trail of who enrolled when.
 *
 * <p><b>One-time</b>: {@link #redeem} finds the record, checks it, issues the certificate and
 * marks the record used in one critical section under the CA directory lock (see
 * {@link CaFiles}), writing the file by temporary file and rename before the certificate is
 * handed out; of two concurrent redemptions exactly one succeeds. A certificate that cannot be
 * issued does not use up the token. Time comes from the injected {@link Clock}.
 */
public final class EnrolmentTokens {

  public static final String FILE = "tokens.json";
  /** The longest a token may stay redeemable. */
  public static final Duration MAX_TTL = Duration.ofDays(30);
  static final int SECRET_BYTES = 32;
  private static final int VERSION = 1;
  private static final Pattern SECRET = Pattern.compile("[A-Za-z0-9_-]{43}");

  /**
   * A token just made: the only time its secret exists. {@link #toString()} hides it.
   *
   * @param token {@code SITE:SECRET}, to give to the site's operator once
   * @param record what the CA stored about it
   */
  public record Created(String token, EnrolmentToken record) {
    @Override
    public String toString() {
      return "Created[token=<hidden>, record=" + record + "]";
    }
  }

  private final Path dir;
  private final Clock clock;

  /**
   * @param caDir the CA directory ({@code ca init --dir}); must exist
   * @param clock decides creation, expiry and redemption times
   */
  public EnrolmentTokens(Path caDir, Clock clock) {
    this.dir = Objects.requireNonNull(caDir, "caDir");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Makes and stores a token.
   *
   * @param site the certificate's CN; {@code [A-Za-z0-9._-]{1,64}}
   * @param role participant, admin or auditor
   * @param ttl how long the token stays redeemable; positive, at most {@link #MAX_TTL}
   * @param certificateValidity how long the certificate issued for it will be valid
   * @throws IllegalArgumentException naming the bad argument and its value
   */
  public Created create(String site, Role role, Duration ttl, Duration certificateValidity,
      SecureRandom random) throws IOException {
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
      throw new IllegalArgumentException("token lifetime " + ttl + " for '" + site
          + "' must be positive and at most " + MAX_TTL.toDays() + " days");
    }
    Instant now = clock.instant();
    byte[] secret = new byte[SECRET_BYTES];
    random.nextBytes(secret);
    String token = site + ":" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    Arrays.fill(secret, (byte) 0);
    EnrolmentToken record = new EnrolmentToken(sha256(token), site, role, now, now.plus(ttl),
        certificateValidity, null, null);
    Path file = dir.resolve(FILE);
    CaFiles.locked(dir, () -> {
      List<EnrolmentToken> all = new ArrayList<>(read(file));
      all.add(record);
      write(file, all);
      return null;
    });
    return new Created(token, record);
  }

  /**
   * Redeems {@code token}: checks it is known, unused and unexpired, calls {@code issue} with
   * its record, and marks it used by the returned certificate before returning that.
   *
   * @param issue makes the certificate, e.g. by checking a certificate request against the
   *     record and signing it; if it throws, the token stays unused and the exception
   *     propagates
   * @throws TokenRefusedException saying whether the token is malformed, unknown, used or
   *     expired, and what to do
   * @throws IOException if the token store cannot be read or written (the token is then not
   *     marked used and no certificate is returned)
   */
  public X509Certificate redeem(String token, Function<EnrolmentToken, X509Certificate> issue)
      throws IOException, TokenRefusedException {
    Objects.requireNonNull(issue, "issue");
    String site;
    try {
      site = siteOf(token);
    } catch (IllegalArgumentException e) {
      throw new TokenRefusedException(TokenRefusedException.Reason.MALFORMED, e.getMessage());
    }
    byte[] hash = HexFormat.of().parseHex(sha256(token));
    Path file = dir.resolve(FILE);
    Outcome outcome = CaFiles.locked(dir, () -> {
      List<EnrolmentToken> all = new ArrayList<>(read(file));
      int found = -1;
      for (int i = 0; i < all.size(); i++) {
        // compare every record in constant time, so timing does not hint at near misses
        if (MessageDigest.isEqual(hash, HexFormat.of().parseHex(all.get(i).sha256()))) {
          found = i;
        }
      }
      if (found < 0) {
        return Outcome.refused(TokenRefusedException.Reason.UNKNOWN, "enrolment token for site '"
            + site + "' is not known to this CA: it was mistyped, or made by another CA; ask"
            + " the CA operator for a new one ('factoryfl ca token --site " + site + "')");
      }
      EnrolmentToken record = all.get(found);
      if (record.used()) {
        return Outcome.refused(TokenRefusedException.Reason.USED, record.role(),
            "enrolment token for site '"
            + site + "' was already used at " + record.usedAt() + " (certificate serial "
            + record.usedBySerial() + "); a token works once: ask the CA operator for a new one"
            + " ('factoryfl ca token --site " + site + "')");
      }
      Instant now = clock.instant();
      if (!now.isBefore(record.expires())) {
        return Outcome.refused(TokenRefusedException.Reason.EXPIRED, record.role(),
            "enrolment token for site '"
            + site + "' expired at " + record.expires() + " (now " + now + "); ask the CA"
            + " operator for a new one ('factoryfl ca token --site " + site + " --ttl ...')");
      }
      X509Certificate certificate = Objects.requireNonNull(issue.apply(record),
          "issue returned no certificate");
      all.set(found, record.redeemed(now, CertificateLog.serialHex(certificate.getSerialNumber())));
      write(file, all);
      return new Outcome(certificate, null);
    });
    if (outcome.refusal != null) {
      throw outcome.refusal;
    }
    return outcome.certificate;
  }

  /** Every stored token record, in creation order. */
  public List<EnrolmentToken> list() throws IOException {
    return read(dir.resolve(FILE));
  }

  /**
   * The site a token was made for: the part before the colon.
   *
   * @throws IllegalArgumentException if {@code token} is not {@code SITE:SECRET}; the message
   *     never repeats the token
   */
  public static String siteOf(String token) {
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("the enrolment token is empty");
    }
    String trimmed = token.strip();
    int colon = trimmed.lastIndexOf(':');
    if (colon <= 0 || !SECRET.matcher(trimmed.substring(colon + 1)).matches()) {
      throw new IllegalArgumentException("this is not an enrolment token (" + trimmed.length()
          + " characters): expected SITE:SECRET exactly as printed by 'factoryfl ca token'");
    }
    return PeerIdentity.checkName("site in the enrolment token", trimmed.substring(0, colon));
  }

  private static String sha256(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(token.strip().getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  private static List<EnrolmentToken> read(Path file) throws IOException {
    JsonNode root = CaFiles.readOrNull(file);
    if (root == null) {
      return List.of();
    }
    CaFiles.requireVersion(root, VERSION, file);
    JsonNode tokens = root.path("tokens");
    if (!tokens.isArray()) {
      throw new IOException(file + " lacks the array 'tokens'");
    }
    List<EnrolmentToken> records = new ArrayList<>();
    for (JsonNode node : tokens) {
      try {
        records.add(new EnrolmentToken(CaFiles.text(node, "sha256", file),
            CaFiles.text(node, "site", file), CaFiles.role(node, "role", file),
            CaFiles.instant(node, "created", file), CaFiles.instant(node, "expires", file),
            Duration.parse(CaFiles.text(node, "certificate_validity", file)),
            node.has("used_at") ? CaFiles.instant(node, "used_at", file) : null,
            node.has("used_by_serial") ? CaFiles.text(node, "used_by_serial", file) : null));
      } catch (IllegalArgumentException | DateTimeParseException e) {
        throw new IOException(file + ": token record for site '" + node.path("site").asText()
            + "' is damaged: " + e.getMessage(), e);
      }
    }
    return List.copyOf(records);
  }

  private static void write(Path file, List<EnrolmentToken> records) throws IOException {
    ObjectNode root = CaFiles.JSON.createObjectNode();
    root.put("version", VERSION);
    ArrayNode array = root.putArray("tokens");
    for (EnrolmentToken record : records) {
      ObjectNode node = array.addObject();
      node.put("sha256", record.sha256());
      node.put("site", record.site());
      node.put("role", record.role().wireName());
      node.put("created", record.created().toString());
      node.put("expires", record.expires().toString());
      node.put("certificate_validity", record.certificateValidity().toString());
      if (record.used()) {
        node.put("used_at", record.usedAt().toString());
        node.put("used_by_serial", record.usedBySerial());
      }
    }
    CaFiles.writeAtomically(file, root);
  }

  /** What the critical section of {@link #redeem} decided. */
  private record Outcome(X509Certificate certificate, TokenRefusedException refusal) {
    static Outcome refused(TokenRefusedException.Reason reason, String message) {
      return refused(reason, null, message);
    }

    static Outcome refused(TokenRefusedException.Reason reason, Role role, String message) {
      return new Outcome(null, new TokenRefusedException(reason, message, role));
    }
  }
}
