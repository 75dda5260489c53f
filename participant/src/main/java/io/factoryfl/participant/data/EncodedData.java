package io.factoryfl.participant.data;

import io.factoryfl.core.task.LabelScale;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Model-ready examples: one encoded feature vector and one label per example. A classifier's label
 * is a class index ({@code classes > 0}); a regressor's is the (clipped) label value in the data's
 * units ({@code classes == 0}), standardised by {@code scale} only when it is handed to the model
 * ({@link #labelMatrix}), so that scoring sees the label as the plant wrote it.
 *
 * <p>The arrays are deep-copied in, and {@link #features()} returns a copy; the trainer and
 * evaluator use {@link #featureMatrix()} and {@link #labelMatrix(int)}, which build ND4J arrays
 * straight from the held data.
 *
 * @param features {@code features[i]} is the feature vector of example {@code i}; all rows have the
 *     same width
 * @param targets {@code targets[i]} is the label of example {@code i}: a class index, or a value
 * @param classes the number of label classes, or 0 for a regression label
 * @param scale a regression label's standardisation ({@link LabelScale#IDENTITY} for a classifier)
 */
public record EncodedData(float[][] features, double[] targets, int classes, LabelScale scale) {

  /** Classification examples: {@code labels[i]} is the class index of example {@code i}. */
  public EncodedData(float[][] features, int[] labels) {
    this(features, java.util.Arrays.stream(Objects.requireNonNull(labels, "labels must not be null"))
        .asDoubleStream().toArray(), java.util.Arrays.stream(labels).max().orElse(0) + 1, LabelScale.IDENTITY);
  }

  public EncodedData {
    Objects.requireNonNull(features, "features must not be null");
    Objects.requireNonNull(targets, "targets must not be null");
    Objects.requireNonNull(scale, "scale must not be null");
    if (features.length != targets.length) {
      throw new IllegalArgumentException(
          "features and labels must have the same number of examples, were "
              + features.length + " and " + targets.length);
    }
    if (classes < 0) {
      throw new IllegalArgumentException("classes must be >= 0, was " + classes);
    }
    float[][] copy = new float[features.length][];
    for (int i = 0; i < features.length; i++) {
      Objects.requireNonNull(features[i], "features[" + i + "] must not be null");
      if (features[i].length != features[0].length) {
        throw new IllegalArgumentException(
            "all feature rows must have the same width: row 0 has " + features[0].length
                + ", row " + i + " has " + features[i].length);
      }
      if (classes > 0 && (targets[i] < 0 || targets[i] != Math.rint(targets[i]))) {
        throw new IllegalArgumentException("labels[" + i + "] must be a class index >= 0, was " + targets[i]);
      }
      if (!Double.isFinite(targets[i])) {
        throw new IllegalArgumentException("labels[" + i + "] must be finite, was " + targets[i]);
      }
      copy[i] = features[i].clone();
    }
    features = copy;
    targets = targets.clone();
  }

  /** Number of examples. */
  public int size() {
    return targets.length;
  }

  /** Whether the labels are class indices (not regression values). */
  public boolean isClassification() {
    return classes > 0;
  }

  /** Width of a feature vector (0 if there are no examples). */
  public int numFeatures() {
    return features.length == 0 ? 0 : features[0].length;
  }

  /** Deep copy of all feature rows (O(size) each call; use {@link #row(int)} in loops). */
  @Override
  public float[][] features() {
    float[][] copy = new float[features.length][];
    for (int i = 0; i < features.length; i++) {
      copy[i] = features[i].clone();
    }
    return copy;
  }

  @Override
  public double[] targets() {
    return targets.clone();
  }

  /** The class indices of a classifier's examples. */
  public int[] labels() {
    int[] labels = new int[targets.length];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = (int) targets[i];
    }
    return labels;
  }

  /** A copy of the feature vector of example {@code i}; cheaper than {@code features()[i]}. */
  public float[] row(int i) {
    return features[i].clone();
  }

  /** The class index of example {@code i} (a classifier's). */
  public int label(int i) {
    return (int) targets[i];
  }

  /** The label of example {@code i}: a class index, or a regression value in the data's units. */
  public double target(int i) {
    return targets[i];
  }

  /** The examples at {@code indices}, in that order (indices may repeat). */
  public EncodedData subset(int[] indices) {
    float[][] rows = new float[indices.length][];
    double[] selected = new double[indices.length];
    for (int i = 0; i < indices.length; i++) {
      rows[i] = features[indices[i]];
      selected[i] = targets[indices[i]];
    }
    return new EncodedData(rows, selected, classes, scale);
  }

  /** The features as a new {@code [size, numFeatures]} FLOAT matrix. */
  public INDArray featureMatrix() {
    int width = numFeatures();
    float[] flat = new float[features.length * width];
    for (int i = 0; i < features.length; i++) {
      System.arraycopy(features[i], 0, flat, i * width, width);
    }
    return Nd4j.create(flat, new long[] {features.length, width}, DataType.FLOAT);
  }

  /**
   * The labels as the model learns them, a new FLOAT matrix: one-hot {@code [size, outputs]} for a
   * classifier, the standardised value {@code [size, 1]} for a regressor.
   *
   * @throws IllegalArgumentException if a class label is {@code >= outputs}, or a regression label
   *     meets a model with other than one output
   */
  public INDArray labelMatrix(int outputs) {
    if (!isClassification()) {
      if (outputs != 1) {
        throw new IllegalArgumentException("a regression label needs a model with one output, this one has "
            + outputs);
      }
      float[] values = new float[targets.length];
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) scale.standardise(targets[i]);
      }
      return Nd4j.create(values, new long[] {targets.length, 1}, DataType.FLOAT);
    }
    float[] flat = new float[targets.length * outputs];
    for (int i = 0; i < targets.length; i++) {
      int label = (int) targets[i];
      if (label >= outputs) {
        throw new IllegalArgumentException(
            "label of example " + i + " is class " + label + " but the model has only "
                + outputs + " classes");
      }
      flat[i * outputs + label] = 1f;
    }
    return Nd4j.create(flat, new long[] {targets.length, outputs}, DataType.FLOAT);
  }

  /** Number of examples of each class, for classes {@code 0 .. numClasses-1}. */
  public long[] classCounts(int numClasses) {
    long[] counts = new long[numClasses];
    for (double target : targets) {
      int label = (int) target;
      if (isClassification() && label < numClasses) {
        counts[label]++;
      }
    }
    return counts;
  }

  // Records compare arrays by identity; compare contents instead.
  @Override
  public boolean equals(Object o) {
    return o instanceof EncodedData other
        && classes == other.classes && scale.equals(other.scale)
        && java.util.Arrays.deepEquals(features, other.features)
        && java.util.Arrays.equals(targets, other.targets);
  }

  @Override
  public int hashCode() {
    return 31 * java.util.Arrays.deepHashCode(features) + java.util.Arrays.hashCode(targets);
  }

  @Override
  public String toString() {
    return "EncodedData[size=" + size() + ", numFeatures=" + numFeatures()
        + (isClassification() ? ", classes=" + classes : ", regression") + "]";
  }
}
