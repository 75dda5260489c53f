package io.factoryfl.coordinator.store;

import java.util.Map;
import java.util.Objects;

/**
 * Everything a restarted coordinator needs to carry on with a job from its last committed round
 * (the submission aside): written through the {@link JobStore} at each transition, before the
 * transition is acknowledged.
 *
 * <p>A round's commit is prepared here first ({@code prepared}: the round, its model and, stored
 * beside it, the strategy state after the round), then made final by the round log's signed
 * round_closed record. A restarted coordinator finds which happened: a prepared round the round
 * log closed is committed, any other is dropped and the round runs again.
 *
 * @param state where the job is
 * @param message the job's status message
 * @param featureMean the federation's feature means after round 0; null before
 * @param featureStd their standard deviations; null before round 0
 * @param labelMean a regression label's federated mean (0 for a classifier)
 * @param labelStd its standard deviation (1 for a classifier)
 * @param trainRows training rows each site reported in a plain round 0 (bounds its evaluations)
 * @param committedRound the last committed round, 0 for the initial model
 * @param committedModel the hash of that round's model; null before round 0 finished
 * @param prepared a commit written ahead of the round log, or null
 * @param evaluatedRound the last round whose federated evaluation finished
 * @param best with the spec's select: the best evaluated round so far, or null
 * @param ending the end the job decided on, written ahead of the round log's model_selected and
 *     job_finished records; null while the job runs. A restarted coordinator that finds it ends the
 *     job so, instead of resuming it.
 */
public record JobCheckpoint(State state, String message, double[] featureMean, double[] featureStd, double labelMean,
    double labelStd, Map<String, Long> trainRows, int committedRound, String committedModel, Prepared prepared,
    int evaluatedRound, Best best, Ending ending) {

  /** Where a job is; the first is the state of a new job. */
  public enum State {
    PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED;

    public boolean finished() {
      return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
  }

  /** A round committed in the store but not yet (or never) in the round log. */
  public record Prepared(int round, String model) {
    public Prepared {
      Objects.requireNonNull(model, "model");
      if (round < 1) {
        throw new IllegalArgumentException("a prepared round is round 1 or later, was " + round);
      }
    }
  }

  /**
   * The best evaluated round by select's metric and the state of its early stopping.
   *
   * @param round the best round, 0 while no evaluation gave a value
   * @param model its model hash, null while round is 0
   * @param value the metric at that round, NaN while none
   * @param lastOffered the last round offered to the selection
   * @param sinceBest evaluations offered since the best one
   */
  public record Best(int round, String model, double value, int lastOffered, int sinceBest) {}

  /** How a job ends: a finished state and the job's message. */
  public record Ending(State state, String message) {
    public Ending {
      Objects.requireNonNull(state, "state");
      if (!state.finished()) {
        throw new IllegalArgumentException("a job ends SUCCEEDED, FAILED or CANCELLED, not " + state);
      }
      message = message == null ? "" : message;
    }
  }

  public JobCheckpoint {
    Objects.requireNonNull(state, "state");
    message = message == null ? "" : message;
    if ((featureMean == null) != (featureStd == null)) {
      throw new IllegalArgumentException("feature means and standard deviations come together");
    }
    featureMean = featureMean == null ? null : featureMean.clone();
    featureStd = featureStd == null ? null : featureStd.clone();
    trainRows = Map.copyOf(trainRows);
    if (committedRound < 0 || evaluatedRound < 0 || evaluatedRound > committedRound) {
      throw new IllegalArgumentException("committed round " + committedRound + " and evaluated round "
          + evaluatedRound + " must be 0 or more, the evaluated one not after the committed one");
    }
    if (prepared != null && prepared.round() != committedRound + 1) {
      throw new IllegalArgumentException("the prepared round " + prepared.round() + " must follow the committed"
          + " round " + committedRound);
    }
  }

  /** A job just submitted. */
  public static JobCheckpoint submitted() {
    return new JobCheckpoint(State.PENDING, "", null, null, 0, 1, Map.of(), 0, null, null, 0, null, null);
  }

  @Override
  public double[] featureMean() {
    return featureMean == null ? null : featureMean.clone();
  }

  @Override
  public double[] featureStd() {
    return featureStd == null ? null : featureStd.clone();
  }

  /** Whether round 0 (the feature statistics and the initial model) has finished. */
  public boolean started() {
    return committedModel != null;
  }

  public JobCheckpoint withState(State newState, String newMessage) {
    return new JobCheckpoint(newState, newMessage, featureMean, featureStd, labelMean, labelStd, trainRows,
        committedRound, committedModel, prepared, evaluatedRound, best, ending);
  }

  /** With round 0 done: the standardisation, the sites' row counts and the initial model. */
  public JobCheckpoint withStart(double[] mean, double[] std, double newLabelMean, double newLabelStd,
      Map<String, Long> rows, String initialModel) {
    return new JobCheckpoint(State.RUNNING, message, mean, std, newLabelMean, newLabelStd, rows, 0,
        Objects.requireNonNull(initialModel, "initialModel"), null, 0, best, ending);
  }

  /** With {@code round}'s commit written ahead of the round log. */
  public JobCheckpoint withPrepared(Prepared round) {
    return new JobCheckpoint(state, message, featureMean, featureStd, labelMean, labelStd, trainRows,
        committedRound, committedModel, round, evaluatedRound, best, ending);
  }

  /** With the prepared round committed (the round log closed it). */
  public JobCheckpoint committingPrepared() {
    if (prepared == null) {
      throw new IllegalStateException("no prepared round to commit");
    }
    return new JobCheckpoint(state, message, featureMean, featureStd, labelMean, labelStd, trainRows,
        prepared.round(), prepared.model(), null, evaluatedRound, best, ending);
  }

  /** Without the prepared round (the round log never closed it). */
  public JobCheckpoint droppingPrepared() {
    return new JobCheckpoint(state, message, featureMean, featureStd, labelMean, labelStd, trainRows,
        committedRound, committedModel, null, evaluatedRound, best, ending);
  }

  /** With the committed round's evaluation finished and the selection after it. */
  public JobCheckpoint withEvaluated(int round, Best newBest) {
    return new JobCheckpoint(state, message, featureMean, featureStd, labelMean, labelStd, trainRows,
        committedRound, committedModel, prepared, round, newBest, ending);
  }

  /** With the job's end decided, before the round log records it. */
  public JobCheckpoint withEnding(Ending newEnding) {
    return new JobCheckpoint(state, message, featureMean, featureStd, labelMean, labelStd, trainRows,
        committedRound, committedModel, prepared, evaluatedRound, best, Objects.requireNonNull(newEnding, "ending"));
  }
}
