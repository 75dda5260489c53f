package io.factoryfl.coordinator.server;

import io.factoryfl.coordinator.job.JobRun;
import io.factoryfl.coordinator.job.JobScheduler;
import io.factoryfl.coordinator.registry.ParticipantInfo;
import io.factoryfl.coordinator.registry.ParticipantRegistry;
import io.factoryfl.coordinator.store.ModelVersion;
import io.factoryfl.proto.v1.ListParticipantsRequest;
import io.factoryfl.proto.v1.ListParticipantsResponse;
import io.factoryfl.proto.v1.ParticipantStatus;
import io.factoryfl.core.job.InvalidJobSpecException;
import io.factoryfl.core.security.PeerIdentity;
import io.factoryfl.proto.v1.AdminGrpc;
import io.factoryfl.proto.v1.GetJobRequest;
import io.factoryfl.proto.v1.JobStatus;
import io.factoryfl.proto.v1.ListJobsRequest;
import io.factoryfl.proto.v1.ListJobsResponse;
import io.factoryfl.proto.v1.ModelChunk;
import io.factoryfl.proto.v1.RoundEvent;
import io.factoryfl.proto.v1.SubmitJobRequest;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/** The ML engineers' service: submit, inspect, watch and cancel jobs, fetch their models. */
final class AdminService extends AdminGrpc.AdminImplBase {
  private final JobScheduler scheduler;
  private final ParticipantRegistry registry;

  AdminService(JobScheduler scheduler, ParticipantRegistry registry) {
    this.scheduler = scheduler;
    this.registry = registry;
  }

  @Override
  public void listParticipants(ListParticipantsRequest request,
      StreamObserver<ListParticipantsResponse> response) {
    Calls.unary(response, () -> {
      admin();
      ListParticipantsResponse.Builder list = ListParticipantsResponse.newBuilder();
      for (ParticipantInfo info : registry.all()) {
        list.addParticipants(ParticipantStatus.newBuilder().setParticipantId(info.id())
            .addAllDatasets(info.datasets()).setAlive(registry.isAlive(info.id())));
      }
      return list.build();
    });
  }

  @Override
  public void submitJob(SubmitJobRequest request, StreamObserver<JobStatus> response) {
    Calls.unary(response, () -> {
      PeerIdentity caller = admin();
      try {
        return scheduler.submit(request.getSpecJson(), caller.name()).status();
      } catch (InvalidJobSpecException e) {
        throw Status.INVALID_ARGUMENT.withDescription("invalid job spec: " + e.getMessage())
            .asRuntimeException();
      }
    });
  }

  @Override
  public void getJob(GetJobRequest request, StreamObserver<JobStatus> response) {
    Calls.unary(response, () -> job(request).status());
  }

  @Override
  public void listJobs(ListJobsRequest request, StreamObserver<ListJobsResponse> response) {
    Calls.unary(response, () -> {
      admin();
      ListJobsResponse.Builder list = ListJobsResponse.newBuilder();
      for (JobRun run : scheduler.list()) {
        list.addJobs(run.status());
      }
      return list.build();
    });
  }

  @Override
  public void watchJob(GetJobRequest request, StreamObserver<RoundEvent> response) {
    Calls.streaming(response, () -> watch(request, response));
  }

  private void watch(GetJobRequest request, StreamObserver<RoundEvent> response) {
    JobRun run = job(request);
    ServerCallStreamObserver<RoundEvent> call = (ServerCallStreamObserver<RoundEvent>) response;
    Runnable[] stop = new Runnable[1];
    boolean[] done = new boolean[1];
    stop[0] = run.events().watch(event -> {
      if (done[0] || call.isCancelled()) {
        return;
      }
      call.onNext(event);
      if (event.hasEnded()) {
        done[0] = true;
        call.onCompleted();
      }
    });
    call.setOnCancelHandler(stop[0]);
    if (done[0]) {
      stop[0].run();
    }
  }

  @Override
  public void cancelJob(GetJobRequest request, StreamObserver<JobStatus> response) {
    Calls.unary(response, () -> {
      PeerIdentity caller = admin();
      JobRun run = job(request);
      if (!run.finished()) {
        run.cancel("cancelled by " + caller.name(), caller.name());
      }
      return run.status();
    });
  }

  @Override
  public void downloadGlobalModel(GetJobRequest request, StreamObserver<ModelChunk> response) {
    Calls.streaming(response, () -> {
      JobRun job = job(request);
      ModelVersion model = job.resultModel();
      if (model == null) {
        throw Status.FAILED_PRECONDITION.withDescription("job '" + request.getJobId()
            + "' has committed no round yet (" + job.status().getState().name().replace("JOB_STATE_", "")
            + "), so there is no trained model to download; `factoryfl job status` says why")
            .asRuntimeException();
      }
      ModelStreamer.stream(model, job.bundleCard(model, job.resultRound()).toJson(), response);
    });
  }

  private JobRun job(GetJobRequest request) {
    admin();
    return scheduler.find(request.getJobId()).orElseThrow(() -> Status.NOT_FOUND
        .withDescription("no job '" + request.getJobId() + "'; `factoryfl job list` shows the jobs")
        .asRuntimeException());
  }

  /** The caller; the authentication interceptor has already checked its role for the method. */
  private static PeerIdentity admin() {
    return Peers.current();
  }

}
