package io.factoryfl.coordinator.server;

import io.factoryfl.core.security.PeerIdentity;
import io.factoryfl.proto.v1.AdminGrpc;
import io.factoryfl.proto.v1.FleetGrpc;
import io.factoryfl.proto.v1.GetJobRequest;
import io.factoryfl.proto.v1.HeartbeatRequest;
import io.factoryfl.proto.v1.HeartbeatResponse;
import io.factoryfl.proto.v1.JobStatus;
import io.factoryfl.proto.v1.ListJobsRequest;
import io.factoryfl.proto.v1.ListJobsResponse;
import io.factoryfl.proto.v1.SubmitJobRequest;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Stand-ins for the Fleet and Admin services that answer at once and record who called, so
 * tests see exactly what the gate let through. They check no role themselves.
 */
public final class StubServices {

  private StubServices() {}

  /** Fleet: Heartbeat answers session_valid=true. */
  public static final class Fleet extends FleetGrpc.FleetImplBase {
    public final AtomicReference<PeerIdentity> caller = new AtomicReference<>();

    @Override
    public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> response) {
      caller.set(Peers.current());
      response.onNext(HeartbeatResponse.newBuilder().setSessionValid(true).build());
      response.onCompleted();
    }
  }

  /** Admin: SubmitJob, GetJob and ListJobs answer with empty messages. */
  public static final class Admin extends AdminGrpc.AdminImplBase {
    public final AtomicReference<PeerIdentity> caller = new AtomicReference<>();

    @Override
    public void submitJob(SubmitJobRequest request, StreamObserver<JobStatus> response) {
      caller.set(Peers.current());
      response.onNext(JobStatus.newBuilder().setJobId("job-1").build());
      response.onCompleted();
    }

    @Override
    public void getJob(GetJobRequest request, StreamObserver<JobStatus> response) {
      caller.set(Peers.current());
      response.onNext(JobStatus.newBuilder().setJobId(request.getJobId()).build());
      response.onCompleted();
    }

    @Override
    public void listJobs(ListJobsRequest request, StreamObserver<ListJobsResponse> response) {
      caller.set(Peers.current());
      response.onNext(ListJobsResponse.getDefaultInstance());
      response.onCompleted();
    }
  }
}
