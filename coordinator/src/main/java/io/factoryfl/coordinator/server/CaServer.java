package io.factoryfl.coordinator.server;

import io.factoryfl.coordinator.enrol.EnrolmentService;
import io.factoryfl.core.security.RevocationList;
import io.factoryfl.core.security.RevocationWatcher;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * The CA service ({@code factoryfl ca serve}): the one process that holds the federation CA key
 * in a production deployment. It serves only the Enrolment service (enrol with a token, renew,
 * and the signed revocation list) behind the same authentication interceptor as the coordinator,
 * which refuses revoked certificates from {@code CA_DIR/revoked.json}; enrolment keeps its
 * failure limiter and its audit log in the CA directory. The coordinator runs elsewhere without
 * the CA key, so it cannot mint certificates to impersonate sites to each other.
 *
 * <p>Lifecycle only, like {@link CoordinatorServer}; takes a {@link ServerBuilder} (a TLS one
 * from {@link ServerTls} with the CA service's own certificate).
 */
public final class CaServer {

  private final Server server;
  private final EnrolmentService enrolment;

  private CaServer(Server server, EnrolmentService enrolment) {
    this.server = server;
    this.enrolment = enrolment;
  }

  /**
   * Builds the CA service on {@code builder} from the CA in {@code caDir}.
   *
   * @throws IOException naming the file if the CA or its revocation list cannot be loaded
   */
  public static CaServer assemble(ServerBuilder<?> builder, Path caDir, Clock clock,
      SecureRandom random) throws IOException {
    EnrolmentService enrolment = EnrolmentService.open(caDir, clock, random);
    ServerInterceptor gate = new AuthenticationInterceptor(new RevocationWatcher(
        caDir.resolve(RevocationList.FILE), clock, RevocationWatcher.DEFAULT_RECHECK), clock);
    builder.addService(ServerInterceptors.intercept(enrolment, gate, new FailureInterceptor()));
    return new CaServer(builder.build(), enrolment);
  }

  public CaServer start() throws IOException {
    server.start();
    return this;
  }

  /** The port it listens on (useful when started on port 0). */
  public int port() {
    return server.getPort();
  }

  /** The enrolment service it runs (its CA certificate and audit log). */
  public EnrolmentService enrolment() {
    return enrolment;
  }

  public void stop() throws InterruptedException {
    server.shutdown();
    if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  public void blockUntilShutdown() throws InterruptedException {
    server.awaitTermination();
  }
}
