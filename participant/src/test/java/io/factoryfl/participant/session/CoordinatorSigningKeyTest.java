package io.factoryfl.participant.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.ledger.Receipt;
import io.factoryfl.core.ledger.ReceiptLog;
import io.factoryfl.core.security.IssuedIdentity;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.SigningIdentity;
import io.factoryfl.core.security.TlsMaterial;
import io.factoryfl.proto.v1.FleetGrpc;
import io.factoryfl.proto.v1.PollTaskRequest;
import io.factoryfl.proto.v1.PollTaskResponse;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Over real loopback TLS: the site takes the key that checks its receipts from the certificate
 * the coordinator presents, so a receipt is only kept if that coordinator signed it.
 */
class CoordinatorSigningKeyTest {

  private static final TlsMaterial SITE = TlsMaterial.of(ReceiptKeeperTest.CA.issue("plant-2",
      Role.PARTICIPANT, Duration.ofDays(1), List.of()));

  @TempDir Path tmp;
  private Server server;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void receiptsSignedByTheConnectedCoordinator_areKeptAndOthersRefused() throws Exception {
    SigningIdentity mallory = SigningIdentity.of(ReceiptKeeperTest.CA.issue("mallory",
        Role.COORDINATOR, Duration.ofDays(1), List.of()));
    Receipt genuine = ReceiptKeeperTest.receipt("job-1", 1, "plant-2",
        ReceiptKeeperTest.COORDINATOR);
    Receipt forged = ReceiptKeeperTest.receipt("job-1", 2, "plant-2", mallory);
    start(TlsMaterial.of(ReceiptKeeperTest.COORDINATOR_ISSUED), List.of(forged.toJson(),
        genuine.toJson()));
    CoordinatorSigningKey key = new CoordinatorSigningKey(ReceiptKeeperTest.CA.certificate(),
        Clock.systemUTC());
    Path file = tmp.resolve("plant-2.jsonl");
    ReceiptKeeper keeper = new ReceiptKeeper(ReceiptLog.open(file), "plant-2", key);

    keeper.keep(poll(key).getReceiptsList());

    assertEquals(ReceiptKeeperTest.COORDINATOR.publicKey(), key.key().orElseThrow());
    assertEquals(List.of(genuine), ReceiptLog.open(file).read());
  }

  @Test
  void aFakeCoordinatorWithAParticipantCertificate_cannotGetReceiptsKept() throws Exception {
    // a site's own kind of certificate, for "localhost", from the federation CA: TLS accepts
    // it, but it is no coordinator's signing identity
    IssuedIdentity impostor = ReceiptKeeperTest.CA.issue("coordinator", Role.PARTICIPANT,
        Duration.ofDays(1), List.of("localhost"));
    SigningIdentity impostorKey = SigningIdentity.of(impostor);
    start(TlsMaterial.of(impostor), List.of(ReceiptKeeperTest.receipt("job-1", 1, "plant-2",
        impostorKey).toJson()));
    CoordinatorSigningKey key = new CoordinatorSigningKey(ReceiptKeeperTest.CA.certificate(),
        Clock.systemUTC());
    Path file = tmp.resolve("plant-2.jsonl");

    new ReceiptKeeper(ReceiptLog.open(file), "plant-2", key).keep(poll(key).getReceiptsList());

    assertTrue(key.key().isEmpty());
    assertTrue(key.whyUnknown().contains("is a participant certificate, not a coordinator"
        + " certificate"), key.whyUnknown());
    assertEquals(List.of(), ReceiptLog.open(file).read());
  }


  private PollTaskResponse poll(CoordinatorSigningKey key) throws Exception {
    channel = ChannelTls.open("localhost:" + server.getPort(), SITE);
    return FleetGrpc.newBlockingStub(ClientInterceptors.intercept(channel, key))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .pollTask(PollTaskRequest.newBuilder().setSessionId("s").build());
  }

  /** A stand-in coordinator whose PollTask hands out {@code receipts}. */
  private void start(TlsMaterial tls, List<String> receipts) throws Exception {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .sslContext(GrpcSslContexts.configure(SslContextBuilder.forServer(tls.keyManagerFactory()))
            .trustManager(tls.trustManagerFactory())
            .clientAuth(ClientAuth.REQUIRE)
            .protocols("TLSv1.3")
            .build())
        .addService(new FleetGrpc.FleetImplBase() {
          @Override
          public void pollTask(PollTaskRequest request, StreamObserver<PollTaskResponse> out) {
            out.onNext(PollTaskResponse.newBuilder().addAllReceipts(receipts).build());
            out.onCompleted();
          }
        })
        .build()
        .start();
  }
}
