package io.factoryfl.participant.session;

import io.factoryfl.participant.policy.PolicyDecision;
import io.factoryfl.proto.v1.RefusalCode;
import java.util.Objects;

/**
 * The site will not run a task, for a reason that may be told to the coordinator: a site-policy
 * refusal, or a task that is malformed. The message is built only from the task's own values and
 * the policy's limits, so it is safe to send.
 */
final class TaskRefusedException extends RuntimeException {
  private final RefusalCode code;

  TaskRefusedException(RefusalCode code, String message) {
    super(message);
    this.code = Objects.requireNonNull(code, "code must not be null");
  }

  static TaskRefusedException policy(PolicyDecision decision) {
    return new TaskRefusedException(RefusalCode.POLICY, decision.reason());
  }

  static TaskRefusedException invalidTask(String message) {
    return new TaskRefusedException(RefusalCode.TASK_INVALID, message);
  }

  RefusalCode code() {
    return code;
  }
}
