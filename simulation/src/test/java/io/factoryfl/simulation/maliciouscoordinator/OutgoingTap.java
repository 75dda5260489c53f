package io.factoryfl.simulation.maliciouscoordinator;

import com.google.protobuf.ByteString;
import io.factoryfl.core.params.ParameterCodec;
import io.factoryfl.core.secagg.StatisticsLayout;
import io.factoryfl.proto.v1.FleetGrpc;
import io.factoryfl.proto.v1.TaskResult;
import io.factoryfl.proto.v1.UpdateChunk;
import io.factoryfl.proto.v1.UpdateHeader;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.MethodDescriptor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;

/**
 * Sits on a real site's channel and rewrites what it sends: its ReportResult messages, and its
 * masked training uploads (SubmitUpdate with {@code masked = true}; round 0's masked statistics pass
 * unchanged), which it buffers whole, decodes into
 * words, rewrites and sends again with a matching length and content hash, so the coordinator sees
 * a well-formed upload. The site's own code runs unchanged; only the wire differs.
 */
final class OutgoingTap implements ClientInterceptor {
  private volatile UnaryOperator<TaskResult> results = UnaryOperator.identity();
  /** (task id, masked words) to the words to send instead. */
  private volatile BiFunction<String, int[], int[]> maskedWords = (task, words) -> words;
  /** The header of a masked upload to the header to send instead (length and hash are then set). */
  private volatile UnaryOperator<UpdateHeader> maskedHeader = UnaryOperator.identity();

  void rewriteResults(UnaryOperator<TaskResult> rewrite) {
    this.results = rewrite;
  }

  void rewriteMaskedWords(BiFunction<String, int[], int[]> rewrite) {
    this.maskedWords = rewrite;
  }

  void rewriteMaskedHeader(UnaryOperator<UpdateHeader> rewrite) {
    this.maskedHeader = rewrite;
  }

  void honest() {
    results = UnaryOperator.identity();
    maskedWords = (task, words) -> words;
    maskedHeader = UnaryOperator.identity();
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    ClientCall<Q, R> call = next.newCall(method, options);
    String name = method.getFullMethodName();
    if (name.equals(FleetGrpc.getReportResultMethod().getFullMethodName())) {
      return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
        @Override
        @SuppressWarnings("unchecked")
        public void sendMessage(Q message) {
          super.sendMessage((Q) results.apply((TaskResult) message));
        }
      };
    }
    if (!name.equals(FleetGrpc.getSubmitUpdateMethod().getFullMethodName())) {
      return call;
    }
    return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
      private final List<UpdateChunk> buffered = new ArrayList<>();

      @Override
      public void sendMessage(Q message) {
        buffered.add((UpdateChunk) message);
      }

      @Override
      @SuppressWarnings("unchecked")
      public void halfClose() {
        UpdateHeader header = buffered.get(0).getHeader();
        // Round 0's statistics inputs pass unchanged: the rewrites play a site bending its update.
        if (!header.getMasked() || StatisticsLayout.isSubject(header.getBaseModelHash())) {
          buffered.forEach(chunk -> delegate().sendMessage((Q) chunk));
          super.halfClose();
          return;
        }
        // The coordinator accepted nothing larger from this site's own code: a test-sized model.
        int count = Math.toIntExact(header.getNumParameters());
        ByteBuffer bytes = ByteBuffer.allocate(count * Integer.BYTES)
            .order(ByteOrder.LITTLE_ENDIAN);
        for (UpdateChunk chunk : buffered.subList(1, buffered.size())) {
          bytes.put(chunk.getData().asReadOnlyByteBuffer());
        }
        int[] words = new int[count];
        bytes.flip();
        bytes.asIntBuffer().get(words);
        int[] sent = maskedWords.apply(header.getTaskId(), words);
        delegate().sendMessage((Q) UpdateChunk.newBuilder().setHeader(maskedHeader.apply(header).toBuilder()
            .setNumParameters(sent.length).setSha256(ParameterCodec.hashWords(sent))).build());
        int perChunk = ParameterCodec.MAX_CHUNK_BYTES / Integer.BYTES;
        for (int from = 0; from < sent.length; from += perChunk) {
          delegate().sendMessage((Q) UpdateChunk.newBuilder().setData(ByteString.copyFrom(
              ParameterCodec.encodeWords(sent, from, Math.min(perChunk, sent.length - from)))).build());
        }
        super.halfClose();
      }
    };
  }
}
