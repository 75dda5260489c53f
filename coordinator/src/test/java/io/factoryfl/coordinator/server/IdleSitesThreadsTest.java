package io.factoryfl.coordinator.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.security.Role;
import io.factoryfl.proto.v1.FleetGrpc;
import io.factoryfl.proto.v1.PollTaskRequest;
import io.factoryfl.proto.v1.PollTaskResponse;
import io.factoryfl.proto.v1.RegisterRequest;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sites waiting in long polls cost the coordinator no threads: {@value #SITES} sites over real
 * mutual TLS park a poll each, and the coordinator's gRPC executor does not grow with them (a
 * blocking poll would hold one executor thread per waiting site).
 */
class IdleSitesThreadsTest {
  private static final int SITES = 40;

  @TempDir Path data;

  private static long executorThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(thread -> thread.getName().startsWith("grpc-default-executor")).count();
  }

  @Test
  void sitesWaitingInLongPolls_holdNoExecutorThreads_andAllAreAnsweredWhenTheirWaitEnds() throws Exception {
    try (TlsCoordinator coordinator = TlsCoordinator.start(data, CoordinatorLimits.defaults())) {
      List<ManagedChannel> channels = new ArrayList<>();
      List<String> sessions = new ArrayList<>();
      for (int i = 0; i < SITES; i++) {
        ManagedChannel channel = coordinator.channel("plant-" + i, Role.PARTICIPANT);
        channels.add(channel);
        sessions.add(TlsCoordinator.fleet(channel).register(RegisterRequest.newBuilder().addDatasets("ai4i").build())
            .getSessionId());
      }
      long before = executorThreads();
      CountDownLatch answered = new CountDownLatch(SITES);
      List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
      for (int i = 0; i < SITES; i++) {
        FleetGrpc.newStub(channels.get(i)).withDeadlineAfter(60, TimeUnit.SECONDS).pollTask(
            PollTaskRequest.newBuilder().setSessionId(sessions.get(i)).setWaitMillis(4_000).build(),
            new StreamObserver<>() {
              @Override
              public void onNext(PollTaskResponse value) {}

              @Override
              public void onError(Throwable t) {
                failures.add(t);
                answered.countDown();
              }

              @Override
              public void onCompleted() {
                answered.countDown();
              }
            });
      }
      Thread.sleep(2_000); // every poll has arrived and is parked
      long parked = executorThreads();

      assertTrue(answered.await(30, TimeUnit.SECONDS), "every poll is answered when its wait ends");
      assertEquals(List.of(), failures);
      assertTrue(parked - before < SITES / 4, SITES + " parked polls grew the executor from " + before + " to "
          + parked + " threads");
    }
  }
}
