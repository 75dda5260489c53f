package io.factoryfl.coordinator.task;

import io.factoryfl.core.data.FeatureStats;
import io.factoryfl.proto.v1.EvaluationResult;
import io.factoryfl.proto.v1.TaskResult;
import java.security.cert.X509Certificate;
import java.util.Map;

/** How one task ended, as seen by the round that sent it. */
public sealed interface TaskOutcome {
  String participantId();

  /**
   * A training update was verified and folded into the round's aggregate.
   *
   * @param contributionHash the SHA-256 of exactly what the participant sent (its ledger leaf)
   */
  record Fitted(String participantId, long numExamples, Map<String, Double> metrics,
      String contributionHash)
      implements TaskOutcome {
    public Fitted {
      metrics = Map.copyOf(metrics);
    }
  }

  record Stats(String participantId, FeatureStats stats) implements TaskOutcome {}

  /**
   * A secure-aggregation stage message (keys, shares, signature or revealed shares).
   *
   * @param certificate the client certificate the reply arrived with (verified against the
   *     federation CA, unexpired and unrevoked by the authentication interceptor), or null on a
   *     connection without one
   */
  record SecAggReply(String participantId, TaskResult result, X509Certificate certificate)
      implements TaskOutcome {}

  record Evaluated(String participantId, EvaluationResult result) implements TaskOutcome {}

  /** The task produced nothing usable for the round. */
  record Failed(String participantId, FailureKind kind, String reason) implements TaskOutcome {}

  enum FailureKind {
    /** The site refused the task (policy) or failed running it, and said why. */
    REFUSED,
    /** The coordinator rejected what the site sent (bad length, hash, values, binding). */
    REJECTED,
    /** The participant stopped calling (heartbeat lost) while the task was open. */
    DROPPED,
    /** The round's deadline passed before a result arrived (straggler). */
    TIMED_OUT
  }
}
