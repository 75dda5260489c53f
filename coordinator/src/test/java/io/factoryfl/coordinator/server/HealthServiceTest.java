package io.factoryfl.coordinator.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.factoryfl.core.security.Role;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The standard gRPC health service on the coordinator's port, over real mutual TLS 1.3. */
class HealthServiceTest {
  @TempDir Path data;
  private TlsCoordinator coordinator;

  @BeforeEach
  void start() throws Exception {
    coordinator = TlsCoordinator.start(data, CoordinatorLimits.defaults());
  }

  @AfterEach
  void stop() throws InterruptedException {
    coordinator.close();
  }

  private static HealthGrpc.HealthBlockingStub health(ManagedChannel channel) {
    return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(TlsCoordinator.RPC_SECONDS, TimeUnit.SECONDS);
  }

  private static ServingStatus check(ManagedChannel channel, String service) {
    return health(channel).check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
  }

  @Test
  void check_answersServingForTheServerAndEachFactoryFlServiceToEveryRole() throws Exception {
    for (Role role : List.of(Role.PARTICIPANT, Role.ADMIN, Role.AUDITOR)) {
      ManagedChannel channel = coordinator.channel("caller-" + role.wireName(), role);
      for (String service : List.of("", "factoryfl.v1.Fleet", "factoryfl.v1.Admin", "factoryfl.v1.Audit")) {
        assertEquals(ServingStatus.SERVING, check(channel, service), role + " asking about '" + service + "'");
      }
    }
  }

  @Test
  void check_withoutACertificate_answersButWatchNeedsOne() throws Exception {
    ManagedChannel probe = coordinator.anonymousChannel();

    assertEquals(ServingStatus.SERVING, check(probe, ""));
    StatusRuntimeException watch = assertThrows(StatusRuntimeException.class,
        () -> health(probe).watch(HealthCheckRequest.getDefaultInstance()).next());
    assertEquals(Status.Code.UNAUTHENTICATED, watch.getStatus().getCode());
  }

  @Test
  void check_ofAServiceTheCoordinatorDoesNotRun_isNotFound() throws Exception {
    StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class,
        () -> check(coordinator.channel("plant-1", Role.PARTICIPANT), "factoryfl.v1.Nothing"));
    assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
  }

  @Test
  void watch_turnsNotServingWhenTheCoordinatorStops() throws Exception {
    Iterator<HealthCheckResponse> watch = health(coordinator.channel("monitor", Role.ADMIN))
        .watch(HealthCheckRequest.newBuilder().setService("factoryfl.v1.Fleet").build());
    assertEquals(ServingStatus.SERVING, watch.next().getStatus());

    CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> {
      try {
        coordinator.server().stop();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });

    assertEquals(ServingStatus.NOT_SERVING, watch.next().getStatus());
    stopping.get(30, TimeUnit.SECONDS);
  }
}
