package io.factoryfl.participant.session;

import com.google.protobuf.ByteString;
import io.factoryfl.core.params.ParameterCodec;
import io.factoryfl.proto.v1.FleetGrpc;
import io.factoryfl.proto.v1.SubmitUpdateResponse;
import io.factoryfl.proto.v1.UpdateChunk;
import io.factoryfl.proto.v1.UpdateHeader;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Uploads one update (float parameters as raw bits, or masked uint32 words) as a header and
 * chunks of at most 1 MiB, writing only while the transport is
 * ready, so a large model never sits encoded in memory all at once.
 */
final class UpdateUploader implements ClientResponseObserver<UpdateChunk, SubmitUpdateResponse> {
  private static final int WORDS_PER_CHUNK = ParameterCodec.MAX_CHUNK_BYTES / Integer.BYTES;

  private final UpdateHeader header;
  private final int[] words;
  private final CompletableFuture<SubmitUpdateResponse> result = new CompletableFuture<>();
  private ClientCallStreamObserver<UpdateChunk> call;
  private int next = -1;

  private UpdateUploader(UpdateHeader header, int[] words) {
    this.header = header;
    this.words = words;
  }

  /** Starts the upload; the future completes with the coordinator's answer or its error. */
  static CompletableFuture<SubmitUpdateResponse> upload(FleetGrpc.FleetStub stub, UpdateHeader header,
      int[] words, long timeoutSeconds) {
    UpdateUploader uploader = new UpdateUploader(header, words);
    stub.withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS).submitUpdate(uploader);
    return uploader.result;
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<UpdateChunk> requestStream) {
    this.call = requestStream;
    requestStream.setOnReadyHandler(this::drain);
  }

  private synchronized void drain() {
    while (next <= words.length && call.isReady() && !result.isDone()) {
      if (next < 0) {
        call.onNext(UpdateChunk.newBuilder().setHeader(header).build());
        next = 0;
      } else if (next < words.length) {
        int count = Math.min(WORDS_PER_CHUNK, words.length - next);
        call.onNext(UpdateChunk.newBuilder()
            .setData(ByteString.copyFrom(ParameterCodec.encodeWords(words, next, count))).build());
        next += count;
      } else {
        next++;
        call.onCompleted();
      }
    }
  }

  @Override
  public void onNext(SubmitUpdateResponse response) {
    result.complete(response);
  }

  @Override
  public void onError(Throwable t) {
    result.completeExceptionally(t);
  }

  @Override
  public void onCompleted() {
    result.complete(SubmitUpdateResponse.getDefaultInstance());
  }
}
