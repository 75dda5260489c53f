package io.factoryfl.simulation;

import io.factoryfl.core.data.FeatureSchema;
import io.factoryfl.core.data.FeatureStats;
import io.factoryfl.core.data.Normalization;
import io.factoryfl.core.data.SequenceSpec;
import io.factoryfl.core.job.JobSpec;
import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.core.task.EvaluationMetrics;
import io.factoryfl.core.task.EvaluationSums;
import io.factoryfl.core.task.LabelScale;
import io.factoryfl.core.task.RegressionTask;
import io.factoryfl.core.task.TaskFamily;
import io.factoryfl.participant.data.EncodedData;
import io.factoryfl.participant.data.SequenceWindows;
import io.factoryfl.participant.data.TabularEncoder;
import io.factoryfl.participant.train.LocalEvaluator;
import io.factoryfl.participant.train.LocalTrainer;
import io.factoryfl.participant.train.TrainingSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The yardsticks of a regression job, as {@link Baselines} for a classifier: a centralized model
 * on the pooled training rows and each factory alone, trained with the site's code, model and
 * budget, each with the standardisation of the data it saw (features and clipped label), and all
 * scored with the job's task family on the union of the factories' held-out rows, windowed as the
 * sites window them when the job has a sequence ({@code eval_rows} included). Metrics: RMSE, MAE
 * and R² in label units, exact over the union.
 */
final class RegressionBaselines {
  /** The metrics a regression report shows, in order. */
  static final List<String> METRICS = List.of("rmse", "mae", "r2");

  private final JobSpec spec;
  private final ModelDefinition model;
  private final float[] initialParameters;
  private final List<Factory> factories;
  private final RegressionTask task;

  RegressionBaselines(JobSpec spec, ModelDefinition model, List<Factory> factories) {
    this.spec = spec;
    this.model = model;
    this.initialParameters = model.initialParameters();
    this.factories = factories;
    TaskFamily family = spec.task().family(spec.schema(), 1);
    if (!(family instanceof RegressionTask regression)) {
      throw new IllegalArgumentException("a regression baseline needs a regression job, this one is "
          + family.kind().key());
    }
    this.task = regression;
  }

  /** Feature standardisation and label scale from some factories' training rows, merged in order. */
  record Scaling(Normalization features, LabelScale label) {}

  Scaling pooledScaling() {
    return scaling(factories);
  }

  Scaling ownScaling(Factory factory) {
    return scaling(List.of(factory));
  }

  private Scaling scaling(List<Factory> which) {
    FeatureSchema schema = spec.schema();
    int features = schema.numericColumns().size();
    FeatureStats total = FeatureStats.empty(features + 1);
    for (Factory factory : which) {
      total = total.merge(TabularEncoder.stats(factory.train(), schema, task.clip()));
    }
    Normalization all = total.toNormalization();
    return new Scaling(new Normalization(java.util.Arrays.copyOf(all.mean(), features),
        java.util.Arrays.copyOf(all.std(), features)), new LabelScale(all.mean()[features], all.std()[features]));
  }

  float[] trainCentralized(TrainingSettings settings, Scaling scaling) {
    List<EncodedData> parts = new ArrayList<>();
    for (Factory factory : factories) {
      parts.add(encode(factory.train(), scaling, false));
    }
    return LocalTrainer.train(model, initialParameters, concat(parts), settings).parameters();
  }

  float[] trainAlone(Factory factory, TrainingSettings settings) {
    return LocalTrainer.train(model, initialParameters, encode(factory.train(), ownScaling(factory), false), settings)
        .parameters();
  }

  /** RMSE, MAE and R² of {@code parameters} on the union of the held-out rows. */
  Score score(float[] parameters, Scaling scaling) {
    EvaluationSums total = null;
    for (Factory factory : factories) {
      EvaluationSums sums = LocalEvaluator.evaluate(model, parameters, encode(factory.eval(), scaling, true), task);
      total = total == null ? sums : total.merge(sums);
    }
    EvaluationMetrics metrics = task.metrics(total);
    Map<String, Double> values = new LinkedHashMap<>();
    METRICS.forEach(name -> values.put(name, metrics.get(name)));
    return new Score(values);
  }

  /** Rows encoded as a site encodes them, then windowed as a site windows them. */
  private EncodedData encode(io.factoryfl.participant.data.CsvTable table, Scaling scaling, boolean held) {
    EncodedData rows = TabularEncoder.encode(table, spec.schema(), scaling.features(), task.clip(), scaling.label());
    Optional<SequenceSpec> sequence = spec.sequence();
    if (sequence.isEmpty()) {
      return rows;
    }
    return SequenceWindows.of(table, rows, sequence.get(), held && sequence.get().evalRows() == SequenceSpec.EvalRows.LAST);
  }

  private static EncodedData concat(List<EncodedData> parts) {
    int n = parts.stream().mapToInt(EncodedData::size).sum();
    float[][] features = new float[n][];
    double[] targets = new double[n];
    int i = 0;
    for (EncodedData part : parts) {
      for (int j = 0; j < part.size(); j++, i++) {
        features[i] = part.row(j);
        targets[i] = part.target(j);
      }
    }
    return new EncodedData(features, targets, 0, parts.get(0).scale());
  }
}
