package io.factoryfl.core.job;

import java.util.Objects;

/**
 * The best evaluated round so far by one metric ({@link SelectionSpec}), fed one federated
 * evaluation at a time in round order. A value improves only when it is a finite number strictly
 * better than the best so far: a tie keeps the earlier round, and NaN (a metric the data leaves
 * undefined) or an infinity never becomes the best. Counts the evaluations since the best one for
 * early stopping; before any value was finite, every evaluation counts. The coordinator chooses
 * the model with it and the ledger verifier checks that choice against the logged evaluations
 * with it, so both apply the same rule. Not thread-safe.
 */
public final class BestRound {
  private final SelectionSpec.Mode mode;
  private int round;
  private double value = Double.NaN;
  private int lastOffered;
  private int sinceBest;

  public BestRound(SelectionSpec.Mode mode) {
    this.mode = Objects.requireNonNull(mode, "mode");
  }

  /**
   * Takes the metric's value of a round's evaluation into account.
   *
   * @param round the evaluated round, after every round offered before
   * @return whether this round is now the best
   * @throws IllegalArgumentException if {@code round} is not after the last one offered
   */
  public boolean offer(int round, double value) {
    if (round <= lastOffered) {
      throw new IllegalArgumentException("round " + round + " offered after round " + lastOffered
          + "; evaluations must come in round order");
    }
    lastOffered = round;
    if (Double.isFinite(value) && (this.round == 0 || mode.better(value, this.value))) {
      this.round = round;
      this.value = value;
      sinceBest = 0;
      return true;
    }
    sinceBest++;
    return false;
  }

  /**
   * Takes back a state read from {@link #round}, {@link #value}, {@link #lastOffered} and {@link
   * #evaluationsSinceBest} (a coordinator resuming a job).
   *
   * @throws IllegalArgumentException if the values cannot come from offers
   */
  public void restore(int bestRound, double bestValue, int lastOfferedRound, int evaluationsSinceBest) {
    if (bestRound < 0 || lastOfferedRound < bestRound || evaluationsSinceBest < 0
        || (bestRound > 0) != Double.isFinite(bestValue)) {
      throw new IllegalArgumentException("best round " + bestRound + " (value " + bestValue + "), last offered "
          + lastOfferedRound + " and " + evaluationsSinceBest + " evaluations since the best are not a selection"
          + " state");
    }
    this.round = bestRound;
    this.value = bestRound > 0 ? bestValue : Double.NaN;
    this.lastOffered = lastOfferedRound;
    this.sinceBest = evaluationsSinceBest;
  }

  /** The last round offered, 0 before any. */
  public int lastOffered() {
    return lastOffered;
  }

  /** Whether some evaluation gave a finite value. */
  public boolean found() {
    return round > 0;
  }

  /** The best round, 0 before any evaluation gave a finite value. */
  public int round() {
    return round;
  }

  /** The metric's value at the best round; NaN before any. */
  public double value() {
    return value;
  }

  /** Evaluations offered since the best one (all of them while none was finite). */
  public int evaluationsSinceBest() {
    return sinceBest;
  }

  /** Whether {@code patience} evaluations in a row brought no improvement; never for 0. */
  public boolean patienceExhausted(int patience) {
    return patience > 0 && sinceBest >= patience;
  }
}
