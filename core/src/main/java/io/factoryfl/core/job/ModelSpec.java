package io.factoryfl.core.job;

import io.factoryfl.core.data.FeatureSchema;
import io.factoryfl.core.data.SequenceSpec;
import io.factoryfl.core.data.ImageSpec;
import io.factoryfl.core.model.CnnTemplate;
import io.factoryfl.core.model.MlpTemplate;
import io.factoryfl.core.model.SequenceTemplates;
import io.factoryfl.core.task.TaskFamily;
import java.util.List;
import java.util.Optional;

/**
 * The model of a job: a built-in template or a full DL4J {@code MultiLayerConfiguration} given as
 * JSON. Templates: {@code mlp} (dense {@code hidden_layers}); for a job with {@code
 * dataset.sequence} also {@code lstm} (LSTM layers of {@code units}) and {@code cnn1d} (1-D
 * convolutions of {@code filters} with kernel width {@code kernel}), each followed by optional
 * dense {@code hidden_layers} ({@link SequenceTemplates}).
 *
 * @param template {@code mlp}, {@code lstm} or {@code cnn1d}; null for a configuration
 * @param hiddenLayers dense layer widths (the MLP's layers; after the sequence layers otherwise)
 * @param configurationJson a DL4J configuration, or null for a template
 * @param units the LSTM layers' widths ({@code lstm} only)
 * @param filters the convolutions' filter counts ({@code cnn1d} only)
 * @param kernel the convolutions' kernel width ({@code cnn1d} and {@code cnn}, else 0)
 * @param batchNorm the {@code cnn} template's batch normalisation ({@link BatchNorm#AGGREGATE} for
 *     every other model, which has none)
 */
public record ModelSpec(String template, List<Integer> hiddenLayers, String configurationJson, List<Integer> units,
    List<Integer> filters, int kernel, BatchNorm batchNorm) {
  public static final String MLP = "mlp";
  public static final String LSTM = "lstm";
  public static final String CNN1D = "cnn1d";
  public static final String CNN = "cnn";
  /** The templates, in the order error messages list them. */
  public static final List<String> TEMPLATES = List.of(MLP, LSTM, CNN1D, CNN);
  /** The cnn1d kernel width when the spec gives none. */
  public static final int DEFAULT_KERNEL = 3;

  /**
   * How the {@code cnn} template normalises its convolutions' outputs ({@code model.batch_norm}).
   * With {@code AGGREGATE} the batch-normalisation scale, shift and running mean and variance are
   * parameters like any other and are averaged across sites; with {@code LOCAL} (FedBN, Li et al.
   * 2021) each site keeps its own and the coordinator never averages them.
   */
  public enum BatchNorm {
    AGGREGATE("aggregate"),
    LOCAL("local"),
    NONE("none");

    private final String key;

    BatchNorm(String key) {
      this.key = key;
    }

    public String key() {
      return key;
    }

    public static Optional<BatchNorm> byKey(String key) {
      return java.util.Arrays.stream(values()).filter(v -> v.key.equals(key)).findFirst();
    }
  }

  /** A model without batch normalisation choices (every template but {@code cnn}). */
  public ModelSpec(String template, List<Integer> hiddenLayers, String configurationJson, List<Integer> units,
      List<Integer> filters, int kernel) {
    this(template, hiddenLayers, configurationJson, units, filters, kernel, BatchNorm.AGGREGATE);
  }

  public ModelSpec {
    java.util.Objects.requireNonNull(batchNorm, "batchNorm");
    hiddenLayers = hiddenLayers == null ? List.of() : List.copyOf(hiddenLayers);
    units = units == null ? List.of() : List.copyOf(units);
    filters = filters == null ? List.of() : List.copyOf(filters);
  }

  public static ModelSpec mlp(List<Integer> hiddenLayers) {
    return new ModelSpec(MLP, hiddenLayers, null, List.of(), List.of(), 0);
  }

  public static ModelSpec lstm(List<Integer> units, List<Integer> hiddenLayers) {
    return new ModelSpec(LSTM, hiddenLayers, null, units, List.of(), 0);
  }

  public static ModelSpec cnn1d(List<Integer> filters, int kernel, List<Integer> hiddenLayers) {
    return new ModelSpec(CNN1D, hiddenLayers, null, List.of(), filters, kernel);
  }

  /** The {@code cnn} template over {@code dataset.images} ({@link CnnTemplate}). */
  public static ModelSpec cnn(List<Integer> filters, int kernel, List<Integer> hiddenLayers, BatchNorm batchNorm) {
    return new ModelSpec(CNN, hiddenLayers, null, List.of(), filters, kernel, batchNorm);
  }

  public static ModelSpec configuration(String json) {
    return new ModelSpec(null, List.of(), json, List.of(), List.of(), 0);
  }

  /** Whether the template reads a window as a sequence (and so needs {@code dataset.sequence}). */
  public boolean isSequenceTemplate() {
    return LSTM.equals(template) || CNN1D.equals(template);
  }

  /** The DL4J configuration JSON this spec stands for, sized for the schema and the task. */
  public String resolve(FeatureSchema schema, TaskFamily task, double learningRate, long seed) {
    return resolve(schema, Optional.empty(), task, learningRate, seed);
  }

  /**
   * As {@link #resolve(FeatureSchema, TaskFamily, double, long)}, for a job that may window its
   * rows: the input is then the flat window of {@code sequence.window()} encoded rows.
   *
   * @throws IllegalArgumentException if a sequence template meets a job without a sequence
   */
  public String resolve(FeatureSchema schema, Optional<SequenceSpec> sequence, TaskFamily task, double learningRate,
      long seed) {
    return resolve(schema, sequence, Optional.empty(), task, learningRate, seed);
  }

  /**
   * As {@link #resolve(FeatureSchema, Optional, TaskFamily, double, long)}, for a job that may read
   * images: the input is then the flat image ({@link ImageSpec#pixels()} values).
   *
   * @throws IllegalArgumentException if the cnn template meets a job without images
   */
  public String resolve(FeatureSchema schema, Optional<SequenceSpec> sequence, Optional<ImageSpec> images,
      TaskFamily task, double learningRate, long seed) {
    if (configurationJson != null) {
      return configurationJson;
    }
    if (CNN.equals(template)) {
      ImageSpec image = images.orElseThrow(() -> new IllegalArgumentException("the cnn template reads images;"
          + " the job needs dataset.images"));
      return CnnTemplate.configurationJson(image, filters, kernel, hiddenLayers, batchNorm != BatchNorm.NONE, task,
          learningRate, seed);
    }
    if (images.isPresent() && MLP.equals(template)) {
      return MlpTemplate.configurationJson(images.get().pixels(), hiddenLayers, task, learningRate, seed);
    }
    int rowWidth = schema.numInputs();
    if (MLP.equals(template)) {
      return MlpTemplate.configurationJson(sequence.map(s -> s.inputs(rowWidth)).orElse(rowWidth), hiddenLayers,
          task, learningRate, seed);
    }
    SequenceSpec window = sequence.orElseThrow(() -> new IllegalArgumentException("the " + template
        + " template reads sensor sequences; the job needs dataset.sequence"));
    return LSTM.equals(template)
        ? SequenceTemplates.lstm(rowWidth, window.window(), units, hiddenLayers, task, learningRate, seed)
        : SequenceTemplates.cnn1d(rowWidth, window.window(), filters, kernel, hiddenLayers, task, learningRate, seed);
  }
}
