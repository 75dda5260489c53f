package io.factoryfl.coordinator.cli;

import io.factoryfl.core.cli.Flags;
import io.factoryfl.core.cli.Subcommands;
import io.factoryfl.core.cli.HelpRequested;
import io.factoryfl.core.cli.UsageException;
import io.factoryfl.core.security.CaPin;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.CertificateLog;
import io.factoryfl.core.security.EnrolmentTokens;
import io.factoryfl.core.security.IssuedIdentity;
import io.factoryfl.core.security.PeerIdentity;
import io.factoryfl.core.security.RevocationList;
import io.factoryfl.core.security.SignedRevocationList;
import io.factoryfl.core.security.TlsMaterial;
import io.factoryfl.coordinator.server.CaServer;
import io.factoryfl.coordinator.server.ServerTls;
import java.net.InetSocketAddress;
import io.factoryfl.core.security.Role;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ca init}, {@code ca issue}, {@code ca token}, {@code ca revoke}, {@code ca serve} and
 * {@code ca revocation-list}: the federation CA operator's commands. {@code token} and
 * {@code revoke} update the CA directory's state files ({@value EnrolmentTokens#FILE},
 * {@value RevocationList#FILE}); the CA service ({@code ca serve}) on the same directory sees
 * the changes without a restart.
 *
 * <p>Exit codes: 0 done (or help shown), 1 the operation failed (e.g. a CA already exists, a
 * file could not be written), 2 bad arguments. Errors are one line on {@code err} naming the
 * flag and the value; never a stack trace.
 */
public final class CaCommand {

  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;
  private static final int MAX_DAYS = 36_500;

  static final String INIT_HELP = """
      Usage: ca init --dir DIR [--name FEDERATION] [--days N]
      Creates a new federation CA: DIR/ca.pem (the trust anchor every node needs) and
      DIR/ca-key.pem (secret, mode 0600). Refuses to overwrite an existing CA.
        --dir DIR          where to write the CA (created if missing)
        --name FEDERATION  federation name, the O of every certificate (default: factoryfl)
        --days N           validity of the CA in days (default: 3650)
      """;
  static final String ISSUE_HELP = """
      Usage: ca issue --dir DIR --name NAME --role ROLE --out DIR [--dns HOST,...] [--days N]
      Issues a certificate signed by the CA in --dir with a fresh TLS key and a fresh
      Ed25519 identity signing key (bound into the certificate; it signs secure-aggregation
      messages), writing OUT/NAME.pem, OUT/NAME-key.pem (secret, mode 0600),
      OUT/NAME-signing-key.pem (secret, mode 0600) and OUT/ca.pem.
        --dir DIR       the CA directory made by 'ca init'
        --name NAME     the identity (certificate CN): 1-64 of A-Z a-z 0-9 . _ -
        --role ROLE     participant, admin, auditor or coordinator
        --out DIR       where to write the files (created if missing)
        --dns HOST,...  host names clients use to reach this node (servers only);
                        'localhost' also adds IP 127.0.0.1
        --days N        validity in days (default: 365)
      """;
  static final String TOKEN_HELP = """
      Usage: ca token --dir DIR --site NAME --role ROLE [--ttl DURATION] [--days N]
      Makes a one-time enrolment token and prints it, once, on standard output (the details go
      to standard error). The CA directory keeps only its SHA-256. The token ends with the CA's
      fingerprint (@sha256:...), so the site recognises the coordinator with the token alone.
      Give it to the site's operator over a channel you trust; they run
        factoryfl participant enroll --token TOKEN --ca-service HOST:PORT --out DIR
      which makes the keys at the site and fetches the certificate from the CA service
      ('factoryfl ca serve --dir DIR'). The token works once, and not after --ttl.
        --dir DIR         the CA directory made by 'ca init'
        --site NAME       the identity (certificate CN): 1-64 of A-Z a-z 0-9 . _ -
        --role ROLE       participant, admin or auditor
        --ttl DURATION    how long the token can be redeemed, e.g. 30m, 24h, 7d (default: 24h,
                          at most 30d)
        --days N          validity of the certificate it yields, in days (default: 365)
      """;
  static final String REVOKE_HELP = """
      Usage: ca revoke --dir DIR NAME [--reason TEXT]
      Revokes every certificate of NAME, past and future: records the name and the serials of
      its certificates in DIR/revoked.json. The CA service refuses them at once; coordinators
      refuse them from their next copy of the signed list (within a minute) and sites in the
      next secure round. A revoked name cannot enrol again.
        --dir DIR         the CA directory made by 'ca init'
        --reason TEXT     why, for the record
      """;
  static final String SERVE_HELP = """
      Usage: ca serve --dir DIR --cert FILE --key FILE [--port N] [--bind ADDRESS]
      Runs the CA service: the only process that holds the CA key in production. It serves
      enrolment with tokens, renewal, and the revocation list signed with the CA key, over
      TLS 1.3 with its own certificate; the coordinator runs elsewhere without the CA key and
      fetches the signed list from here (coordinator --ca-service HOST:PORT). Failed token
      attempts are limited to 5 a minute per address and per site name, and every enrolment
      call is recorded in DIR/enrolment-audit.jsonl.
        --dir DIR       the CA directory made by 'ca init'
        --cert FILE     the CA service's certificate, e.g. from
                        'ca issue --name ca-service --role coordinator --dns HOST'
        --key FILE      its private key
        --port N        port to listen on (default 7444)
        --bind ADDRESS  address to listen on (default 0.0.0.0)
      """;
  static final String REVOCATION_LIST_HELP = """
      Usage: ca revocation-list --dir DIR --out FILE
      Writes the revocation list signed with the CA key and stamped with the current time, for
      a coordinator that cannot reach the CA service (coordinator --revocation-list FILE).
      Sites refuse a list older than 24 h, so write it again at least daily (e.g. from cron).
        --dir DIR       the CA directory made by 'ca init'
        --out FILE      where to write it (replaced atomically)
      """;
  static final String HELP = "Usage: ca init|issue|token|revoke|serve|revocation-list [--help]\n"
      + INIT_HELP + ISSUE_HELP + TOKEN_HELP + REVOKE_HELP + SERVE_HELP + REVOCATION_LIST_HELP;
  private static final Duration DEFAULT_TTL = Duration.ofHours(24);
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})([smhd])");

  private CaCommand() {}

  /**
   * Runs a {@code ca} subcommand with the real clock and a fresh {@link SecureRandom}.
   *
   * @param args the words after {@code ca}, e.g. {@code init --dir ca}
   * @return the process exit code
   */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, out, err, Clock.systemUTC(), new SecureRandom());
  }

  static int run(String[] args, PrintStream out, PrintStream err, Clock clock,
      SecureRandom random) {
    return new Subcommands("ca", HELP)
        .add("init", INIT_HELP, rest -> init(parse("init", rest, Set.of("--dir", "--name", "--days")),
            out, err, clock, random))
        .add("issue", ISSUE_HELP, rest -> issue(parse("issue", rest,
            Set.of("--dir", "--name", "--role", "--out", "--dns", "--days")), out, err, clock, random))
        .add("token", TOKEN_HELP, rest -> token(parse("token", rest,
            Set.of("--dir", "--site", "--role", "--ttl", "--days")), out, err, clock, random))
        .add("revoke", REVOKE_HELP, rest -> revoke(
            Flags.parse("revoke", rest, Set.of("--dir", "--reason"), Set.of()), out, clock))
        .add("serve", SERVE_HELP, rest -> serve(parse("serve", rest,
            Set.of("--dir", "--cert", "--key", "--port", "--bind")), out, clock, random))
        .add("revocation-list", REVOCATION_LIST_HELP, rest -> revocationList(
            parse("revocation-list", rest, Set.of("--dir", "--out")), out, clock, random))
        .run(args, out, err);
  }

  private static Flags parse(String command, String[] args, Set<String> options)
      throws UsageException, HelpRequested {
    Flags flags = Flags.parse(command, args, options, Set.of());
    if (!flags.positional().isEmpty()) {
      throw new UsageException(command, "unexpected argument '" + flags.positional().get(0) + "'");
    }
    return flags;
  }

  private static int init(Flags flags, PrintStream out, PrintStream err, Clock clock,
      SecureRandom random) throws UsageException, IOException {
    Path dir = Path.of(flags.required("--dir"));
    String name = flags.get("--name", "factoryfl");
    int days = flags.intValue("--days", 3650, 1, MAX_DAYS);
    for (String file : List.of(CertificateAuthority.CERT_FILE, CertificateAuthority.KEY_FILE)) {
      if (Files.exists(dir.resolve(file))) {
        err.println("ca init: " + dir.resolve(file) + " already exists; refusing to overwrite a"
            + " CA. Remove it or choose another --dir.");
        return FAILED;
      }
    }
    CertificateAuthority ca;
    try {
      ca = CertificateAuthority.create(name, clock, Duration.ofDays(days), random);
    } catch (IllegalArgumentException e) {
      throw new UsageException("init", "invalid --name '" + name + "': " + e.getMessage());
    }
    ca.save(dir);
    out.println("created CA '" + ca.certificate().getSubjectX500Principal() + "', valid until "
        + ca.certificate().getNotAfter().toInstant());
    out.println("  " + dir.resolve(CertificateAuthority.CERT_FILE) + "  (give to every node)");
    out.println("  " + dir.resolve(CertificateAuthority.KEY_FILE) + "  (secret, mode 0600)");
    return OK;
  }

  private static int issue(Flags flags, PrintStream out, PrintStream err, Clock clock,
      SecureRandom random) throws UsageException, IOException {
    Path dir = Path.of(flags.required("--dir"));
    String name = flags.required("--name");
    String roleName = flags.required("--role");
    Path outDir = Path.of(flags.required("--out"));
    List<String> dns = flags.get("--dns", "").isEmpty() ? List.of()
        : Arrays.stream(flags.get("--dns", "").split(",")).map(String::strip).toList();
    int days = flags.intValue("--days", 365, 1, MAX_DAYS);
    Role role;
    try {
      role = Role.parse(roleName);
    } catch (IllegalArgumentException e) {
      throw new UsageException("issue", "invalid --role: " + e.getMessage());
    }
    try {
      new PeerIdentity(name, role);
    } catch (IllegalArgumentException e) {
      throw new UsageException("issue", "invalid --name: " + e.getMessage());
    }
    if (name.equals("ca")) {
      throw new UsageException("issue", "invalid --name 'ca': it would overwrite OUT/ca.pem");
    }
    CertificateAuthority ca = loadCa("issue", dir, clock, random);
    requireNotRevoked("issue", dir, name);
    Instant caExpiry = ca.certificate().getNotAfter().toInstant();
    if (clock.instant().plus(Duration.ofDays(days)).isAfter(caExpiry)) {
      throw new UsageException("issue", "invalid --days " + days
          + ": the certificate would outlive the CA, which expires at " + caExpiry);
    }
    IssuedIdentity identity;
    try {
      identity = ca.issue(name, role, Duration.ofDays(days), dns);
    } catch (IllegalArgumentException e) {
      throw new UsageException("issue", "invalid --dns '" + String.join(",", dns) + "': "
          + e.getMessage());
    }
    CertificateLog.record(dir, identity.certificate(), "issue", clock);
    identity.writeTo(outDir, name);
    out.println("issued " + role.wireName() + " certificate for '" + name + "' (serial "
        + identity.certificate().getSerialNumber().toString(16) + "), valid until "
        + identity.certificate().getNotAfter().toInstant());
    out.println("  " + outDir.resolve(name + ".pem"));
    out.println("  " + outDir.resolve(name + "-key.pem") + "  (secret, mode 0600)");
    out.println("  " + outDir.resolve(name + IssuedIdentity.SIGNING_KEY_SUFFIX)
        + "  (identity signing key, secret, mode 0600)");
    out.println("  " + outDir.resolve(IssuedIdentity.CA_FILE));
    return OK;
  }

  private static int token(Flags flags, PrintStream out, PrintStream err, Clock clock,
      SecureRandom random) throws UsageException, IOException {
    Path dir = Path.of(flags.required("--dir"));
    String site = flags.required("--site");
    String roleName = flags.required("--role");
    Duration ttl = duration("token", "--ttl", flags.get("--ttl", null), DEFAULT_TTL);
    int days = flags.intValue("--days", 365, 1, MAX_DAYS);
    Role role;
    try {
      role = Role.parse(roleName);
    } catch (IllegalArgumentException e) {
      throw new UsageException("token", "invalid --role: " + e.getMessage());
    }
    if (role == Role.COORDINATOR) {
      throw new UsageException("token", "invalid --role coordinator: a coordinator certificate"
          + " needs host names; issue it with 'ca issue --role coordinator --dns HOST'");
    }
    try {
      new PeerIdentity(site, role);
    } catch (IllegalArgumentException e) {
      throw new UsageException("token", "invalid --site: " + e.getMessage());
    }
    if (ttl.compareTo(EnrolmentTokens.MAX_TTL) > 0) {
      throw new UsageException("token", "invalid --ttl '" + flags.get("--ttl", "")
          + "': at most " + EnrolmentTokens.MAX_TTL.toDays() + "d");
    }
    CertificateAuthority ca = loadCa("token", dir, clock, random);
    Instant caExpiry = ca.certificate().getNotAfter().toInstant();
    if (clock.instant().plus(Duration.ofDays(days)).isAfter(caExpiry)) {
      throw new UsageException("token", "invalid --days " + days
          + ": the certificate would outlive the CA, which expires at " + caExpiry);
    }
    requireNotRevoked("token", dir, site);
    EnrolmentTokens.Created created = new EnrolmentTokens(dir, clock)
        .create(site, role, ttl, Duration.ofDays(days), random);
    out.println(CaPin.attach(created.token(), ca.certificate()));
    err.println("enrolment token for " + role.wireName() + " '" + site + "' (use once, until "
        + created.record().expires() + "; the certificate will be valid for " + days
        + " days). It is shown only now; " + dir.resolve(EnrolmentTokens.FILE)
        + " keeps only its SHA-256.");
    err.println("Give it to the site's operator over a channel you trust; it carries the CA's"
        + " fingerprint after '@', so the site needs nothing else and runs:");
    err.println("  factoryfl participant enroll --token TOKEN --ca-service HOST:PORT --out DIR");
    return OK;
  }

  private static int revoke(Flags flags, PrintStream out, Clock clock)
      throws UsageException, IOException {
    Path dir = Path.of(flags.required("--dir"));
    if (flags.positional().size() != 1) {
      throw new UsageException("revoke", flags.positional().isEmpty()
          ? "missing NAME, the identity to revoke"
          : "expected one NAME, got " + flags.positional());
    }
    String name = flags.positional().get(0);
    try {
      new PeerIdentity(name, Role.PARTICIPANT);
    } catch (IllegalArgumentException e) {
      throw new UsageException("revoke", "invalid NAME: " + e.getMessage());
    }
    if (!Files.isRegularFile(dir.resolve(CertificateAuthority.CERT_FILE))) {
      throw new UsageException("revoke", "invalid --dir '" + dir + "': "
          + dir.resolve(CertificateAuthority.CERT_FILE) + " does not exist; expected a CA"
          + " directory made by 'ca init'");
    }
    RevocationList.Revocation revocation =
        RevocationList.revoke(dir, name, flags.get("--reason", ""), clock);
    out.println("revoked '" + name + "' (since " + revocation.revokedAt() + "): every"
        + " certificate with that name, now and later");
    if (revocation.serials().isEmpty()) {
      out.println("  no certificate of '" + name + "' is in " + dir.resolve(CertificateLog.FILE)
          + "; the name is revoked anyway");
    } else {
      out.println("  serials " + String.join(", ", new TreeSet<>(revocation.serials())));
    }
    out.println("  " + dir.resolve(RevocationList.FILE) + " updated; the CA service refuses"
        + " them now, coordinators within a minute, sites from their next secure round");
    return OK;
  }

  private static int serve(Flags flags, PrintStream out, Clock clock, SecureRandom random)
      throws UsageException, IOException, InterruptedException {
    Path dir = Path.of(flags.required("--dir"));
    int port = flags.intValue("--port", 7444, 0, 65535);
    loadCa("serve", dir, clock, random);
    TlsMaterial tls;
    try {
      tls = TlsMaterial.load(Path.of(flags.required("--cert")), Path.of(flags.required("--key")),
          dir.resolve(CertificateAuthority.CERT_FILE));
    } catch (IOException e) {
      throw new UsageException("serve", "invalid --cert/--key: " + e.getMessage());
    }
    InetSocketAddress address = new InetSocketAddress(flags.get("--bind", "0.0.0.0"), port);
    CaServer server;
    try {
      server = CaServer.assemble(ServerTls.serverBuilder(address, tls), dir, clock, random)
          .start();
    } catch (IOException e) {
      throw new UsageException("serve", "invalid --dir '" + dir + "': " + e.getMessage());
    }
    out.println("CA service listening on " + address.getHostString() + ":" + server.port()
        + " (TLS 1.3; enrolment audited in "
        + server.enrolment().auditLog().map(Path::toString).orElse("?") + ")");
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        server.stop();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }));
    server.blockUntilShutdown();
    return OK;
  }

  private static int revocationList(Flags flags, PrintStream out, Clock clock,
      SecureRandom random) throws UsageException, IOException {
    Path dir = Path.of(flags.required("--dir"));
    Path file = Path.of(flags.required("--out"));
    CertificateAuthority ca = loadCa("revocation-list", dir, clock, random);
    SignedRevocationList signed = SignedRevocationList.sign(ca,
        RevocationList.load(dir.resolve(RevocationList.FILE)));
    signed.writeTo(file);
    out.println("wrote the revocation list signed by the CA (" + signed.list().all().size()
        + " revoked names, issued at " + signed.issuedAt() + ") to " + file);
    out.println("  sites accept it for " + SignedRevocationList.DEFAULT_MAX_AGE.toHours()
        + " h; write it again before then");
    return OK;
  }

  private static CertificateAuthority loadCa(String command, Path dir, Clock clock,
      SecureRandom random) throws UsageException {
    try {
      return CertificateAuthority.load(dir, clock, random);
    } catch (IOException e) {
      throw new UsageException(command, "invalid --dir '" + dir + "': " + e.getMessage());
    }
  }

  private static void requireNotRevoked(String command, Path dir, String name)
      throws UsageException, IOException {
    RevocationList.Revocation revoked = RevocationList.load(dir.resolve(RevocationList.FILE))
        .all().stream().filter(r -> r.name().equals(name)).findFirst().orElse(null);
    if (revoked != null) {
      throw new UsageException(command, "'" + name + "' was revoked at " + revoked.revokedAt()
          + " and cannot be given a certificate again; choose another name");
    }
  }

  /** A duration written as a number and a unit (s, m, h, d), or ISO-8601 such as PT12H. */
  static Duration duration(String command, String flag, String value, Duration fallback)
      throws UsageException {
    if (value == null) {
      return fallback;
    }
    String text = value.strip();
    Matcher m = DURATION.matcher(text);
    Duration parsed = null;
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      parsed = switch (m.group(2)) {
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    } else {
      try {
        parsed = Duration.parse(text);
      } catch (DateTimeParseException e) {
        // reported below
      }
    }
    if (parsed == null || parsed.isNegative() || parsed.isZero()) {
      throw new UsageException(command, "invalid " + flag + " '" + value
          + "': expected a positive duration such as 30m, 24h or 7d");
    }
    return parsed;
  }
}
