package io.factoryfl.simulation;

import io.factoryfl.core.data.FeatureSchema;
import io.factoryfl.core.data.FeatureStats;
import io.factoryfl.core.data.Normalization;
import io.factoryfl.core.metrics.BinaryMetrics;
import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.participant.data.EncodedData;
import io.factoryfl.participant.data.TabularEncoder;
import io.factoryfl.participant.train.LocalEvaluator;
import io.factoryfl.participant.train.LocalTrainer;
import io.factoryfl.participant.train.TrainingSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * The two yardsticks for a federated model, trained with the same code, model and budget: a
 * centralized model on the pooled training rows (what sharing all data would give) and each
 * factory alone on its own rows (what not collaborating gives). All are scored on the union of
 * the factories' held-out rows.
 */
final class Baselines {
  private final ModelDefinition model;
  private final float[] initialParameters;
  private final FeatureSchema schema;
  private final List<Factory> factories;

  Baselines(ModelDefinition model, float[] initialParameters, FeatureSchema schema, List<Factory> factories) {
    this.model = model;
    this.initialParameters = initialParameters;
    this.schema = schema;
    this.factories = factories;
  }

  /**
   * Standardisation from the factories' pooled training statistics, merged in factory-name order
   * exactly as the coordinator merges the sites' statistics.
   */
  Normalization pooledNormalization() {
    FeatureStats total = FeatureStats.empty(schema.numericColumns().size());
    for (Factory factory : factories) {
      total = total.merge(TabularEncoder.stats(factory.train(), schema));
    }
    return total.toNormalization();
  }

  /** @param normalization the pooled standardisation ({@link #pooledNormalization}) */
  float[] trainCentralized(TrainingSettings settings, Normalization normalization) {
    List<EncodedData> parts = new ArrayList<>();
    for (Factory factory : factories) {
      parts.add(TabularEncoder.encode(factory.train(), schema, normalization));
    }
    return LocalTrainer.train(model, initialParameters, concat(parts), settings).parameters();
  }

  float[] trainAlone(Factory factory, TrainingSettings settings) {
    EncodedData data = TabularEncoder.encode(factory.train(), schema, ownNormalization(factory));
    return LocalTrainer.train(model, initialParameters, data, settings).parameters();
  }

  Normalization ownNormalization(Factory factory) {
    return TabularEncoder.stats(factory.train(), schema).toNormalization();
  }

  /** Scores parameters on the union of all held-out rows, encoded with the given standardisation. */
  Score score(float[] parameters, Normalization normalization) {
    List<EncodedData> parts = new ArrayList<>();
    for (Factory factory : factories) {
      parts.add(TabularEncoder.encode(factory.eval(), schema, normalization));
    }
    EncodedData union = concat(parts);
    double[] scores = LocalEvaluator.positiveLogOdds(model, parameters, union);
    boolean[] positive = new boolean[union.size()];
    int positiveClass = schema.numClasses() - 1;
    for (int i = 0; i < positive.length; i++) {
      positive[i] = union.label(i) == positiveClass;
    }
    return new Score(BinaryMetrics.rocAuc(scores, positive), BinaryMetrics.prAuc(scores, positive));
  }

  static EncodedData concat(List<EncodedData> parts) {
    int n = parts.stream().mapToInt(EncodedData::size).sum();
    float[][] features = new float[n][];
    int[] labels = new int[n];
    int i = 0;
    for (EncodedData part : parts) {
      float[][] f = part.features();
      for (int j = 0; j < part.size(); j++, i++) {
        features[i] = f[j];
        labels[i] = part.label(j);
      }
    }
    return new EncodedData(features, labels);
  }

}
