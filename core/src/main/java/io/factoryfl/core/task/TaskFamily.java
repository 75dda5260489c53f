package io.factoryfl.core.task;

import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * Everything that depends on what a job learns, in one place per kind of task: the width, activation
 * and loss of the model's output layer, how a site scores its held-out examples into additive
 * {@link EvaluationSums}, the rules the coordinator checks a site's sums against, and the metrics
 * of the merged sums. The round state machine, the strategies and secure aggregation never look
 * at the task: they move parameters and sums. In the spirit of Flower's strategy seam, a new kind
 * of task is one more implementation of this interface.
 */
public sealed interface TaskFamily permits ClassificationTask, RegressionTask {
  /**
   * The family of a task.
   *
   * @param classes the label classes (empty for regression)
   * @param bins score histogram bins of a classifier's evaluation
   * @param classWeights a classifier's loss weight per class, or empty
   * @param clip a regression label's clipping
   * @param regressionLoss {@code mse} or {@code mae}
   */
  static TaskFamily of(TaskKind kind, java.util.List<String> classes, int bins, java.util.List<Double> classWeights,
      LabelClip clip, String regressionLoss) {
    if (kind == TaskKind.REGRESSION) {
      return new RegressionTask(clip, regressionLoss);
    }
    ClassificationTask task = new ClassificationTask(classes, bins, classWeights);
    if (task.kind() != kind) {
      throw new IllegalArgumentException("a " + kind.key() + " task cannot have " + classes.size()
          + " label classes " + classes);
    }
    return task;
  }

  TaskKind kind();

  /** Units of the model's output layer. */
  int outputs();

  /** The output layer's activation. */
  Activation outputActivation();

  /** The output layer's loss. */
  ILossFunction loss();

  /**
   * A site's accumulator for scoring its held-out examples.
   *
   * @param scale how the model's regression output maps back to label units (ignored by a
   *     classifier)
   */
  Scoring newScoring(LabelScale scale);

  /**
   * Checks one site's evaluation against the layout and the consistency rules of this task (the
   * counts of each part add up to the examples, no error sum is negative, ...).
   *
   * @throws IllegalArgumentException naming the rule and the values that break it
   */
  void check(EvaluationSums sums);

  /** The metrics of merged sums; NaN where the data leaves a metric undefined. */
  EvaluationMetrics metrics(EvaluationSums sums);

  /** Scores examples one by one at a site. Not thread-safe. */
  interface Scoring {
    /**
     * Scores one example.
     *
     * @param outputs the model's output for it (reused by the caller: do not keep)
     * @param target its encoded label: a class index, or a regression label in the data's units,
     *     clipped
     */
    void add(float[] outputs, double target);

    /** The sums so far. */
    EvaluationSums sums();
  }
}
