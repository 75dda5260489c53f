package io.factoryfl.core.secagg;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a SecAgg+ round is about: the job, the round number, the hash of the global model the updates
 * are relative to, the cohort in the coordinator's order, and the training binding (everything else
 * that shapes a site's input, see {@link TrainingBinding}). The cohort order fixes each
 * participant's index (its Shamir evaluation point is {@code index + 1}) and which side of a pair
 * adds the pairwise mask. All of it enters the session id and the advertise-keys signatures, so a
 * message of another job, round, model or training setting cannot be replayed into this one, and
 * sites given different training cannot complete a round together.
 */
public record SessionInfo(String jobId, int round, String modelHash, List<String> cohort,
    TrainingBinding training) {
  public SessionInfo {
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(modelHash, "modelHash");
    Objects.requireNonNull(cohort, "cohort");
    Objects.requireNonNull(training, "training");
    if (!training.modelHash().equals(modelHash)) {
      throw new IllegalArgumentException("the training binding trains from model " + training.modelHash()
          + " but the session is about model " + modelHash);
    }
    if (jobId.isBlank()) {
      throw new IllegalArgumentException("jobId must not be blank");
    }
    if (round < 0) {
      throw new IllegalArgumentException("round must not be negative, got " + round);
    }
    cohort = List.copyOf(cohort);
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < cohort.size(); i++) {
      String id = cohort.get(i);
      if (id.isBlank()) {
        throw new IllegalArgumentException("cohort member " + i + " has a blank id");
      }
      Integer earlier = seen.putIfAbsent(id, i);
      if (earlier != null) {
        throw new IllegalArgumentException(
            "participant '" + id + "' appears twice in the cohort (positions " + earlier + " and " + i + ")");
      }
    }
  }

  /**
   * A session whose training binding is the model alone ({@link TrainingBinding#modelOnly}): for
   * tests and benchmarks of the protocol classes; a site's real session binds its train task.
   */
  public SessionInfo(String jobId, int round, String modelHash, List<String> cohort) {
    this(jobId, round, modelHash, cohort, TrainingBinding.modelOnly(Objects.requireNonNull(modelHash, "modelHash")));
  }

  /** Number of participants in the cohort. */
  public int size() {
    return cohort.size();
  }

  /**
   * The index of {@code participant} in the cohort.
   *
   * @throws SecAggException if it is not a member
   */
  public int indexOf(String participant) {
    int index = cohort.indexOf(participant);
    if (index < 0) {
      throw new SecAggException("'" + participant + "' is not in the cohort of job " + jobId + " round " + round);
    }
    return index;
  }
}
