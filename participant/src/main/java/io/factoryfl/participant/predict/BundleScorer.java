package io.factoryfl.participant.predict;

import io.factoryfl.core.bundle.BundleCard;
import io.factoryfl.core.bundle.ModelBundle;
import io.factoryfl.core.data.FeatureSchema;
import io.factoryfl.core.data.SequenceSpec;
import io.factoryfl.core.task.EvaluationSums;
import io.factoryfl.core.task.RegressionTask;
import io.factoryfl.core.task.TaskFamily;
import io.factoryfl.participant.data.CsvChunks;
import io.factoryfl.participant.data.CsvTable;
import io.factoryfl.participant.data.EncodedData;
import io.factoryfl.participant.data.SequenceWindows;
import io.factoryfl.participant.data.TabularEncoder;
import io.factoryfl.participant.train.LocalEvaluator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * Scores a site's CSV with a model bundle, exactly as the site scored its held-out split during
 * the job: the same column mapping (job column to local column, as in the participant catalogue),
 * the same encoding and standardisation ({@link TabularEncoder}), the same forward pass and, for
 * {@link #evaluate}, the same task family. The file is read in chunks ({@link CsvChunks}), so files
 * larger than memory work. A sequence model's rows are windowed as the sites windowed theirs
 * ({@link SequenceWindows.Stream}, which needs each group's rows in increasing order).
 */
public final class BundleScorer {
  /** Rows per chunk: one forward pass each. */
  static final int CHUNK_ROWS = 8192;

  private final ModelBundle bundle;
  private final FeatureSchema local;
  /** The card's sequence in the site's column names, if the model reads windows. */
  private final Optional<SequenceSpec> sequence;

  /**
   * @param columns the site's renaming of job columns to its own (absent = same name)
   */
  public BundleScorer(ModelBundle bundle, Map<String, String> columns) {
    this.bundle = Objects.requireNonNull(bundle, "bundle");
    FeatureSchema job = bundle.card().schema();
    java.util.function.UnaryOperator<String> local = column -> columns.getOrDefault(column, column);
    this.local = new FeatureSchema(job.numericColumns().stream().map(local).toList(),
        job.categoricalColumns().stream()
            .map(c -> new FeatureSchema.CategoricalColumn(local.apply(c.column()), c.categories())).toList(),
        local.apply(job.labelColumn()), job.labelClasses(), job.missingValues());
    this.sequence = bundle.card().sequence().map(s -> new SequenceSpec(local.apply(s.group()), local.apply(s.order()),
        s.window(), s.evalRows()));
  }

  /** The bundle's card. */
  public BundleCard card() {
    return bundle.card();
  }

  /**
   * Hands every row's model output to {@code consumer} with its chunk and row index in the chunk.
   *
   * @throws IllegalArgumentException if a column is missing or a value cannot be encoded (names
   *     the file, line and column)
   */
  public void predict(Path csv, BiConsumer<CsvTable, float[][]> consumer) throws IOException {
    SequenceWindows.Stream windows = sequence.map(s -> new SequenceWindows.Stream(s, false)).orElse(null);
    try (CsvChunks chunks = CsvChunks.open(csv, CHUNK_ROWS)) {
      while (chunks.hasNext()) {
        CsvTable chunk = chunks.next();
        EncodedData features = TabularEncoder.encodeFeatures(chunk, local, bundle.card().normalization());
        if (windows != null) {
          features = windows.next(chunk, features);
        }
        consumer.accept(chunk, LocalEvaluator.outputs(bundle.definition(), bundle.parameters(), features));
      }
    }
  }

  /**
   * The task family's sums over every labelled row of {@code csv}: what the site would have
   * reported for it in a federated evaluation; sums of several files merge.
   */
  public EvaluationSums evaluate(Path csv) throws IOException {
    TaskFamily task = bundle.card().family();
    EvaluationSums total = task.newScoring(bundle.card().labelScale()).sums();
    float[] parameters = bundle.parameters();
    boolean lastOnly = sequence.map(s -> s.evalRows() == SequenceSpec.EvalRows.LAST).orElse(false);
    SequenceWindows.Stream windows = sequence.map(s -> new SequenceWindows.Stream(s, lastOnly)).orElse(null);
    try (CsvChunks chunks = CsvChunks.open(csv, CHUNK_ROWS)) {
      while (chunks.hasNext()) {
        CsvTable chunk = chunks.next();
        EncodedData data = TabularEncoder.encode(chunk, local, bundle.card().normalization(),
            task instanceof RegressionTask regression ? regression.clip() : io.factoryfl.core.task.LabelClip.NONE,
            bundle.card().labelScale());
        if (windows != null) {
          data = windows.next(chunk, data);
        }
        if (data.size() > 0) {
          total = total.merge(LocalEvaluator.evaluate(bundle.definition(), parameters, data, task));
        }
      }
    }
    if (lastOnly) {
      total = total.merge(LocalEvaluator.evaluate(bundle.definition(), parameters, windows.lastWindows(), task));
    }
    return total;
  }
}
