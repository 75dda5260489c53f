package io.factoryfl.coordinator.enrol;

import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.RevocationList;
import io.factoryfl.core.security.RevocationSource;
import io.factoryfl.core.security.SignedRevocationList;
import io.factoryfl.proto.v1.EnrolmentGrpc;
import io.factoryfl.proto.v1.RevocationListRequest;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's copy of the CA's signed revocation list: it refuses revoked callers with it
 * (as a {@link RevocationSource} for the authentication interceptor) and relays it to the sites
 * in every secure round, which check the CA's signature and its age themselves
 * ({@link SignedRevocationList}). The coordinator cannot forge or alter the list; it could
 * only hold back a newer one, for at most the sites' maximum age.
 *
 * <p>Where the list comes from: the CA service ({@code --ca-service}, fetched with the
 * coordinator's own certificate), a file the CA operator refreshes ({@code --revocation-list}),
 * or, in development only, the CA running inside the coordinator ({@code --ca-dir --dev-ca}).
 * It is fetched again when the copy is older than the refresh interval, at the first use after
 * that; a failed fetch keeps the last good list and is logged, and once that is older than the
 * maximum age, {@link #current()} fails, so the coordinator admits no one rather than miss a
 * revocation. Thread-safe.
 */
public final class RelayedRevocations implements RevocationSource {

  /** How often the list is fetched again by default. */
  public static final Duration DEFAULT_REFRESH = Duration.ofMinutes(1);
  private static final Duration FETCH_DEADLINE = Duration.ofSeconds(10);
  private static final Logger LOG = LoggerFactory.getLogger(RelayedRevocations.class);

  /** One fetch of the signed list, verified against the federation CA. */
  @FunctionalInterface
  interface Fetch {
    SignedRevocationList fetch() throws IOException;
  }

  private final Fetch fetch;
  private final String source;
  private final Clock clock;
  private final Duration refresh;
  private final Duration maxAge;
  private SignedRevocationList latest;
  private Instant fetchedAt;
  private String problem;

  RelayedRevocations(Fetch fetch, String source, Clock clock, Duration refresh, Duration maxAge) {
    this.fetch = fetch;
    this.source = Objects.requireNonNull(source, "source");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.refresh = Objects.requireNonNull(refresh, "refresh");
    this.maxAge = Objects.requireNonNull(maxAge, "maxAge");
  }

  /**
   * No list at all: the coordinator checks no revocations and relays nothing, so sites refuse
   * its secure rounds. For tests of plain rounds and coordinators without a CA.
   */
  public static RelayedRevocations none() {
    return new RelayedRevocations(null, "none", Clock.systemUTC(), DEFAULT_REFRESH,
        SignedRevocationList.DEFAULT_MAX_AGE);
  }

  /**
   * Fetches the list from the CA service ({@code Enrolment/GetRevocationList}) over
   * {@code channel}, which presents the coordinator's certificate; the caller owns the channel.
   *
   * @param trusted the federation CA certificates; the list must be signed by one of them
   */
  public static RelayedRevocations fromCaService(Channel channel, String target,
      List<X509Certificate> trusted, Clock clock) {
    EnrolmentGrpc.EnrolmentBlockingStub stub = EnrolmentGrpc.newBlockingStub(channel);
    return new RelayedRevocations(() -> {
      byte[] signed;
      try {
        signed = stub.withDeadlineAfter(FETCH_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
            .getRevocationList(RevocationListRequest.getDefaultInstance())
            .getSignedList().toByteArray();
      } catch (StatusRuntimeException e) {
        throw new IOException("the CA service at " + target + " answered "
            + e.getStatus().getCode() + (e.getStatus().getDescription() == null ? ""
            : ": " + e.getStatus().getDescription()), e);
      }
      return verify(signed, trusted, "the CA service at " + target);
    }, "the CA service at " + target, clock, DEFAULT_REFRESH, SignedRevocationList.DEFAULT_MAX_AGE);
  }

  /** Reads the list from {@code file}, which the CA operator replaces with a newer one. */
  public static RelayedRevocations fromFile(Path file, List<X509Certificate> trusted,
      Clock clock) {
    return new RelayedRevocations(() -> {
      IOException last = null;
      for (X509Certificate ca : trusted) {
        try {
          return SignedRevocationList.read(file, ca);
        } catch (IOException e) {
          last = e;
        }
      }
      throw last == null ? new IOException("no federation CA to check " + file + " against")
          : last;
    }, file.toString(), clock, DEFAULT_REFRESH, SignedRevocationList.DEFAULT_MAX_AGE);
  }

  /**
   * Development only: signs the list of the CA that runs inside this process. The coordinator
   * then holds the CA key and could mint certificates; see {@code docs/deployment.md}.
   */
  public static RelayedRevocations fromDevelopmentCa(EnrolmentService ca, Clock clock) {
    return new RelayedRevocations(ca::signedRevocationList, "the development CA in "
        + ca.auditLog().map(Path::getParent).map(Path::toString).orElse("this process"), clock,
        Duration.ofSeconds(1), SignedRevocationList.DEFAULT_MAX_AGE);
  }

  /**
   * Development and simulation only: signs {@code list} with a CA object held in this process
   * (the simulator runs the CA and the coordinator in one JVM, as a deployment must not).
   */
  public static RelayedRevocations inProcess(CertificateAuthority ca, RevocationSource list,
      Clock clock) {
    return new RelayedRevocations(() -> SignedRevocationList.sign(ca, list.current()),
        "the CA in this process", clock, Duration.ofSeconds(1),
        SignedRevocationList.DEFAULT_MAX_AGE);
  }

  private static SignedRevocationList verify(byte[] signed, List<X509Certificate> trusted,
      String from) throws IOException {
    IllegalArgumentException last = null;
    for (X509Certificate ca : trusted) {
      try {
        return SignedRevocationList.verify(signed, ca);
      } catch (IllegalArgumentException e) {
        last = e;
      }
    }
    throw new IOException("the list from " + from + " was refused: "
        + (last == null ? "no federation CA to check it against" : last.getMessage()));
  }

  /**
   * Fetches the list now, so a coordinator starts only with one; later failures are tolerated
   * for the maximum age.
   *
   * @throws IOException saying why the list could not be had
   */
  public synchronized void refreshNow() throws IOException {
    if (fetch == null) {
      return;
    }
    SignedRevocationList fetched = fetch.fetch();
    if (latest == null || !fetched.issuedAt().isBefore(latest.issuedAt())) {
      latest = fetched;
    }
    fetchedAt = clock.instant();
    problem = null;
  }

  /** Where the list comes from, for people: e.g. "the CA service at ca.example:7444". */
  public String source() {
    return source;
  }

  /** The newest signed list to relay to sites, empty when there is none. */
  public Optional<byte[]> signedList() {
    SignedRevocationList list = refreshed();
    return list == null ? Optional.empty() : Optional.of(list.encoded());
  }

  @Override
  public RevocationList current() throws IOException {
    if (fetch == null) {
      return RevocationList.empty();
    }
    SignedRevocationList list = refreshed();
    if (list == null) {
      throw new IOException("no revocation list from " + source + " yet: " + problem);
    }
    try {
      list.requireFresh(clock.instant(), maxAge);
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage() + " (last fetch from " + source + ": "
          + (problem == null ? "ok" : problem) + ")", e);
    }
    return list.list();
  }

  private synchronized SignedRevocationList refreshed() {
    if (fetch == null) {
      return null;
    }
    Instant now = clock.instant();
    if (fetchedAt == null || !now.isBefore(fetchedAt.plus(refresh))) {
      try {
        refreshNow();
      } catch (IOException | RuntimeException e) {
        fetchedAt = now;
        if (!String.valueOf(e.getMessage()).equals(problem)) {
          LOG.warn("cannot refresh the revocation list from " + source + " (keeping the one"
              + " issued at " + (latest == null ? "never" : latest.issuedAt()) + "): "
              + e.getMessage());
        }
        problem = e.getMessage();
      }
    }
    return latest;
  }

  @Override
  public String toString() {
    return "RelayedRevocations[" + source + "]";
  }
}
