package io.factoryfl.core.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;

/**
 * Where a model's batch-normalisation layers keep their values in the flat parameter vector: each
 * layer's scale, shift, running mean and running variance, as {@code [start, end)} ranges in layer
 * order. FedBN (a job with {@code model.batch_norm: "local"}) keeps these coordinates at the site.
 */
public final class BatchNormParameters {
  private final int[] starts;
  private final int[] ends;

  private BatchNormParameters(int[] starts, int[] ends) {
    this.starts = starts;
    this.ends = ends;
  }

  /** The batch-normalisation ranges of {@code configuration}'s flat parameter vector. */
  static BatchNormParameters of(MultiLayerConfiguration configuration) {
    List<int[]> ranges = new ArrayList<>();
    long offset = 0;
    for (int i = 0; i < configuration.getConfs().size(); i++) {
      NeuralNetConfiguration layer = configuration.getConf(i);
      long count = layer.getLayer().initializer().numParams(layer);
      if (layer.getLayer() instanceof BatchNormalization && count > 0) {
        ranges.add(new int[] {Math.toIntExact(offset), Math.toIntExact(offset + count)});
      }
      offset += count;
    }
    return new BatchNormParameters(ranges.stream().mapToInt(r -> r[0]).toArray(),
        ranges.stream().mapToInt(r -> r[1]).toArray());
  }

  /** Whether the model has batch normalisation at all. */
  public boolean isEmpty() {
    return starts.length == 0;
  }

  /** How many coordinates are batch-normalisation values. */
  public int count() {
    int count = 0;
    for (int i = 0; i < starts.length; i++) {
      count += ends[i] - starts[i];
    }
    return count;
  }

  /** The batch-normalisation values of {@code parameters}, in order. */
  public float[] extract(float[] parameters) {
    Objects.requireNonNull(parameters, "parameters");
    float[] values = new float[count()];
    int at = 0;
    for (int i = 0; i < starts.length; i++) {
      System.arraycopy(parameters, starts[i], values, at, ends[i] - starts[i]);
      at += ends[i] - starts[i];
    }
    return values;
  }

  /**
   * A copy of {@code parameters} whose batch-normalisation coordinates hold {@code values}
   * (as {@link #extract} gave them).
   *
   * @throws IllegalArgumentException if {@code values} is not {@link #count()} long
   */
  public float[] splice(float[] parameters, float[] values) {
    Objects.requireNonNull(parameters, "parameters");
    if (values.length != count()) {
      throw new IllegalArgumentException("expected " + count() + " batch-normalisation values, got "
          + values.length);
    }
    float[] spliced = parameters.clone();
    int at = 0;
    for (int i = 0; i < starts.length; i++) {
      System.arraycopy(values, at, spliced, starts[i], ends[i] - starts[i]);
      at += ends[i] - starts[i];
    }
    return spliced;
  }
}
