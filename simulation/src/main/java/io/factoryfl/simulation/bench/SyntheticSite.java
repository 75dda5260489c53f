package io.factoryfl.simulation.bench;

import com.google.protobuf.ByteString;
import io.factoryfl.core.params.ContentHash;
import io.factoryfl.core.params.ParameterCodec;
import io.factoryfl.proto.v1.DownloadModelRequest;
import io.factoryfl.proto.v1.FeatureStats;
import io.factoryfl.proto.v1.FleetGrpc;
import io.factoryfl.proto.v1.ModelChunk;
import io.factoryfl.proto.v1.PollTaskRequest;
import io.factoryfl.proto.v1.PollTaskResponse;
import io.factoryfl.proto.v1.RegisterRequest;
import io.factoryfl.proto.v1.SubmitUpdateResponse;
import io.factoryfl.proto.v1.Task;
import io.factoryfl.proto.v1.TaskResult;
import io.factoryfl.proto.v1.UpdateChunk;
import io.factoryfl.proto.v1.UpdateHeader;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Iterator;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A benchmark site: speaks the participant's side of the Fleet protocol over its own mutual-TLS
 * channel (register, long-poll, feature statistics, download, upload), but instead of training a
 * model it uploads a seeded random one of the right size. The update is generated twice from the
 * same seed, once to hash it for the header and once to send it, so a site never holds it whole:
 * ten sites of a 10^8-parameter model fit in a small benchmark JVM, and everything measured is the
 * coordinator's.
 */
final class SyntheticSite implements Runnable {
  private static final int FLOATS_PER_CHUNK = ParameterCodec.MAX_CHUNK_BYTES / Float.BYTES;
  private static final long EXAMPLES = 100;

  private final String dataset;
  private final FleetGrpc.FleetBlockingStub blocking;
  private final FleetGrpc.FleetStub async;
  private final long seed;
  private final BooleanSupplier stop;
  private volatile Throwable failure;
  private volatile int updatesSent;

  SyntheticSite(Channel channel, String dataset, long seed, BooleanSupplier stop) {
    this.blocking = FleetGrpc.newBlockingStub(channel);
    this.async = FleetGrpc.newStub(channel);
    this.dataset = dataset;
    this.seed = seed;
    this.stop = stop;
  }

  Throwable failure() {
    return failure;
  }

  int updatesSent() {
    return updatesSent;
  }

  @Override
  public void run() {
    try {
      String session = blocking.withDeadlineAfter(30, TimeUnit.SECONDS)
          .register(RegisterRequest.newBuilder().addDatasets(dataset).setAgentVersion("bench").build())
          .getSessionId();
      while (!stop.getAsBoolean()) {
        PollTaskResponse polled = blocking.withDeadlineAfter(30, TimeUnit.SECONDS)
            .pollTask(PollTaskRequest.newBuilder().setSessionId(session).setWaitMillis(2_000).build());
        if (polled.hasTask()) {
          handle(session, polled.getTask());
        }
      }
    } catch (StatusRuntimeException e) {
      if (!stop.getAsBoolean()) {
        failure = e;
      }
    } catch (RuntimeException | InterruptedException e) {
      failure = e;
    }
  }

  private void handle(String session, Task task) throws InterruptedException {
    TaskResult.Builder result = TaskResult.newBuilder().setSessionId(session).setTaskId(task.getTaskId())
        .setJobId(task.getJobId()).setRound(task.getRound());
    switch (task.getKindCase()) {
      case FEATURE_STATS -> {
        int features = task.getDataset().getNumericFeaturesCount();
        FeatureStats.Builder stats = FeatureStats.newBuilder().setCount(EXAMPLES);
        for (int i = 0; i < features; i++) {
          stats.addSum(EXAMPLES * 0.5).addSumOfSquares(EXAMPLES * 0.5);
        }
        blocking.withDeadlineAfter(30, TimeUnit.SECONDS).reportResult(result.setFeatureStats(stats).build());
      }
      case TRAIN -> train(session, task);
      default -> throw new IllegalStateException("the large-model benchmark's sites answer feature statistics"
          + " and plain training only, not " + task.getKindCase());
    }
  }

