package io.factoryfl.simulation;

import io.factoryfl.proto.v1.FleetGrpc;
import io.factoryfl.proto.v1.TaskResult;
import io.factoryfl.proto.v1.UpdateChunk;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.MethodDescriptor;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A participant's channel that holds back the site's message of one protocol step of one round
 * (its plain update, or its message of a secure-aggregation stage) until released, so a test
 * knows the coordinator is inside that step and can kill it there. Once armed it holds one message.
 */
final class StageHoldInterceptor implements ClientInterceptor {
  /** The steps a site's message can belong to. */
  enum Step {
    PLAIN_UPDATE, ADVERTISE_KEYS, SHARE_KEYS, MASKED_INPUT, CONSISTENCY_CHECK, UNMASK
  }

  private volatile Step step;
  private volatile String job;
  private volatile int round;
  private volatile CountDownLatch holding = new CountDownLatch(1);
  private volatile CountDownLatch released = new CountDownLatch(1);

  /** Holds the next message of {@code step} in {@code round} of {@code job}. */
  synchronized void arm(Step armedStep, String armedJob, int armedRound) {
    holding = new CountDownLatch(1);
    released = new CountDownLatch(1);
    job = armedJob;
    round = armedRound;
    step = armedStep;
  }

  /** Waits until the armed message is held; false on timeout. */
  boolean awaitHolding(long seconds) throws InterruptedException {
    return holding.await(seconds, TimeUnit.SECONDS);
  }

  /** Lets the held message go (to a coordinator that may no longer be there). */
  void release() {
    step = null;
    released.countDown();
  }

  private boolean matches(Object message) {
    Step armed = step;
    if (armed == null) {
      return false;
    }
    if (message instanceof TaskResult result) {
      Step of = switch (result.getOutcomeCase()) {
        case SECAGG_KEYS -> Step.ADVERTISE_KEYS;
        case SECAGG_SHARES -> Step.SHARE_KEYS;
        case SECAGG_SIGNATURE -> Step.CONSISTENCY_CHECK;
        case SECAGG_REVEAL -> Step.UNMASK;
        default -> null;
      };
      return of == armed && result.getJobId().equals(job) && result.getRound() == round;
    }
    if (message instanceof UpdateChunk chunk && chunk.hasHeader()) {
      Step of = chunk.getHeader().getMasked() ? Step.MASKED_INPUT : Step.PLAIN_UPDATE;
      return of == armed && chunk.getHeader().getJobId().equals(job) && chunk.getHeader().getRound() == round;
    }
    return false;
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    ClientCall<Q, R> call = next.newCall(method, options);
    if (!method.equals(FleetGrpc.getReportResultMethod()) && !method.equals(FleetGrpc.getSubmitUpdateMethod())) {
      return call;
    }
    return new SimpleForwardingClientCall<>(call) {
      @Override
      public void sendMessage(Q message) {
        if (matches(message)) {
          synchronized (StageHoldInterceptor.this) {
            step = null;
          }
          holding.countDown();
          try {
            released.await(120, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        super.sendMessage(message);
      }
    };
  }
}
