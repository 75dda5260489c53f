package io.factoryfl.core.job;

import io.factoryfl.core.data.FeatureSchema;
import io.factoryfl.core.task.LabelClip;
import io.factoryfl.core.task.TaskFamily;
import io.factoryfl.core.task.TaskKind;
import java.util.List;
import java.util.Objects;

/**
 * What a job learns from its label ({@code task}, {@code dataset.label_clip}, {@code
 * training.class_weights}, {@code training.loss}).
 *
 * @param kind binary, multi-class or regression
 * @param clip a regression label's clipping ({@link LabelClip#NONE} otherwise)
 * @param classWeights a classifier's loss weight per label class, in class order, or empty
 * @param regressionLoss {@code mse} or {@code mae} for a regression job
 */
public record TaskSpec(TaskKind kind, LabelClip clip, List<Double> classWeights, String regressionLoss) {
  /** A classification task with equal class weights. */
  public static TaskSpec classification(int classes) {
    return new TaskSpec(TaskKind.ofClasses(classes), LabelClip.NONE, List.of(), "mse");
  }

  public TaskSpec {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(clip, "clip");
    classWeights = List.copyOf(Objects.requireNonNull(classWeights, "classWeights"));
    Objects.requireNonNull(regressionLoss, "regressionLoss");
  }

  /**
   * The task family of this job's schema. A binary classifier's score histogram gets {@code
   * histogramBins} bins; a multi-class one keeps one histogram per class, each with {@code
   * histogramBins / classes} bins (at least 100), so an evaluation stays the same size.
   */
  public TaskFamily family(FeatureSchema schema, int histogramBins) {
    int classes = schema.labelClasses().size();
    int bins = classes > 2 ? Math.max(100, histogramBins / classes) : histogramBins;
    return TaskFamily.of(kind, schema.labelClasses(), bins, classWeights, clip, regressionLoss);
  }
}
