package io.factoryfl.coordinator.admin;

import io.factoryfl.core.text.Printable;
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
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The ML engineer's client of the Admin service. Takes a {@link Channel}; whoever built the
 * channel shuts it down ({@link #openChannel} builds a mutual-TLS one).
 *
 * <p>Every call has a deadline: unary calls {@value #CALL_TIMEOUT_SECONDS} s, a model download
 * {@value #DOWNLOAD_TIMEOUT_MINUTES} minutes. Watching a job is a stream that may rightly last as
 * long as the job, so it gets the caller's (long) timeout as its deadline, and the channel sends
 * keepalive pings every {@value #KEEPALIVE_SECONDS} s: a coordinator or network that goes away
 * ends the watch within about a minute with a message saying so, instead of hanging silently.
 */
public final class AdminClient {
  static final long CALL_TIMEOUT_SECONDS = 30;
  static final long DOWNLOAD_TIMEOUT_MINUTES = 10;
  /** At or above the coordinator's permitted ping interval (ServerTls, 20 s). */
  static final long KEEPALIVE_SECONDS = 30;
  static final long KEEPALIVE_TIMEOUT_SECONDS = 20;

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
    return Grpc.newChannelBuilder(target, credentials)
        .keepAliveTime(KEEPALIVE_SECONDS, TimeUnit.SECONDS)
        .keepAliveTimeout(KEEPALIVE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .build();
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
   * @throws WatchInterrupted if the timeout passed or the connection was lost, saying which and
   *     that the job itself goes on
   */
  public RoundEvent watch(String jobId, Duration timeout, Consumer<RoundEvent> consumer) {
    Iterator<RoundEvent> events =
        stub.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS).watchJob(id(jobId));
    RoundEvent last = null;
    try {
      while (events.hasNext()) {
        last = events.next();
        consumer.accept(last);
      }
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      if (code == Status.Code.DEADLINE_EXCEEDED) {
        throw new WatchInterrupted("stopped watching job " + jobId + " after " + timeout.toMinutes()
            + " minutes (--timeout-minutes); the job keeps running on the coordinator");
      }
      if (code == Status.Code.UNAVAILABLE || code == Status.Code.CANCELLED) {
        throw new WatchInterrupted("lost the connection to the coordinator while watching job "
            + jobId + " (" + code + ": " + Printable.escape(e.getStatus().getDescription())
            + "); the job keeps running there: run 'factoryfl job watch " + jobId
            + "' again to follow it");
      }
      throw e;
    }
    return last != null && last.hasEnded() ? last : null;
  }

  /** A watch that ended before its job did: timeout or lost connection. */
  public static final class WatchInterrupted extends RuntimeException {
    WatchInterrupted(String message) {
      super(message);
    }
  }

  /** The job's current global model, verified against its hash. */
  public DownloadedModel downloadModel(String jobId) {
    Iterator<ModelChunk> chunks =
        stub.withDeadlineAfter(DOWNLOAD_TIMEOUT_MINUTES, TimeUnit.MINUTES).downloadGlobalModel(id(jobId));
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
    return new DownloadedModel(hash, first.getHeader().getConfigurationJson(), assembler.values(),
        first.getHeader().getBundleJson());
  }

  /** A verified global model, with its bundle card (JSON) from the coordinator. */
  public record DownloadedModel(String hash, String configurationJson, float[] parameters, String bundleJson) {}

  private AdminGrpc.AdminBlockingStub timed() {
    return stub.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  private static GetJobRequest id(String jobId) {
    return GetJobRequest.newBuilder().setJobId(jobId).build();
  }
}
