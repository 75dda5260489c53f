package io.factoryfl.core.security;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * Turns the exception behind a failed connection (what gRPC reports as "UNAVAILABLE: io
 * exception") into a sentence naming the likely cause and what to do: our trust manager's
 * explanation of the coordinator's certificate, the TLS alert the coordinator sent about ours,
 * a refused connection, an unknown host. Transport-free: the gRPC edges pass the status cause.
 */
public final class TlsFailures {

  private static final int MAX_DEPTH = 16;

  private TlsFailures() {}

  /**
   * What went wrong connecting to {@code target}, if {@code cause} is a failure this class
   * recognises.
   *
   * @param cause the status's cause, e.g. {@code StatusRuntimeException.getStatus().getCause()}
   * @param target what was dialled, e.g. {@code coordinator.example.com:7443}; null if unknown
   */
  public static Optional<String> describe(Throwable cause, String target) {
    String where = target == null ? "the coordinator" : "the coordinator at " + target;
    SSLException ssl = null;
    int depth = 0;
    for (Throwable t = cause; t != null && depth < MAX_DEPTH; t = t.getCause(), depth++) {
      if (t instanceof ExplainedCertificateException explained) {
        return Optional.of("cannot connect to " + where + " over TLS: " + explained.getMessage());
      }
      if (ssl == null && t instanceof SSLException e) {
        ssl = e;
      }
      Optional<String> alert = alert(String.valueOf(t.getMessage()), where);
      if (alert.isPresent()) {
        return alert;
      }
      if (t instanceof ConnectException) {
        return Optional.of("cannot connect to " + where + ": nothing accepts connections there ("
            + t.getMessage() + "); check the address and port, and that the coordinator runs");
      }
      if (t instanceof UnknownHostException) {
        return Optional.of("cannot connect to " + where + ": the host name is unknown ("
            + t.getMessage() + "); check the address");
      }
      if (t.getCause() == t) {
        break;
      }
    }
    if (ssl != null) {
      return Optional.of("the TLS handshake with " + where + " failed (" + deepest(ssl) + ");"
          + " check that it is this federation's coordinator, that this node's ca.pem is the"
          + " federation CA, and that this node's certificate is current");
    }
    return Optional.empty();
  }

  /** The coordinator refused our certificate and said why in a TLS alert. */
  private static Optional<String> alert(String message, String where) {
    String m = message.toLowerCase(Locale.ROOT);
    String refused = where + " refused this node's certificate in the TLS handshake";
    if (m.contains("certificate_expired")) {
      return Optional.of(refused + " as expired (by the coordinator's clock); check its dates"
          + " ('openssl x509 -in site.pem -noout -dates') and both clocks; "
          + CertificateProblems.renewal(null));
    }
    if (m.contains("certificate_revoked")) {
      return Optional.of(refused + " as revoked; ask the CA operator for a token for a new"
          + " name and enrol again");
    }
    if (m.contains("bad_certificate") || m.contains("unknown_ca")
        || m.contains("certificate_unknown") || m.contains("unsupported_certificate")) {
      return Optional.of(refused + " (" + alertName(m) + "): it is not yet valid or expired by"
          + " the coordinator's clock, or was not issued by the CA the coordinator trusts; check"
          + " its dates and issuer ('openssl x509 -in site.pem -noout -dates -issuer'), and"
          + " enrol again with a token from this federation if the issuer is wrong");
    }
    return Optional.empty();
  }

  private static String alertName(String lowerCaseMessage) {
    for (String name : new String[] {"bad_certificate", "unknown_ca", "certificate_unknown",
        "unsupported_certificate"}) {
      if (lowerCaseMessage.contains(name)) {
        return "alert " + name;
      }
    }
    return "alert";
  }

  private static String deepest(Throwable t) {
    Throwable root = t;
    for (int i = 0; i < MAX_DEPTH && root.getCause() != null && root.getCause() != root; i++) {
      root = root.getCause();
    }
    return String.valueOf(root.getMessage());
  }
}
