package io.factoryfl.coordinator.cli;

import io.factoryfl.core.cli.Flags;
import io.factoryfl.core.cli.HelpRequested;
import io.factoryfl.core.cli.UsageException;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.IssuedIdentity;
import io.factoryfl.core.security.PeerIdentity;
import io.factoryfl.core.security.Role;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * {@code ca init} and {@code ca issue}: the federation CA operator's commands.
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
  static final String HELP = "Usage: ca init|issue [--help]\n" + INIT_HELP + ISSUE_HELP;

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
    if (args.length == 0) {
      err.print(HELP);
      return USAGE;
    }
    String command = args[0];
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    try {
      switch (command) {
        case "--help", "-h", "help" -> {
          out.print(HELP);
          return OK;
        }
        case "init" -> {
          return init(parse("init", rest, Set.of("--dir", "--name", "--days")), out, err, clock,
              random);
        }
        case "issue" -> {
          return issue(parse("issue", rest,
              Set.of("--dir", "--name", "--role", "--out", "--dns", "--days")), out, err, clock,
              random);
        }
        default -> throw new UsageException(
            "", "unknown command '" + command + "'; expected init or issue");
      }
    } catch (HelpRequested h) {
      out.print(h.getMessage().equals("init") ? INIT_HELP : ISSUE_HELP);
      return OK;
    } catch (UsageException e) {
      String where = e.command().isEmpty() ? "ca" : "ca " + e.command();
      err.println(where + ": " + e.getMessage());
      err.println("Run '" + where + " --help' for usage.");
      return USAGE;
    } catch (IOException | RuntimeException e) {
      err.println("ca " + command + ": failed: " + e.getMessage());
      return FAILED;
    }
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
    CertificateAuthority ca;
    try {
      ca = CertificateAuthority.load(dir, clock, random);
    } catch (IOException e) {
      throw new UsageException("issue", "invalid --dir '" + dir + "': " + e.getMessage());
    }
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
}
