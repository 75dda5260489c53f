package io.factoryfl.participant.enrol;

import io.factoryfl.core.cli.Flags;
import io.factoryfl.core.cli.HelpRequested;
import io.factoryfl.core.cli.UsageException;
import io.factoryfl.core.security.CertificateLog;
import io.factoryfl.core.security.CaPin;
import io.factoryfl.core.security.EnrolmentTokens;
import io.factoryfl.core.security.IssuedIdentity;
import io.factoryfl.core.security.Pem;
import io.factoryfl.core.security.PeerIdentity;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.SigningIdentity;
import io.factoryfl.core.security.TlsFailures;
import io.factoryfl.core.security.TlsMaterial;
import io.factoryfl.participant.session.ChannelTls;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code participant enroll} and {@code participant renew}: get this node's certificate from the
 * coordinator with a one-time token, and renew it before it expires. The private keys are made
 * here and never leave the machine.
 *
 * <p>Files are named after the role the certificate carries: {@code site} for a participant,
 * {@code admin} or {@code auditor} otherwise ({@code BASE.pem}, {@code BASE-key.pem},
 * {@code BASE-signing-key.pem}, and {@code ca.pem}), so the same command serves plant IT, ML
 * engineers and auditors.
 *
 * <p>Exit codes: 0 done (or help shown), 1 refused by the coordinator or could not reach it,
 * 2 bad arguments. Errors are one line naming the flag and value, or the coordinator's answer.
 */
public final class EnrolCommand {

  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;
  private static final List<String> BASES = List.of("site", "admin", "auditor");

  public static final String ENROLL_HELP = """
      Usage: factoryfl participant enroll --token TOKEN --ca-service HOST:PORT --out DIR
                                          [--ca FILE] [--name NAME]
        Makes this node's TLS key and identity signing key here (they never leave it), sends a
        certificate request with the one-time token from the CA operator, and writes
          DIR/site.pem, DIR/site-key.pem (0600), DIR/site-signing-key.pem (0600), DIR/ca.pem
        for a participant token; an admin or auditor token writes admin*.pem or auditor*.pem
        instead. Point the participant config's "tls" at these files.
        --token TOKEN        the token from 'factoryfl ca token' (SITE:SECRET@sha256:CA); works
                             once. The part after '@' is the federation CA's fingerprint: the
                             CA service is trusted only if its certificate chains to that CA,
                             so the token goes to the federation's CA service and no one else
        --ca-service H:P     the CA service ('factoryfl ca serve'); --coordinator H:P is an
                             alias, for a development coordinator started with --dev-ca
        --ca FILE            the federation CA certificate, instead of (or checked against) the
                             token's fingerprint; needed for tokens without one
        --out DIR            where to write the files; must not hold an identity already
        --name NAME          the identity to ask for; defaults to, and must equal, the token's
                             site (the CA decides the name from the token)
      """;
  public static final String RENEW_HELP = """
      Usage: factoryfl participant renew --ca-service HOST:PORT --dir DIR [--base BASE]
        Renews the certificate in DIR before it expires: makes fresh keys here, authenticates
        with the current certificate, and replaces DIR/BASE.pem, DIR/BASE-key.pem and
        DIR/BASE-signing-key.pem. The current identity signing key signs the new one, and the
        CA records that in the new certificate, so peers that pinned the old key accept the
        new one (and no one else, the CA included, can announce a key change for this site).
        The current certificate stays valid until it expires, so a running node keeps working;
        it uses the new one from its next start.
        --ca-service H:P     the CA service ('factoryfl ca serve'); --coordinator H:P is an
                             alias, for a development coordinator started with --dev-ca
        --dir DIR            the directory 'participant enroll --out' wrote
        --base BASE          site (default), admin or auditor: which identity in DIR
      """;

  private EnrolCommand() {}

