package io.factoryfl.participant.session;

import io.factoryfl.core.task.LabelClip;
import io.factoryfl.core.task.LabelScale;
import io.factoryfl.core.task.TaskFamily;
import io.factoryfl.core.task.TaskKind;
import io.factoryfl.core.aggregate.L2Clip;
import io.factoryfl.core.data.Normalization;
import io.factoryfl.core.job.JobSpecParser;
import io.factoryfl.core.data.ImageSpec;
import io.factoryfl.core.data.SequenceSpec;
import io.factoryfl.proto.v1.CategoricalFeature;
import io.factoryfl.proto.v1.DatasetBinding;
import io.factoryfl.proto.v1.ImageBinding;
import io.factoryfl.proto.v1.TrainTask;
import java.util.HashSet;
import java.util.Set;

/**
 * What a task must be before the site acts on it, beyond the policy's size limits: a coordinator
 * is not fully trusted, so a malformed task is refused ({@code TASK_INVALID}) with a message that
 * names the task's field and value, never failing somewhere deep in training.
 */
final class TaskChecks {
  private TaskChecks() {}

  /**
   * The job's columns are distinct and the label is not a feature, so feature statistics are only
   * ever computed over declared features and never over the label.
   */
  static void binding(DatasetBinding binding) {
    if (binding.getName().isEmpty()) {
      throw TaskRefusedException.invalidTask("the task names no dataset");
    }
    if (binding.getLabelColumn().isEmpty()) {
      throw TaskRefusedException.invalidTask("the task names no label column");
    }
    Set<String> columns = new HashSet<>();
    for (int i = 0; i < binding.getNumericFeaturesCount(); i++) {
      distinct(columns, binding.getNumericFeatures(i), "dataset.numeric_features[" + i + "]");
    }
    for (int i = 0; i < binding.getCategoricalFeaturesCount(); i++) {
      CategoricalFeature feature = binding.getCategoricalFeatures(i);
      distinct(columns, feature.getColumn(), "dataset.categorical_features[" + i + "]");
      if (feature.getCategoriesCount() == 0) {
        throw TaskRefusedException.invalidTask(
            "dataset.categorical_features[" + i + "] lists no categories");
      }
    }
    if (columns.isEmpty()) {
      throw TaskRefusedException.invalidTask("the task names no feature columns");
    }
    if (columns.contains(binding.getLabelColumn())) {
      throw TaskRefusedException.invalidTask("dataset.label is also one of the task's features;"
          + " a site never computes statistics over or trains on its label as a feature");
    }
    if (!binding.getMissingValues().isEmpty()
        && io.factoryfl.core.data.MissingValues.byKey(binding.getMissingValues()).isEmpty()) {
      throw TaskRefusedException.invalidTask("dataset.missing_values is '" + binding.getMissingValues()
          + "'; this site knows refuse and impute_mean");
    }
    task(binding, 1);
    images(binding);
    sequence(binding).ifPresent(sequence -> {
      for (String column : new String[] {sequence.group(), sequence.order()}) {
        if (columns.contains(column) || column.equals(binding.getLabelColumn())) {
          throw TaskRefusedException.invalidTask("dataset.sequence names column '" + column
              + "', which is also a feature or the label; a sequence's group and order are neither");
        }
      }
    });
  }

  /**
   * The task's windowing of rows ({@code dataset.sequence}), if it sets one (a window above 0),
   * checked as the coordinator's job spec parser checks it.
   */
  static java.util.Optional<SequenceSpec> sequence(DatasetBinding binding) {
    if (binding.getSequenceWindow() == 0 && binding.getSequenceGroup().isEmpty()
        && binding.getSequenceOrder().isEmpty() && binding.getSequenceEvalRows().isEmpty()) {
      return java.util.Optional.empty();
    }
    String rows = binding.getSequenceEvalRows().isEmpty() ? "all" : binding.getSequenceEvalRows();
    SequenceSpec.EvalRows evalRows = SequenceSpec.EvalRows.byKey(rows);
    if (evalRows == null) {
      throw TaskRefusedException.invalidTask("dataset.sequence.eval_rows is '" + rows
          + "'; this site knows all and last");
    }
    try {
      return java.util.Optional.of(new SequenceSpec(binding.getSequenceGroup(), binding.getSequenceOrder(),
          binding.getSequenceWindow(), evalRows));
    } catch (IllegalArgumentException e) {
      throw TaskRefusedException.invalidTask("dataset.sequence: " + e.getMessage());
    }
  }

  /**
   * The task's images ({@code dataset.images}), if it is an image job (a height above 0), checked
   * as the coordinator's job spec parser checks them.
   */
  static java.util.Optional<ImageSpec> images(DatasetBinding binding) {
    if (!binding.hasImages() || binding.getImages().getHeight() == 0) {
      return java.util.Optional.empty();
    }
    ImageBinding images = binding.getImages();
    if (binding.getSequenceWindow() != 0) {
      throw TaskRefusedException.invalidTask("the task sets both dataset.images and dataset.sequence; an example is"
          + " an image or a window of rows, not both");
    }
    try {
      return java.util.Optional.of(new ImageSpec(images.getHeight(), images.getWidth(), images.getChannels(),
          new ImageSpec.PixelNormalization(images.getMeanList(), images.getStdList()), images.getResize(),
          new ImageSpec.Augmentation(images.getHorizontalFlip(), images.getVerticalFlip(),
              images.getRotationDegrees(), images.getBrightness())));
    } catch (IllegalArgumentException e) {
      throw TaskRefusedException.invalidTask("dataset.images: " + e.getMessage());
    }
  }

