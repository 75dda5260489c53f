package io.factoryfl.coordinator.job;

import io.factoryfl.coordinator.task.TaskOutcome;
import io.factoryfl.core.secagg.SecAggException;
import io.factoryfl.core.security.SigningIdentity;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;

/**
 * The identity key the coordinator checks a site's advertised secure-aggregation keys against: the
 * Ed25519 key bound into the client certificate the site's reply arrived with. That certificate
 * was verified against the federation CA by TLS and found unexpired and unrevoked by the
 * authentication interceptor, so no second CA check is needed here. The certificate the site
 * relays to its neighbours must be that same certificate, since they check the signature against
 * the relayed one: a site relaying another is refused here rather than by each of its neighbours.
 */
final class AdvertisedIdentity {
  private AdvertisedIdentity() {}

  /**
   * @param relayedCertificate the DER certificate inside the site's advertised keys
   * @throws SecAggException naming the site when there is no client certificate, the relayed one
   *     differs from it, or it binds no identity key
   */
  static PublicKey of(TaskOutcome.SecAggReply reply, byte[] relayedCertificate) {
    String site = reply.participantId();
    X509Certificate certificate = reply.certificate();
    if (certificate == null) {
      throw new SecAggException("'" + site + "' replied over a connection without a client certificate,"
          + " so its advertised keys cannot be checked");
    }
    byte[] presented;
    try {
      presented = certificate.getEncoded();
    } catch (CertificateEncodingException e) {
      throw new SecAggException("the client certificate of '" + site + "' cannot be encoded: " + e.getMessage());
    }
    if (!Arrays.equals(presented, relayedCertificate)) {
      throw new SecAggException("the certificate in the keys advertised by '" + site + "' is not the one it"
          + " connected with; its neighbours check the relayed one, so they must be the same (restart the"
          + " site after renewing its certificate)");
    }
    PublicKey key;
    try {
      key = SigningIdentity.signingKeyOf(certificate);
    } catch (IllegalArgumentException e) {
      throw new SecAggException("the certificate of '" + site + "' is refused: " + e.getMessage());
    }
    if (key == null) {
      throw new SecAggException("the certificate of '" + site + "' binds no identity signing key (extension "
          + SigningIdentity.EXTENSION_OID + "); issue it a new certificate");
    }
    return key;
  }
}
