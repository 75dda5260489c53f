package io.factoryfl.participant.data;

import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Model-ready examples: one encoded feature vector and one class index per example.
 *
 * <p>The arrays are deep-copied in, and {@link #features()} and {@link #labels()} return copies;
 * the trainer and evaluator use {@link #featureMatrix()} and {@link #labelMatrix(int)}, which build
 * ND4J arrays straight from the held data.
 *
 * @param features {@code features[i]} is the feature vector of example {@code i}; all rows have the
 *     same width
 * @param labels {@code labels[i]} is the class index (&gt;= 0) of example {@code i}
 */
public record EncodedData(float[][] features, int[] labels) {

  public EncodedData {
    Objects.requireNonNull(features, "features must not be null");
    Objects.requireNonNull(labels, "labels must not be null");
    if (features.length != labels.length) {
      throw new IllegalArgumentException(
          "features and labels must have the same number of examples, were "
              + features.length + " and " + labels.length);
    }
    float[][] copy = new float[features.length][];
    for (int i = 0; i < features.length; i++) {
      Objects.requireNonNull(features[i], "features[" + i + "] must not be null");
      if (features[i].length != features[0].length) {
        throw new IllegalArgumentException(
            "all feature rows must have the same width: row 0 has " + features[0].length
                + ", row " + i + " has " + features[i].length);
      }
      if (labels[i] < 0) {
        throw new IllegalArgumentException("labels[" + i + "] must be >= 0, was " + labels[i]);
      }
      copy[i] = features[i].clone();
    }
    features = copy;
    labels = labels.clone();
  }

  /** Number of examples. */
  public int size() {
    return labels.length;
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
  public int[] labels() {
    return labels.clone();
  }

  /** A copy of the feature vector of example {@code i}; cheaper than {@code features()[i]}. */
  public float[] row(int i) {
    return features[i].clone();
  }

  /** The class index of example {@code i}. */
  public int label(int i) {
    return labels[i];
  }

  /** The examples at {@code indices}, in that order (indices may repeat). */
  public EncodedData subset(int[] indices) {
    float[][] rows = new float[indices.length][];
    int[] selected = new int[indices.length];
    for (int i = 0; i < indices.length; i++) {
      rows[i] = features[indices[i]];
      selected[i] = labels[indices[i]];
    }
    return new EncodedData(rows, selected);
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
   * The labels one-hot encoded as a new {@code [size, numClasses]} FLOAT matrix.
   *
   * @throws IllegalArgumentException if a label is {@code >= numClasses}
   */
  public INDArray labelMatrix(int numClasses) {
    float[] flat = new float[labels.length * numClasses];
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] >= numClasses) {
        throw new IllegalArgumentException(
            "label of example " + i + " is class " + labels[i] + " but the model has only "
                + numClasses + " classes");
      }
      flat[i * numClasses + labels[i]] = 1f;
    }
    return Nd4j.create(flat, new long[] {labels.length, numClasses}, DataType.FLOAT);
  }

  /** Number of examples of each class, for classes {@code 0 .. numClasses-1}. */
  public long[] classCounts(int numClasses) {
    long[] counts = new long[numClasses];
    for (int label : labels) {
      if (label < numClasses) {
        counts[label]++;
      }
    }
    return counts;
  }

  // Records compare arrays by identity; compare contents instead.
  @Override
  public boolean equals(Object o) {
    return o instanceof EncodedData other
        && java.util.Arrays.deepEquals(features, other.features)
        && java.util.Arrays.equals(labels, other.labels);
  }

  @Override
  public int hashCode() {
    return 31 * java.util.Arrays.deepHashCode(features) + java.util.Arrays.hashCode(labels);
  }

  @Override
  public String toString() {
    return "EncodedData[size=" + size() + ", numFeatures=" + numFeatures() + "]";
  }
}