  /**
   * The task the binding describes ({@code task}, label classes, clipping, loss), checked as the
   * coordinator's job spec parser checks it. An empty {@code task} is inferred from the classes, as
   * from a coordinator that predates the field.
   *
   * @param bins a classifier's score histogram bins
   */
  static TaskFamily task(DatasetBinding binding, int bins) {
    TaskKind kind = binding.getTask().isEmpty()
        ? TaskKind.ofClasses(binding.getLabelClassesCount())
        : TaskKind.byKey(binding.getTask()).orElseThrow(() -> TaskRefusedException.invalidTask(
            "dataset.task is '" + binding.getTask() + "'; this site knows binary, multiclass and regression"));
    if (kind == TaskKind.REGRESSION && binding.getLabelClassesCount() != 0) {
      throw TaskRefusedException.invalidTask("dataset.label_classes lists " + binding.getLabelClassesCount()
          + " classes for a regression task, whose label is a number");
    }
    if (kind != TaskKind.REGRESSION && binding.getLabelClassesCount() < 2) {
      throw TaskRefusedException.invalidTask("dataset.label_classes lists "
          + binding.getLabelClassesCount() + " classes; a classification task needs at least 2");
    }
    if (kind != TaskKind.REGRESSION && (binding.getHasLabelClipMin() || binding.getHasLabelClipMax())) {
      throw TaskRefusedException.invalidTask("dataset.label_clip is set for a " + kind.key()
          + " task; only a regression label is clipped");
    }
    try {
      LabelClip clip = new LabelClip(binding.getHasLabelClipMin() ? binding.getLabelClipMin() : null,
          binding.getHasLabelClipMax() ? binding.getLabelClipMax() : null);
      String loss = binding.getRegressionLoss().isEmpty() ? "mse" : binding.getRegressionLoss();
      return TaskFamily.of(kind, binding.getLabelClassesList(), bins, java.util.List.of(), clip, loss);
    } catch (IllegalArgumentException e) {
      throw TaskRefusedException.invalidTask("dataset: " + e.getMessage());
    }
  }

  /**
   * The federation's standardisation of a regression label, finite with std > 0; a classifier's
   * label is not scaled.
   */
  static LabelScale labelScale(io.factoryfl.proto.v1.Normalization proto, TaskFamily task) {
    if (task.kind() != TaskKind.REGRESSION) {
      return LabelScale.IDENTITY;
    }
    try {
      return new LabelScale(proto.getLabelMean(), proto.getLabelStd());
    } catch (IllegalArgumentException e) {
      throw TaskRefusedException.invalidTask("the normalisation's label mean " + proto.getLabelMean()
          + " and std " + proto.getLabelStd() + " must be finite with std > 0 for a regression task");
    }
  }

  /** Local training settings are usable numbers (the policy has already bounded their sizes). */
  static void training(TrainTask train) {
    try {
      L2Clip.fromTask(train.getUpdateClipNorm());
    } catch (IllegalArgumentException e) {
      throw TaskRefusedException.invalidTask(e.getMessage());
    }
    double rate = train.getLearningRate();
    if (!(rate > 0) || !Double.isFinite(rate) || rate > 10) {
      throw TaskRefusedException.invalidTask("learning_rate was " + rate
          + "; a task must ask for a finite learning rate in (0, 10]");
    }
    double mu = train.getProximalMu();
    if (!(mu >= 0 && mu <= JobSpecParser.MAX_PROXIMAL_MU) || rate * mu > 1) {
      throw TaskRefusedException.invalidTask("proximal_mu was " + mu + " with learning_rate " + rate
          + "; a task must ask for a proximal_mu from 0 to " + JobSpecParser.MAX_PROXIMAL_MU
          + " with learning_rate * proximal_mu at most 1");
    }
  }

  /**
   * The federation's standardisation covers exactly the task's numeric features with finite
   * means and positive, finite standard deviations.
   */
  static Normalization normalization(io.factoryfl.proto.v1.Normalization proto, DatasetBinding binding) {
    int features = binding.getNumericFeaturesCount();
    if (proto.getMeanCount() != features || proto.getStdCount() != features) {
      throw TaskRefusedException.invalidTask("the normalisation has " + proto.getMeanCount()
          + " means and " + proto.getStdCount() + " standard deviations for " + features
          + " numeric features");
    }
    double[] mean = new double[features];
    double[] std = new double[features];
    for (int i = 0; i < features; i++) {
      mean[i] = proto.getMean(i);
      std[i] = proto.getStd(i);
      if (!Double.isFinite(mean[i]) || !Double.isFinite(std[i]) || !(std[i] > 0)) {
        throw TaskRefusedException.invalidTask("normalisation of numeric feature " + i
            + " is mean " + mean[i] + ", std " + std[i] + "; both must be finite and std > 0");
      }
    }
    return new Normalization(mean, std);
  }

  private static void distinct(Set<String> columns, String column, String field) {
    if (column.isEmpty()) {
      throw TaskRefusedException.invalidTask(field + " is empty");
    }
    if (!columns.add(column)) {
      throw TaskRefusedException.invalidTask(field + " repeats a column the task already names");
    }
  }
}
