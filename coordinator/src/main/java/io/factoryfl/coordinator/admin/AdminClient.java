package io.factoryfl.coordinator.admin;

import io.factoryfl.core.params.ModelHash;
import io.factoryfl.core.params.ParameterAssembler;
import io.factoryfl.core.security.TlsMaterial;
import io.factoryfl.proto.v1.AdminGrpc;
import io.factoryfl.proto.v1.GetJobRequest;
import io.factoryfl.proto.v1.JobStatus;
import io.factoryfl.proto.v1.ListJobsRequest;
import io.factoryfl.proto.v1.ListParticipantsRequest;
import io.factoryfl.proto.v1.ParticipantStatus;
import io.factoryfl.proto.v1.ModelChunk;
import io.factoryfl.proto.v1.RoundEvent;
import io.factoryfl.proto.v1.SubmitJobRequest;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The ML engineer's client of the Admin service. Takes a {@link Channel}; whoever built the
 * channel shuts it down ({@link #openChannel} builds a mutual-TLS one).
 */
public final class AdminClient {
  private static final long CALL_TIMEOUT_SECONDS = 30;

  private final AdminGrpc.AdminBlockingStub stub;

  public AdminClient(Channel channel) {
    this.stub = AdminGrpc.newBlockingStub(channel);
  }

  /** A mutual-TLS channel to the coordinator, authenticated with an admin certificate. */
  public static ManagedChannel openChannel(String target, TlsMaterial tls) {
    ChannelCredentials credentials = TlsChannelCredentials.newBuilder()
        .keyManager(tls.keyManagerFactory().getKeyManagers())
        .trustManager(tls.trustManagerFactory().getTrustManagers())
        .build();
    return Grpc.newChannelBuilder(target, credentials).build();
  }

  public JobStatus submit(String specJson) {
    return timed().submitJob(SubmitJobRequest.newBuilder().setSpecJson(specJson).build());
  }

  public JobStatus status(String jobId) {
    return timed().getJob(id(jobId));
  }

  public List<JobStatus> list() {
    return timed().listJobs(ListJobsRequest.getDefaultInstance()).getJobsList();
  }

  /** The participants that have registered, with their datasets and liveness. */
  public List<ParticipantStatus> participants() {
    return timed().listParticipants(ListParticipantsRequest.getDefaultInstance()).getParticipantsList();
  }

  /**
   * Waits until at least {@code count} live participants are registered.
   *
   * @throws IllegalStateException naming how many were there when the timeout passed
   */
  public List<ParticipantStatus> awaitParticipants(int count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<ParticipantStatus> live = participants().stream().filter(ParticipantStatus::getAlive).toList();
      if (live.size() >= count) {
        return live;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("only " + live.size() + " of " + count
            + " participants registered within " + timeout.toSeconds() + " s: " + live);
      }
      Thread.sleep(100);
    }
  }

  public JobStatus cancel(String jobId) {
    return timed().cancelJob(id(jobId));
  }

  /**
   * Streams the job's events to the consumer until the job ends or the timeout passes.
   *
   * @return the final event, or null if the stream ended without one
   */
  public RoundEvent watch(String jobId, Duration timeout, Consumer<RoundEvent> consumer) {
    Iterator<RoundEvent> events =
        stub.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS).watchJob(id(jobId));
    RoundEvent last = null;
    while (events.hasNext()) {
      last = events.next();
      consumer.accept(last);
    }
    return last != null && last.hasEnded() ? last : null;
  }

  /** The job's current global model, verified against its hash. */
  public DownloadedModel downloadModel(String jobId) {
    Iterator<ModelChunk> chunks =
        stub.withDeadlineAfter(10, TimeUnit.MINUTES).downloadGlobalModel(id(jobId));
    ModelChunk first = chunks.next();
    if (!first.hasHeader()) {
      throw new IllegalStateException("model download of job " + jobId + " did not start with a header");
    }
    ParameterAssembler assembler = new ParameterAssembler(first.getHeader().getNumParameters());
    while (chunks.hasNext()) {
      assembler.append(chunks.next().getData().toByteArray());
    }
    String hash = ModelHash.of(first.getHeader().getConfigurationJson(), assembler.finishHash());
    if (!assembler.complete() || !hash.equals(first.getHeader().getModelHash())) {
      throw new IllegalStateException("downloaded model does not match its hash "
          + first.getHeader().getModelHash() + " (got " + hash + ")");
    }
    return new DownloadedModel(hash, first.getHeader().getConfigurationJson(), assembler.values());
  }

  /** A verified global model. */
  public record DownloadedModel(String hash, String configurationJson, float[] parameters) {}

  private AdminGrpc.AdminBlockingStub timed() {
    return stub.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  private static GetJobRequest id(String jobId) {
    return GetJobRequest.newBuilder().setJobId(jobId).build();
  }
}
