package io.factoryfl.coordinator.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.IssuedIdentity;
import io.factoryfl.core.security.PeerIdentity;
import io.factoryfl.core.security.Role;
import io.factoryfl.proto.v1.AdminGrpc;
import io.factoryfl.proto.v1.FleetGrpc;
import io.factoryfl.proto.v1.GetJobRequest;
import io.factoryfl.proto.v1.HeartbeatRequest;
import io.factoryfl.proto.v1.ListJobsRequest;
import io.factoryfl.proto.v1.SubmitJobRequest;
import io.factoryfl.proto.v1.SubmitUpdateResponse;
import io.factoryfl.proto.v1.UpdateChunk;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Real loopback TLS: each role reaches exactly its methods, and a denial names the role. */
class RoleAuthorizationTest {

  private static final CertificateAuthority CA = CertificateAuthority.create(
      "federation", Clock.systemUTC(), Duration.ofDays(2), new SecureRandom());

  private final StubServices.Fleet fleet = new StubServices.Fleet();
  private final StubServices.Admin admin = new StubServices.Admin();
  private TlsLoopback loopback;

  @BeforeEach
  void start() throws Exception {
    loopback = TlsLoopback.start(CA, new AuthenticationInterceptor(), fleet, admin);
  }

  @AfterEach
  void stop() throws InterruptedException {
    loopback.close();
  }

  @Test
  void participantCallingAdmin_isDeniedNamingTheRolesItNeeds() throws Exception {
    ManagedChannel channel = channelFor("plant-1", Role.PARTICIPANT);

    assertDenied("method factoryfl.v1.Admin/ListJobs needs the admin or auditor role;"
        + " 'plant-1' has the participant role",
        () -> admin(channel).listJobs(ListJobsRequest.getDefaultInstance()));
    assertDenied("method factoryfl.v1.Admin/SubmitJob needs the admin role; 'plant-1' has the"
        + " participant role",
        () -> admin(channel).submitJob(SubmitJobRequest.getDefaultInstance()));
    assertNull(admin.caller.get(), "the service must never run for a denied caller");
  }

  @Test
  void auditorCallingSubmitJob_isDenied_butMayRead() throws Exception {
    ManagedChannel channel = channelFor("carol", Role.AUDITOR);

    assertDenied("method factoryfl.v1.Admin/SubmitJob needs the admin role; 'carol' has the"
        + " auditor role",
        () -> admin(channel).submitJob(SubmitJobRequest.getDefaultInstance()));
    assertNull(admin.caller.get());

    assertEquals("job-7", admin(channel).getJob(GetJobRequest.newBuilder().setJobId("job-7")
        .build()).getJobId());
    admin(channel).listJobs(ListJobsRequest.getDefaultInstance());
    assertEquals(new PeerIdentity("carol", Role.AUDITOR), admin.caller.get());
  }

  @Test
  void adminCallingFleet_isDenied_butMaySubmit() throws Exception {
    ManagedChannel channel = channelFor("alice", Role.ADMIN);

    assertDenied("method factoryfl.v1.Fleet/Heartbeat needs the participant role; 'alice' has"
        + " the admin role", () -> fleet(channel).heartbeat(HeartbeatRequest.getDefaultInstance()));
    assertNull(fleet.caller.get());

    assertEquals("job-1", admin(channel).submitJob(SubmitJobRequest.getDefaultInstance())
        .getJobId());
    assertEquals(new PeerIdentity("alice", Role.ADMIN), admin.caller.get());
  }

  @Test
  void adminStreamingAnUpdate_isDeniedBeforeTheStreamIsRead() throws Exception {
    ManagedChannel channel = channelFor("alice", Role.ADMIN);
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();

    StreamObserver<UpdateChunk> upload = FleetGrpc.newStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .submitUpdate(new StreamObserver<SubmitUpdateResponse>() {
          @Override
          public void onNext(SubmitUpdateResponse value) {
            outcome.complete(null);
          }

          @Override
          public void onError(Throwable t) {
            outcome.complete(t);
          }

          @Override
          public void onCompleted() {
            outcome.complete(null);
          }
        });
    upload.onNext(UpdateChunk.getDefaultInstance());
    upload.onCompleted();

    Status status = Status.fromThrowable(outcome.get(10, TimeUnit.SECONDS));
    assertEquals(Status.Code.PERMISSION_DENIED, status.getCode());
    assertEquals("method factoryfl.v1.Fleet/SubmitUpdate needs the participant role; 'alice' has"
        + " the admin role", status.getDescription());
  }

  @Test
  void participant_mayUseFleet() throws Exception {
    ManagedChannel channel = channelFor("plant-1", Role.PARTICIPANT);

    assertTrue(fleet(channel).heartbeat(HeartbeatRequest.getDefaultInstance()).getSessionValid());
    assertEquals(new PeerIdentity("plant-1", Role.PARTICIPANT), fleet.caller.get());
  }

  @Test
  void coordinatorCertificate_mayNotActAsAParticipant() throws Exception {
    ManagedChannel channel = channelFor("coordinator-2", Role.COORDINATOR);

    assertDenied("method factoryfl.v1.Fleet/Heartbeat needs the participant role;"
        + " 'coordinator-2' has the coordinator role",
        () -> fleet(channel).heartbeat(HeartbeatRequest.getDefaultInstance()));
  }

  @Test
  void callWithoutCertificate_isUnauthenticatedExceptForEnrol() throws Exception {
    ManagedChannel channel = loopback.anonymousChannel();

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fleet(channel).heartbeat(HeartbeatRequest.getDefaultInstance()));

    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
    assertEquals("a client certificate issued by the federation CA is required; none was"
        + " presented (only factoryfl.v1.Enrolment/Enrol may be called without one, to enrol"
        + " with a token); a node whose certificate is from another CA presents none: enrol"
        + " again with a token from this federation", e.getStatus().getDescription());
    assertNull(fleet.caller.get());
  }

  private ManagedChannel channelFor(String name, Role role) throws Exception {
    IssuedIdentity identity = CA.issue(name, role, Duration.ofDays(1), List.of());
    return loopback.channel(identity);
  }

  private static AdminGrpc.AdminBlockingStub admin(ManagedChannel channel) {
    return AdminGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static FleetGrpc.FleetBlockingStub fleet(ManagedChannel channel) {
    return FleetGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static void assertDenied(String description, Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
    assertEquals(description, e.getStatus().getDescription());
  }
}
