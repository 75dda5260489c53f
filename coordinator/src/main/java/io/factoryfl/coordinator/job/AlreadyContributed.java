package io.factoryfl.coordinator.job;

import io.factoryfl.coordinator.task.TaskOutcome;
import io.factoryfl.core.secagg.ContributionRule;
import java.util.List;

/**
 * Explains a secure round that could not start because sites had already sent their one masked
 * input for this round or base model ({@link ContributionRule}), typically on a retry of a round
 * that failed after stage 3: those sites never send a second one, so the retry can only run with
 * the sites that have not contributed.
 */
final class AlreadyContributed {
  private AlreadyContributed() {}

  /** A sentence to append to the round's failure reason, or "" if no site refused for this reason. */
  static String note(List<TaskOutcome> outcomes) {
    List<String> sites = outcomes.stream()
        .filter(o -> o instanceof TaskOutcome.Failed failed && failed.kind() == TaskOutcome.FailureKind.REFUSED
            && ContributionRule.isRefusal(failed.reason()))
        .map(TaskOutcome::participantId).toList();
    if (sites.isEmpty()) {
      return "";
    }
    return "; " + sites.size() + (sites.size() == 1 ? " site (" : " sites (") + String.join(", ", sites)
        + ") refused because they already sent their one masked input for this round or base model in an"
        + " earlier attempt: a site never sends a second one, so that no two sums differ in one site's input,"
        + " and the round can only complete with sites that have not yet contributed to it";
  }
}
