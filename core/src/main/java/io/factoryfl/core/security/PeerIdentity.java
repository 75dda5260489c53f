package io.factoryfl.core.security;

import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/**
 * Who is on the other end of a connection, as vouched for by the federation CA: the subject
 * CN of the peer's certificate is its {@code name}, the subject OU its {@code role}.
 *
 * @param name the participant, engineer or server name; matches {@code [A-Za-z0-9._-]{1,64}}
 * @param role what the holder may do
 */
public record PeerIdentity(String name, Role role) {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  /** @throws IllegalArgumentException if the name is not a valid identity name */
  public PeerIdentity {
    checkName("name", name);
    Objects.requireNonNull(role, "role");
  }

  /**
   * Reads the identity from a certificate's subject. The caller is responsible for having
   * verified the certificate (the TLS handshake does this against the federation CA).
   *
   * @throws IllegalArgumentException naming the subject when it lacks exactly one CN or OU, or
   *     when they are not a valid name and role
   */
  public static PeerIdentity fromCertificate(X509Certificate certificate) {
    Objects.requireNonNull(certificate, "certificate");
    X500Name subject = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
    String name = single(subject, BCStyle.CN, "CN (the identity name)");
    String ou = single(subject, BCStyle.OU, "OU (the role)");
    Role role;
    try {
      role = Role.parse(ou);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "certificate subject '" + subject + "' has OU=" + ou + ", which is not a role;"
              + " expected one of " + Role.allowed(), e);
    }
    try {
      return new PeerIdentity(name, role);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "certificate subject '" + subject + "': " + e.getMessage(), e);
    }
  }

  private static String single(X500Name subject, ASN1ObjectIdentifier type, String what) {
    RDN[] rdns = subject.getRDNs(type);
    if (rdns.length != 1 || rdns[0].isMultiValued()) {
      throw new IllegalArgumentException(
          "certificate subject '" + subject + "' must have exactly one " + what
              + ", found " + rdns.length);
    }
    return IETFUtils.valueToString(rdns[0].getFirst().getValue());
  }

  /**
   * Checks a name used in a certificate subject or file name.
   *
   * @param what the field, for the message
   * @return the name, for chaining
   */
  static String checkName(String what, String value) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(what + " must not be empty");
    }
    if (!NAME.matcher(value).matches()) {
      throw new IllegalArgumentException(
          what + " '" + value + "' is not allowed: use 1 to 64 characters from"
              + " A-Z, a-z, 0-9, '.', '_' and '-'");
    }
    return value;
  }
}
