package io.factoryfl.core.security;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * How a site announces a new identity signing key to peers that pinned its old one: at renewal
 * the site signs the new key with the old one, and the CA copies that endorsement into the new
 * certificate (extension {@value #EXTENSION_OID}). Whoever holds the CA key can mint a
 * certificate with any key, but not the old key's signature over it, so a peer that pinned the
 * old key accepts the new one only if the site itself made the change.
 *
 * <p>The extension is {@code SEQUENCE OF Link}, oldest first, at most {@value #MAX_LINKS}:
 * <pre>
 * Link ::= SEQUENCE { previousKey SubjectPublicKeyInfo, signature OCTET STRING }
 * </pre>
 * where link i's signature is Ed25519 by its {@code previousKey} over {@link #message}(name,
 * previousKey, next), and next is the following link's {@code previousKey}, or for the last link
 * the key the certificate binds. A peer that pinned any key in the chain can follow it to the
 * current key; one that pinned a key older than the chain keeps refusing until its operator
 * removes the pin.
 */
public final class KeyContinuity {

  /** The extension that carries the chain of endorsements. */
  public static final String EXTENSION_OID = "2.25.15945084999505802876030881516621309480";
  static final ASN1ObjectIdentifier EXTENSION = new ASN1ObjectIdentifier(EXTENSION_OID);
  /** How many renewals a certificate remembers. */
  public static final int MAX_LINKS = 8;
  private static final byte[] DOMAIN =
      "factoryfl.signing-key-rotation.v1".getBytes(StandardCharsets.US_ASCII);

  /**
   * One endorsement: {@code previousKey} vouches for the next key in the chain.
   *
   * @param signature Ed25519 by {@code previousKey} over {@link #message}
   */
  public record Link(PublicKey previousKey, byte[] signature) {
    public Link {
      Objects.requireNonNull(previousKey, "previousKey");
      signature = signature.clone();
    }

    @Override
    public byte[] signature() {
      return signature.clone();
    }
  }

  private KeyContinuity() {}

  /** The bytes an old key signs to vouch for {@code next} as {@code name}'s new key. */
  public static byte[] message(String name, PublicKey previous, PublicKey next) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.write(DOMAIN);
      for (byte[] part : new byte[][] {name.getBytes(StandardCharsets.UTF_8),
          previous.getEncoded(), next.getEncoded()}) {
        out.writeInt(part.length);
        out.write(part);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return bytes.toByteArray();
  }

  /** The endorsement of {@code next} by the current identity: what a renewal request carries. */
  public static byte[] endorse(SigningIdentity current, PublicKey next) {
    return SigningIdentity.sign(current.privateKey(),
        message(current.name(), current.publicKey(), next));
  }

  /**
   * The chain a renewed certificate carries: {@code current}'s chain plus the endorsement of
   * {@code next} by {@code current}'s key, keeping the newest {@value #MAX_LINKS}. Empty when
   * {@code current} binds no signing key (nothing was pinned to announce a change to).
   *
   * @throws IllegalArgumentException if the endorsement is missing or is not {@code current}'s
   *     key's signature over {@code next}
   */
  public static List<Link> extend(X509Certificate current, PublicKey next, byte[] endorsement) {
    PublicKey previous = SigningIdentity.signingKeyOf(current);
    if (previous == null) {
      return List.of();
    }
    String name = PeerIdentity.fromCertificate(current).name();
    if (endorsement == null || endorsement.length == 0) {
      throw new IllegalArgumentException("the renewal does not carry the endorsement of the new"
          + " identity signing key by the current one; peers that pinned '" + name + "''s key"
          + " would refuse the new certificate. Renew with 'factoryfl participant renew'");
    }
    if (!SigningIdentity.verify(previous, message(name, previous, next), endorsement)) {
      throw new IllegalArgumentException("the endorsement of the new identity signing key is not"
          + " a signature by the key in '" + name + "''s current certificate");
    }
    List<Link> links = new ArrayList<>(of(current));
    links.add(new Link(previous, endorsement));
    return List.copyOf(links.subList(Math.max(0, links.size() - MAX_LINKS), links.size()));
  }

  /**
   * Whether {@code current} descends from the key whose {@link #fingerprint} is {@code pinned}
   * through {@code links}: some link's previous key is the pinned one, and every endorsement
   * from there to {@code current} verifies.
   */
  public static boolean descends(String name, String pinned, List<Link> links,
      PublicKey current) {
    int start = -1;
    for (int i = 0; i < links.size(); i++) {
      if (fingerprint(links.get(i).previousKey()).equals(pinned)) {
        start = i;
      }
    }
    if (start < 0) {
      return false;
    }
    for (int i = start; i < links.size(); i++) {
      Link link = links.get(i);
      PublicKey next = i + 1 < links.size() ? links.get(i + 1).previousKey() : current;
      if (!SigningIdentity.verify(link.previousKey(), message(name, link.previousKey(), next),
          link.signature())) {
        return false;
      }
    }
    return true;
  }

  /**
   * The chain in {@code certificate}; empty without the extension. Does not verify it.
   *
   * @throws IllegalArgumentException if the extension is damaged
   */
  public static List<Link> of(X509Certificate certificate) {
    byte[] extension = certificate.getExtensionValue(EXTENSION_OID);
    if (extension == null) {
      return List.of();
    }
    try {
      ASN1Sequence chain = ASN1Sequence.getInstance(
          ASN1OctetString.getInstance(extension).getOctets());
      if (chain.size() > MAX_LINKS) {
        throw new IllegalArgumentException("it has " + chain.size() + " links, more than "
            + MAX_LINKS);
      }
      List<Link> links = new ArrayList<>();
      for (int i = 0; i < chain.size(); i++) {
        ASN1Sequence link = ASN1Sequence.getInstance(chain.getObjectAt(i));
        SubjectPublicKeyInfo info = SubjectPublicKeyInfo.getInstance(link.getObjectAt(0));
        PublicKey key = KeyFactory.getInstance(Keys.SIGNING_ALGORITHM)
            .generatePublic(new X509EncodedKeySpec(info.getEncoded()));
        links.add(new Link(key, ASN1OctetString.getInstance(link.getObjectAt(1)).getOctets()));
      }
      return List.copyOf(links);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException("its key continuity extension " + EXTENSION_OID
          + " is damaged: " + e.getMessage(), e);
    }
  }

  /** {@code sha256:HEX} of the key's DER SubjectPublicKeyInfo: what a pin records. */
  public static String fingerprint(PublicKey key) {
    try {
      return "sha256:" + HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(key.getEncoded()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  static DERSequence extensionValue(List<Link> links) {
    ASN1EncodableVector chain = new ASN1EncodableVector();
    for (Link link : links) {
      ASN1EncodableVector pair = new ASN1EncodableVector();
      pair.add(SigningIdentity.extensionValue(link.previousKey()));
      pair.add(new DEROctetString(link.signature()));
      chain.add(new DERSequence(pair));
    }
    return new DERSequence(chain);
  }
}
