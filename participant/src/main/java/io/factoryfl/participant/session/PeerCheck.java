package io.factoryfl.participant.session;

import io.factoryfl.core.secagg.SecAggException;
import io.factoryfl.core.security.CertificateLog;
import io.factoryfl.core.security.KeyContinuity;
import io.factoryfl.core.security.RevocationList;
import io.factoryfl.core.security.SignedRevocationList;
import io.factoryfl.core.security.SigningIdentity;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides which identity signing key a secure-aggregation peer's certificate (relayed by the
 * coordinator) gives, so the coordinator cannot slip in a key of its own:
 * <ol>
 *   <li>the certificate chains to the federation CA, is valid now, and names the peer as a
 *       participant ({@link SigningIdentity#verifiedSigningKey});
 *   <li>the newest revocation list signed by the CA that this site holds, which must be at most
 *       {@code maxAge} old, does not revoke it (by name or serial). The coordinator relays the
 *       list with every share-keys stage ({@link #relayed}); it cannot forge one, and cannot
 *       roll the site back to an older one once it has seen a newer;
 *   <li>the key is the one this site pinned for the peer, or the peer's first, or one the
 *       pinned key endorsed at renewal ({@link PeerPins}).
 * </ol>
 * Thread-safe.
 */
final class PeerCheck {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(PeerCheck.class);

  private final X509Certificate ca;
  /** SHA-256 of the CA certificate: part of the key of every remembered verification. */
  private final String caDigest;
  private final PeerPins pins;
  private final Clock clock;
  private final Duration maxAge;
  private SignedRevocationList newest;
  /**
   * Certificates already found chained to a CA and issued to the peer, by the SHA-256 of the CA's
   * and the certificate's DER: a peer met again costs a map lookup, not a signature check (a cohort
   * of 1,000 brings 400 neighbours a round). The signature check is a pure function of those two
   * byte strings, so the memo is shared by every site in the process: one in a deployment, all of
   * them in a simulation, where 1,000 sites would otherwise check the same 1,000 certificates
   * 400,000 times. Validity in time, the name, revocation and the pin are still checked on every
   * use. Least recently used first out.
   */
  private static final Map<String, Verified> VERIFIED = java.util.Collections.synchronizedMap(
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Verified> eldest) {
          return size() > MAX_VERIFIED;
        }
      });
  private static final int MAX_VERIFIED = 20_000;

  /** A certificate found chained to the CA and issued to {@code peer}, with its signing key. */
  private record Verified(String peer, PublicKey key, X509Certificate certificate) {
    boolean validAt(java.time.Instant now) {
      return !now.isBefore(certificate.getNotBefore().toInstant())
          && !now.isAfter(certificate.getNotAfter().toInstant());
    }
  }
  private String lastRefusedList;
  /** Where the newest accepted list is kept across restarts, or null (tests). */
  private Path listFile;

  PeerCheck(X509Certificate ca, PeerPins pins, Clock clock, Duration maxAge) {
    this.ca = Objects.requireNonNull(ca, "ca");
    try {
      this.caDigest = io.factoryfl.core.params.ContentHash.of(ca.getEncoded());
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new IllegalArgumentException("the CA certificate cannot be encoded: " + e.getMessage(), e);
    }
    this.pins = Objects.requireNonNull(pins, "pins");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.maxAge = Objects.requireNonNull(maxAge, "maxAge");
  }

  /**
   * Keeps the newest accepted list in {@code file} and starts from the one kept there, so a
   * restart does not let a coordinator roll the site back to an older list it relays later.
   */
  synchronized PeerCheck keepingNewestIn(Path file) {
    this.listFile = file;
    if (Files.exists(file)) {
      try {
        newest = SignedRevocationList.verify(Files.readAllBytes(file), ca);
      } catch (IOException | IllegalArgumentException e) {
        // A damaged copy only loses the rollback floor; the next relayed list sets it again.
        LOG.warn(
            "the kept revocation list " + file + " is unusable (" + e.getMessage() + "); waiting for a new one");
      }
    }
    return this;
  }

  /**
   * The check a participant node uses: pins next to its receipt log, lists up to
   * {@link SignedRevocationList#DEFAULT_MAX_AGE} old.
   *
   * @throws UncheckedIOException naming the pins file if it is damaged
   */
  static PeerCheck forSite(X509Certificate ca, Path receiptLog, Clock clock) {
    try {
      return new PeerCheck(ca, PeerPins.open(PeerPins.besideReceipts(receiptLog), clock), clock,
          SignedRevocationList.DEFAULT_MAX_AGE)
          .keepingNewestIn(Site.besideReceiptLog(receiptLog, ".revocation-list.json"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Takes a revocation list the coordinator relayed: kept if the CA signed it and it is newer
   * than the one held. A list that fails the check is remembered only to explain a later
   * refusal; it never replaces a good one.
   */
  synchronized void relayed(byte[] encoded) {
    if (encoded.length == 0) {
      lastRefusedList = "the coordinator relayed no revocation list (it needs --ca-service,"
          + " --revocation-list, or --ca-dir --dev-ca)";
      return;
    }
    try {
      SignedRevocationList list = SignedRevocationList.verify(encoded, ca);
      if (list.issuedAt().isAfter(clock.instant().plus(SignedRevocationList.MAX_SKEW))) {
        // Adopting it would block every later (correctly dated) list until the clocks catch up.
        lastRefusedList = "the relayed revocation list was issued at " + list.issuedAt()
            + ", in the future by more than " + SignedRevocationList.MAX_SKEW.toMinutes() + " min";
        return;
      }
      if (newest == null || list.issuedAt().isAfter(newest.issuedAt())) {
        newest = list;
        keep(encoded);
      }
      lastRefusedList = null;
    } catch (IllegalArgumentException e) {
      lastRefusedList = e.getMessage();
    }
  }

  private void keep(byte[] encoded) {
    if (listFile == null) {
      return;
    }
    try {
      io.factoryfl.core.io.AtomicFiles.write(listFile, encoded, null);
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "could not keep the revocation list in " + listFile + ": " + e.getMessage());
    }
  }

  /**
   * The identity signing key of {@code peer}, after the three checks in the class comment.
   *
   * @throws SecAggException saying which check failed, naming the peer
   */
  synchronized PublicKey signingKey(String peer, byte[] certificateDer) {
    String digest = caDigest + io.factoryfl.core.params.ContentHash.of(certificateDer);
    Verified known = VERIFIED.get(digest);
    PublicKey key;
    X509Certificate certificate;
    if (known != null && known.peer().equals(peer) && known.validAt(clock.instant())) {
      key = known.key();
      certificate = known.certificate();
    } else {
      try {
        key = SigningIdentity.verifiedSigningKey(certificateDer, ca, peer, clock);
      } catch (IllegalArgumentException e) {
        throw new SecAggException("certificate of peer '" + peer + "' refused: " + e.getMessage());
      }
      certificate = parse(certificateDer);
      VERIFIED.put(digest, new Verified(peer, key, certificate));
    }
    RevocationList revocations = currentRevocations(peer);
    Optional<RevocationList.Revocation> revoked = revocations.find(certificate);
    if (revoked.isPresent()) {
      throw new SecAggException("certificate of peer '" + peer + "' (serial "
          + CertificateLog.serialHex(certificate.getSerialNumber()) + ") is revoked ('"
          + revoked.get().name() + "' revoked at " + revoked.get().revokedAt() + ")");
    }
    try {
      pins.admit(peer, key, KeyContinuity.of(certificate));
    } catch (IllegalArgumentException e) {
      LOG.warn(e.getMessage() + " (peer pins: " + pins.file() + ")");
      throw new SecAggException(e.getMessage());
    }
    return key;
  }

  /**
   * Writes the peer keys pinned since the last call (see {@link PeerPins#keep}); the site calls it
   * at the end of every stage, before its answer leaves.
   *
   * @throws SecAggException if they cannot be written; the reason stays in the site's log
   */
  void keepPins() {
    try {
      pins.keep();
    } catch (UncheckedIOException e) {
      LOG.warn(e.getMessage());
      throw new SecAggException("cannot record the identity keys of new peers in this site's peer pins"
          + " file; plant IT finds why in the participant's log");
    }
  }

  private RevocationList currentRevocations(String peer) {
    if (newest == null) {
      throw new SecAggException("cannot check the certificate of peer '" + peer + "' against"
          + " the CA's revocation list: this site holds none"
          + (lastRefusedList == null ? "" : "; " + lastRefusedList));
    }
    try {
      newest.requireFresh(clock.instant(), maxAge);
    } catch (IllegalArgumentException e) {
      throw new SecAggException("cannot check the certificate of peer '" + peer + "': "
          + e.getMessage() + (lastRefusedList == null ? "" : "; " + lastRefusedList));
    }
    return newest.list();
  }

  private static X509Certificate parse(byte[] der) {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException e) {
      throw new SecAggException("certificate cannot be read again: " + e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "PeerCheck[" + pins + ", maxAge=" + maxAge + "]";
  }
}