  /** {@code participant enroll ARGS}. */
  public static int enroll(String[] args, PrintStream out, PrintStream err,
      SecureRandom random) {
    ManagedChannel channel = null;
    String target = "";
    try {
      Flags flags = Flags.parse("participant enroll", args,
          Set.of("--token", "--ca-service", "--coordinator", "--ca", "--out", "--name"), Set.of());
      requireNoPositional(flags);
      CaPin.PinnedToken pinnedToken;
      try {
        pinnedToken = CaPin.split(flags.required("--token"));
      } catch (IllegalArgumentException e) {
        throw new UsageException(flags.command(), "invalid --token: " + e.getMessage());
      }
      String token = pinnedToken.token();
      target = caService(flags);
      if (!flags.has("--ca") && pinnedToken.pin() == null) {
        throw new UsageException(flags.command(), "missing --ca: this token carries no CA"
            + " fingerprint, so give the federation's ca.pem that came with it");
      }
      Path caFile = flags.has("--ca") ? Path.of(flags.required("--ca")) : null;
      Path outDir = Path.of(flags.required("--out"));
      String site;
      try {
        site = EnrolmentTokens.siteOf(token);
      } catch (IllegalArgumentException e) {
        throw new UsageException(flags.command(), "invalid --token: " + e.getMessage());
      }
      String name = flags.get("--name", site);
      if (!name.equals(site)) {
        throw new UsageException(flags.command(), "invalid --name '" + name
            + "': the token is for '" + site + "'; leave out --name");
      }
      X509Certificate ca = caFile == null ? null : readCa(flags.command(), caFile);
      if (ca != null && pinnedToken.pin() != null && !CaPin.matches(pinnedToken.pin(), ca)) {
        throw new UsageException(flags.command(), "invalid --ca '" + caFile + "': its fingerprint "
            + CaPin.of(ca) + " is not the one the token carries (" + pinnedToken.pin() + ")");
      }
      for (String base : BASES) {
        if (Files.exists(outDir.resolve(base + ".pem"))) {
          throw new UsageException(flags.command(), "invalid --out '" + outDir + "': it already"
              + " holds an identity (" + outDir.resolve(base + ".pem") + "); enrol into another"
              + " directory, or renew with 'factoryfl participant renew'");
        }
      }
      IssuedIdentity identity;
      if (ca != null) {
        channel = EnrolmentChannels.withoutCertificate(target, ca);
        identity = new EnrolmentClient(channel).enrol(token, name, ca, random);
      } else {
        PinnedCaTrustManager trust = new PinnedCaTrustManager(pinnedToken.pin());
        channel = EnrolmentChannels.pinned(target, trust);
        identity = new EnrolmentClient(channel).enrol(token, name, trust::pinnedCa, random);
      }
      String base = baseFor(identity.identity().role());
      identity.writeTo(outDir, base);
      report("enrolled", identity, outDir, base, out);
      return OK;
    } catch (HelpRequested help) {
      out.print(ENROLL_HELP);
      return OK;
    } catch (UsageException e) {
      err.println(e.command() + ": " + e.getMessage());
      err.println("Run 'factoryfl participant enroll --help' for usage.");
      return USAGE;
    } catch (StatusRuntimeException e) {
      err.println("participant enroll: " + describe(e, target));
      return FAILED;
    } catch (IOException | RuntimeException e) {
      err.println("participant enroll: failed: " + e.getMessage());
      return FAILED;
    } finally {
      close(channel);
    }
  }

  /** {@code participant renew ARGS}. */
  public static int renew(String[] args, PrintStream out, PrintStream err,
      SecureRandom random) {
    ManagedChannel channel = null;
    String target = "";
    try {
      Flags flags = Flags.parse("participant renew", args,
          Set.of("--ca-service", "--coordinator", "--dir", "--base"), Set.of());
      requireNoPositional(flags);
      target = caService(flags);
      Path dir = Path.of(flags.required("--dir"));
      String base = flags.get("--base", "site");
      if (!BASES.contains(base)) {
        throw new UsageException(flags.command(), "invalid --base '" + base
            + "': expected one of " + BASES);
      }
      TlsMaterial current;
      try {
        current = TlsMaterial.load(dir.resolve(base + ".pem"), dir.resolve(base + "-key.pem"),
            dir.resolve(IssuedIdentity.CA_FILE));
      } catch (IOException e) {
        throw new UsageException(flags.command(), "invalid --dir '" + dir + "': "
            + e.getMessage());
      }
      SigningIdentity signing;
      try {
        signing = SigningIdentity.load(dir.resolve(base + ".pem"),
            dir.resolve(base + IssuedIdentity.SIGNING_KEY_SUFFIX));
      } catch (IOException e) {
        throw new UsageException(flags.command(), "invalid --dir '" + dir + "': "
            + e.getMessage() + "; the current identity signing key must sign the new one");
      }
      channel = ChannelTls.open(target, current);
      IssuedIdentity identity = new EnrolmentClient(channel).renew(signing,
          current.trustedCertificates().get(0), random);
      identity.writeTo(dir, base);
      report("renewed", identity, dir, base, out);
      out.println("The previous certificate (serial " + CertificateLog.serialHex(
          current.certificateChain().get(0).getSerialNumber()) + ") stays valid until "
          + current.certificateChain().get(0).getNotAfter().toInstant()
          + "; a running node uses the new one from its next start.");
      return OK;
    } catch (HelpRequested help) {
      out.print(RENEW_HELP);
      return OK;
    } catch (UsageException e) {
      err.println(e.command() + ": " + e.getMessage());
      err.println("Run 'factoryfl participant renew --help' for usage.");
      return USAGE;
    } catch (StatusRuntimeException e) {
      err.println("participant renew: " + describe(e, target));
      return FAILED;
    } catch (IOException | RuntimeException e) {
      err.println("participant renew: failed: " + e.getMessage());
      return FAILED;
    } finally {
      close(channel);
    }
  }