  /** Downloads the base model (streamed, counted, not kept) and uploads a random model of its size. */
  private void train(String session, Task task) throws InterruptedException {
    long dimension = 0;
    Iterator<ModelChunk> chunks = blocking.withDeadlineAfter(30, TimeUnit.MINUTES).downloadModel(
        DownloadModelRequest.newBuilder().setSessionId(session).setModelHash(task.getTrain().getModelHash()).build());
    long bytes = 0;
    while (chunks.hasNext()) {
      ModelChunk chunk = chunks.next();
      if (chunk.hasHeader()) {
        dimension = chunk.getHeader().getNumParameters();
      } else {
        bytes += chunk.getData().size();
      }
    }
    if (bytes != dimension * Float.BYTES) {
      throw new IllegalStateException("downloaded " + bytes + " bytes of a model of " + dimension + " parameters");
    }
    UpdateHeader header = UpdateHeader.newBuilder().setSessionId(session).setTaskId(task.getTaskId())
        .setJobId(task.getJobId()).setRound(task.getRound()).setBaseModelHash(task.getTrain().getModelHash())
        .setNumParameters(dimension).setNumExamples(EXAMPLES).setSha256(hash(dimension))
        .putMetrics("train_loss", 0.5).build();
    for (int attempt = 0; ; attempt++) {
      try {
        upload(header, dimension);
        updatesSent++;
        return;
      } catch (StatusRuntimeException e) {
        // the coordinator's upload budget is full: retry, as a participant does
        if (e.getStatus().getCode() != Status.Code.RESOURCE_EXHAUSTED || attempt > 600) {
          throw e;
        }
        Thread.sleep(1_000);
      }
    }
  }

  private String hash(long dimension) {
    ContentHash hash = new ContentHash();
    forEachChunk(dimension, hash::update);
    return hash.hex();
  }

  /** The site's update, chunk by chunk: float32 values uniform in [-0.1, 0.1) from its seed. */
  private void forEachChunk(long dimension, java.util.function.Consumer<byte[]> consumer) {
    SplittableRandom random = new SplittableRandom(seed);
    ByteBuffer buffer = ByteBuffer.allocate(FLOATS_PER_CHUNK * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (long from = 0; from < dimension; from += FLOATS_PER_CHUNK) {
      int count = (int) Math.min(FLOATS_PER_CHUNK, dimension - from);
      buffer.clear();
      for (int i = 0; i < count; i++) {
        buffer.putFloat((float) (random.nextDouble() * 0.2 - 0.1));
      }
      byte[] chunk = new byte[count * Float.BYTES];
      buffer.flip();
      buffer.get(chunk);
      consumer.accept(chunk);
    }
  }

  /** Streams the update with flow control: the next chunk goes when the transport is ready. */
  private void upload(UpdateHeader header, long dimension) throws InterruptedException {
    CompletableFuture<SubmitUpdateResponse> done = new CompletableFuture<>();
    io.grpc.stub.ClientCallStreamObserver<UpdateChunk>[] call = new io.grpc.stub.ClientCallStreamObserver[1];
    Object ready = new Object();
    StreamObserver<SubmitUpdateResponse> response = new io.grpc.stub.ClientResponseObserver<UpdateChunk,
        SubmitUpdateResponse>() {
      @Override
      public void beforeStart(io.grpc.stub.ClientCallStreamObserver<UpdateChunk> requests) {
        call[0] = requests;
        requests.setOnReadyHandler(() -> {
          synchronized (ready) {
            ready.notifyAll();
          }
        });
      }

      @Override
      public void onNext(SubmitUpdateResponse value) {
        done.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        done.completeExceptionally(t);
        synchronized (ready) {
          ready.notifyAll();
        }
      }

      @Override
      public void onCompleted() {}
    };
    StreamObserver<UpdateChunk> requests = async.withDeadlineAfter(30, TimeUnit.MINUTES).submitUpdate(response);
    requests.onNext(UpdateChunk.newBuilder().setHeader(header).build());
    forEachChunk(dimension, chunk -> {
      synchronized (ready) {
        while (!call[0].isReady() && !done.isDone()) {
          try {
            ready.wait(100);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while uploading", e);
          }
        }
      }
      if (!done.isDone()) {
        requests.onNext(UpdateChunk.newBuilder().setData(ByteString.copyFrom(chunk)).build());
      }
    });
    if (!done.isDone()) {
      requests.onCompleted();
    }
    try {
      SubmitUpdateResponse answer = done.get(30, TimeUnit.MINUTES);
      if (!answer.getAccepted()) {
        throw new IllegalStateException("the coordinator did not accept the update");
      }
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException status) {
        throw status;
      }
      throw new IllegalStateException("the upload failed", e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("the coordinator did not answer the upload within 30 minutes", e);
    }
  }
}
