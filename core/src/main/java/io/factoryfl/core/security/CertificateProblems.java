package io.factoryfl.core.security;

import java.security.GeneralSecurityException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Says what is wrong with a certificate in words a node's operator can act on: expired at T,
 * not valid before T, issued by another CA, or made for another host, each with what to do.
 * Used for a node's own certificate when it is loaded (before anything is dialled) and for a
 * peer's certificate that the TLS handshake refused.
 */
public final class CertificateProblems {

  private CertificateProblems() {}

  /**
   * What is wrong with our own certificate {@code leaf} at {@code now}, given the CA
   * certificates we were told to trust: expired, not yet valid, or not issued by any of them.
   * Empty if it is usable.
   */
  public static Optional<String> ofOwn(X509Certificate leaf, List<X509Certificate> trusted,
      Instant now) {
    String whose = "this node's certificate " + describe(leaf);
    Instant notAfter = leaf.getNotAfter().toInstant();
    if (now.isAfter(notAfter)) {
      return Optional.of(whose + " expired at " + notAfter + " (now " + now + "); "
          + renewal(roleOf(leaf)));
    }
    Instant notBefore = leaf.getNotBefore().toInstant();
    if (now.isBefore(notBefore)) {
      return Optional.of(whose + " is not valid before " + notBefore + " (now " + now
          + "); check the clock of this machine and of the CA");
    }
    if (issuerAmong(leaf, trusted).isEmpty()) {
      return Optional.of(otherCa(whose, leaf, trusted));
    }
    return Optional.empty();
  }

  /**
   * Why the peer's certificate chain was refused, as best it can be told from the chain:
   * expired, not yet valid, another CA, or (for a server) another host name.
   *
   * @param server whether {@code chain} is the coordinator's (we are the client)
   * @param detail the TLS stack's own reason, used when nothing better can be said
   */
  static String ofPeer(X509Certificate[] chain, List<X509Certificate> trusted, Instant now,
      boolean server, String detail) {
    if (chain == null || chain.length == 0) {
      return (server ? "the coordinator" : "the client") + " presented no certificate";
    }
    X509Certificate leaf = chain[0];
    String whose = (server ? "the coordinator's certificate " : "the client certificate ")
        + describe(leaf);
    Instant notAfter = leaf.getNotAfter().toInstant();
    if (now.isAfter(notAfter)) {
      return whose + " expired at " + notAfter + " (now " + now + "); " + (server
          ? "its operator must issue a new one ('./factoryfl ca issue --dir ca --name NAME"
              + " --role coordinator --dns HOST --out DIR')"
          : renewal(roleOf(leaf)));
    }
    Instant notBefore = leaf.getNotBefore().toInstant();
    if (now.isBefore(notBefore)) {
      return whose + " is not valid before " + notBefore + " (now " + now + "); check the"
          + " clocks of both machines";
    }
    X509Certificate top = chain[chain.length - 1];
    if (issuerAmong(leaf, trusted).isEmpty() && issuerAmong(top, trusted).isEmpty()
        && !trusted.contains(top)) {
      return server
          ? whose + " was issued by " + leaf.getIssuerX500Principal().getName() + ", but the CA"
              + " this node trusts is " + names(trusted) + "; this is not your federation's"
              + " coordinator, or this node's ca.pem (--ca) is from another federation: enrol"
              + " again with a token from this federation"
          : otherCa(whose, leaf, trusted);
    }
    if (server && detail != null && detail.contains("subject alternative")) {
      return whose + " is for " + hostNames(leaf) + ", not for the host dialled (" + detail
          + "); dial one of those names, or have the CA operator issue the coordinator a"
          + " certificate with '--dns HOST'";
    }
    return whose + " was refused: " + detail;
  }

  /**
   * What the operator of a node whose certificate of {@code role} expired (or is about to) must
   * do, with commands to paste; {@code role} may be null when it is not known.
   */
  public static String renewal(Role role) {
    if (role == Role.COORDINATOR) {
      return "issue the coordinator a new one ('./factoryfl ca issue --dir ca --name NAME"
          + " --role coordinator --dns HOST --out DIR')";
    }
    String wire = role == null ? "ROLE" : role.wireName();
    return "renew certificates before they expire ('./factoryfl participant renew"
        + " --coordinator HOST:PORT --dir DIR'); an expired one cannot be renewed: ask the CA"
        + " operator for a new token ('./factoryfl ca token --dir ca --site NAME --role " + wire
        + "') and enrol again ('./factoryfl participant enroll --token TOKEN --coordinator"
        + " HOST:PORT --out DIR')";
  }

  /** Our certificate {@code leaf} was not issued by any of the {@code trusted} CAs. */
  static String notFromTrustedCa(X509Certificate leaf, List<X509Certificate> trusted) {
    return otherCa("this node's certificate " + describe(leaf), leaf, trusted);
  }

  private static String otherCa(String whose, X509Certificate leaf,
      List<X509Certificate> trusted) {
    String issuer = leaf.getIssuerX500Principal().getName();
    boolean sameName = trusted.stream()
        .anyMatch(ca -> ca.getSubjectX500Principal().getName().equals(issuer));
    return whose + " was issued by " + issuer + (sameName ? " (another CA of the same name)"
        : "") + ", but this federation's CA is " + names(trusted) + "; enrol again with a token from this"
        + " federation, or give the ca.pem of the federation that issued it";
  }

  private static String describe(X509Certificate certificate) {
    String name;
    try {
      PeerIdentity identity = PeerIdentity.fromCertificate(certificate);
      name = "'" + identity.name() + "' (" + identity.role().wireName() + ", serial ";
    } catch (IllegalArgumentException e) {
      name = certificate.getSubjectX500Principal().getName() + " (serial ";
    }
    return name + CertificateLog.serialHex(certificate.getSerialNumber()) + ")";
  }

  private static Role roleOf(X509Certificate certificate) {
    try {
      return PeerIdentity.fromCertificate(certificate).role();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  static Optional<X509Certificate> issuerAmong(X509Certificate certificate,
      List<X509Certificate> cas) {
    for (X509Certificate ca : cas) {
      if (certificate.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
        try {
          certificate.verify(ca.getPublicKey());
          return Optional.of(ca);
        } catch (GeneralSecurityException e) {
          // same name, other key: another CA that happens to share the name
        }
      }
    }
    return Optional.empty();
  }

  private static String names(List<X509Certificate> cas) {
    List<String> names = cas.stream().map(c -> c.getSubjectX500Principal().getName()).toList();
    return names.size() == 1 ? names.get(0) : names.toString();
  }

  private static List<String> hostNames(X509Certificate certificate) {
    List<String> hosts = new ArrayList<>();
    try {
      Collection<List<?>> names = certificate.getSubjectAlternativeNames();
      if (names != null) {
        for (List<?> name : names) {
          hosts.add(String.valueOf(name.get(1)));
        }
      }
    } catch (CertificateParsingException e) {
      // fall through with what was read
    }
    return hosts;
  }
}