  /** {@code --ca-service}, or its alias {@code --coordinator}; exactly one of them. */
  private static String caService(Flags flags) throws UsageException {
    if (flags.has("--ca-service") && flags.has("--coordinator")) {
      throw new UsageException(flags.command(), "give --ca-service or its alias --coordinator,"
          + " not both");
    }
    if (!flags.has("--ca-service") && !flags.has("--coordinator")) {
      throw new UsageException(flags.command(), "missing --ca-service HOST:PORT, the CA service"
          + " ('factoryfl ca serve') to get the certificate from");
    }
    return flags.has("--ca-service") ? flags.required("--ca-service")
        : flags.required("--coordinator");
  }

  /** The file base name for an identity of {@code role}. */
  static String baseFor(Role role) {
    return role == Role.PARTICIPANT ? "site" : role.wireName();
  }

  private static void report(String what, IssuedIdentity identity, Path dir, String base,
      PrintStream out) {
    PeerIdentity who = identity.identity();
    X509Certificate certificate = identity.certificate();
    out.println(what + " as " + who.role().wireName() + " '" + who.name() + "' (certificate"
        + " serial " + CertificateLog.serialHex(certificate.getSerialNumber()) + ", valid until "
        + certificate.getNotAfter().toInstant() + ")");
    out.println("  " + dir.resolve(base + ".pem"));
    out.println("  " + dir.resolve(base + "-key.pem") + "  (secret, mode 0600)");
    out.println("  " + dir.resolve(base + IssuedIdentity.SIGNING_KEY_SUFFIX)
        + "  (identity signing key, secret, mode 0600)");
    out.println("  " + dir.resolve(IssuedIdentity.CA_FILE));
  }

  private static X509Certificate readCa(String command, Path caFile) throws UsageException {
    try {
      X509Certificate ca = Pem.readCertificate(caFile);
      if (ca.getBasicConstraints() < 0) {
        throw new UsageException(command, "invalid --ca '" + caFile + "': it is not a CA"
            + " certificate; use the federation's ca.pem from the CA operator");
      }
      return ca;
    } catch (IOException e) {
      throw new UsageException(command, "invalid --ca '" + caFile + "': " + e.getMessage());
    }
  }

  private static void requireNoPositional(Flags flags) throws UsageException {
    if (!flags.positional().isEmpty()) {
      throw new UsageException(flags.command(),
          "unexpected argument '" + flags.positional().get(0) + "'");
    }
  }

  private static String describe(StatusRuntimeException e, String target) {
    Status status = e.getStatus();
    if (status.getCode() == Status.Code.UNAVAILABLE && status.getCause() != null) {
      // a transport failure: gRPC's own description is "io exception"; the cause says why
      return TlsFailures.describe(status.getCause(), target).orElseGet(() -> {
        Throwable root = status.getCause();
        while (root.getCause() != null && root.getCause() != root) {
          root = root.getCause();
        }
        return "cannot connect to the CA service at " + target + " over TLS ("
            + root.getMessage() + "); check --ca-service, and that the CA certificate is the"
            + " one that issued the CA service's certificate";
      });
    }
    return "CA service answered " + status.getCode() + ": " + status.getDescription();
  }

  private static void close(ManagedChannel channel) {
    if (channel == null) {
      return;
    }
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
