package io.factoryfl.core.job;

import io.factoryfl.core.data.FeatureSchema;
import io.factoryfl.core.data.SequenceSpec;
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
 * @param kernel the convolutions' kernel width ({@code cnn1d} only, else 0)
 */
public record ModelSpec(String template, List<Integer> hiddenLayers, String configurationJson, List<Integer> units,
    List<Integer> filters, int kernel) {
  public static final String MLP = "mlp";
  public static final String LSTM = "lstm";
  public static final String CNN1D = "cnn1d";
  /** The templates, in the order error messages list them. */
  public static final List<String> TEMPLATES = List.of(MLP, LSTM, CNN1D);
  /** The cnn1d kernel width when the spec gives none. */
  public static final int DEFAULT_KERNEL = 3;

  public ModelSpec {
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
    if (configurationJson != null) {
      return configurationJson;
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
