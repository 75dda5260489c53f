package io.factoryfl.participant.predict;

import io.factoryfl.core.bundle.BundleCard;
import io.factoryfl.core.bundle.ModelBundle;
import io.factoryfl.core.data.FeatureSchema;
import io.factoryfl.core.task.EvaluationSums;
import io.factoryfl.core.task.RegressionTask;
import io.factoryfl.core.task.TaskFamily;
import io.factoryfl.participant.data.CsvChunks;
import io.factoryfl.participant.data.CsvTable;
import io.factoryfl.participant.data.EncodedData;
import io.factoryfl.participant.data.TabularEncoder;
import io.factoryfl.participant.train.LocalEvaluator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * Scores a site's CSV with a model bundle, exactly as the site scored its held-out split during
 * the job: the same column mapping (job column to local column, as in the participant catalogue),
 * the same encoding and standardisation ({@link TabularEncoder}), the same forward pass and, for
 * {@link #evaluate}, the same task family. The file is read in chunks ({@link CsvChunks}), so files
 * larger than memory work.
 */
public final class BundleScorer {
  /** Rows per chunk: one forward pass each. */
  static final int CHUNK_ROWS = 8192;

  private final ModelBundle bundle;
  private final FeatureSchema local;

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
    try (CsvChunks chunks = CsvChunks.open(csv, CHUNK_ROWS)) {
      while (chunks.hasNext()) {
        CsvTable chunk = chunks.next();
        EncodedData features = TabularEncoder.encodeFeatures(chunk, local, bundle.card().normalization());
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
    try (CsvChunks chunks = CsvChunks.open(csv, CHUNK_ROWS)) {
      while (chunks.hasNext()) {
        CsvTable chunk = chunks.next();
        EncodedData data = TabularEncoder.encode(chunk, local, bundle.card().normalization(),
            task instanceof RegressionTask regression ? regression.clip() : io.factoryfl.core.task.LabelClip.NONE,
            bundle.card().labelScale());
        total = total.merge(LocalEvaluator.evaluate(bundle.definition(), parameters, data, task));
      }
    }
    return total;
  }
}
