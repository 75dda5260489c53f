package io.factoryfl.coordinator.server;

import com.google.protobuf.UnsafeByteOperations;
import io.factoryfl.coordinator.store.ModelVersion;
import io.factoryfl.core.params.WordSource;
import io.factoryfl.proto.v1.ModelChunk;
import io.factoryfl.proto.v1.ModelHeader;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * Streams a model version as a header followed by chunks of 256 KiB (the protocol's limit is 1 MiB), sending only while the
 * transport is ready: a slow reader holds back the sender instead of filling the coordinator's
 * memory with encoded chunks. Each chunk is read from the version when it is sent ({@link
 * ModelVersion#bytes}), so a large model streams from its file without being loaded whole.
 */
final class ModelStreamer {
  /** 256 KiB (the protocol allows up to 1 MiB): small enough never to be a humongous G1 object. */
  private static final int FLOATS_PER_CHUNK = WordSource.CHUNK_WORDS;

  private final ModelVersion model;
  private final ServerCallStreamObserver<ModelChunk> call;
  private int next = -1;
  private boolean done;

  private ModelStreamer(ModelVersion model, ServerCallStreamObserver<ModelChunk> call) {
    this.model = model;
    this.call = call;
  }

  static void stream(ModelVersion model, StreamObserver<ModelChunk> observer) {
    stream(model, "", observer);
  }

  /** As {@link #stream(ModelVersion, StreamObserver)}, with the bundle card in the header. */
  static void stream(ModelVersion model, String bundleJson, StreamObserver<ModelChunk> observer) {
    ModelStreamer streamer =
        new ModelStreamer(model, (ServerCallStreamObserver<ModelChunk>) observer);
    streamer.bundleJson = bundleJson;
    streamer.call.setOnCancelHandler(streamer::cancelled);
    streamer.call.setOnReadyHandler(streamer::drain);
    streamer.drain();
  }

  private String bundleJson = "";

  private synchronized void cancelled() {
    done = true;
  }

  private synchronized void drain() {
    int dimension = model.dimension();
    while (!done && call.isReady()) {
      if (next < 0) {
        call.onNext(ModelChunk.newBuilder().setHeader(ModelHeader.newBuilder()
            .setModelHash(model.hash()).setConfigurationJson(model.configurationJson())
            .setNumParameters(dimension).setBundleJson(bundleJson)).build());
        next = 0;
      } else if (next < dimension) {
        int count = Math.min(FLOATS_PER_CHUNK, dimension - next);
        call.onNext(ModelChunk.newBuilder()
            // the array is this chunk's own and never changed: wrap it rather than copy it
            .setData(UnsafeByteOperations.unsafeWrap(model.bytes(next, count))).build());
        next += count;
      } else {
        done = true;
        call.onCompleted();
      }
    }
  }
}
