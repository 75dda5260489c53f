package io.factoryfl.simulation;

import io.factoryfl.core.data.ImageSpec;
import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.core.task.ClassificationTask;
import io.factoryfl.core.task.EvaluationMetrics;
import io.factoryfl.core.task.EvaluationSums;
import io.factoryfl.core.task.TaskFamily;
import io.factoryfl.participant.data.ImageBatches;
import io.factoryfl.participant.data.ImageListing;
import io.factoryfl.participant.train.LocalEvaluator;
import io.factoryfl.participant.train.LocalTrainer;
import io.factoryfl.participant.train.TrainingSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The yardsticks of an image classification job, as {@link Baselines} for a table: a centralized
 * model on the pooled training images and each plant alone on its own, trained with the site's
 * code ({@link LocalTrainer} over streamed, augmented {@link ImageBatches}), model and budget, and
 * every model scored with the job's task family on the union of the plants' held-out images. The
 * images are read where they lie: the pooled and per-plant listings written under {@code work}
 * name them, nothing is copied.
 */
final class ImageBaselines {
  private final ModelDefinition model;
  private final float[] initialParameters;
  private final ImageSpec spec;
  private final ClassificationTask task;
  private final String dataset;
  private final Path folder;
  private final Path work;
  private final List<ImagePlant> plants;

  /**
   * @param folder the folder every plant's image paths are relative to
   * @param work where the baselines' listing CSVs are written
   */
  ImageBaselines(ModelDefinition model, ImageSpec spec, TaskFamily task, String dataset, Path folder, Path work,
      List<ImagePlant> plants) {
    if (!(task instanceof ClassificationTask classification)) {
      throw new IllegalArgumentException("image baselines need a classification job, this one is "
          + task.kind().key());
    }
    this.model = model;
    this.initialParameters = model.initialParameters();
    this.spec = spec;
    this.task = classification;
    this.dataset = dataset;
    this.folder = folder;
    this.work = work;
    this.plants = List.copyOf(plants);
  }

  /** The model trained on every plant's training images pooled. */
  float[] trainCentralized(TrainingSettings settings) throws IOException {
    List<ImagePlant.Image> pooled = new ArrayList<>();
    plants.forEach(plant -> pooled.addAll(plant.train()));
    return train(listing("centralized-train.csv", pooled), settings);
  }

  /** The model {@code plant} trains on its own training images. */
  float[] trainAlone(ImagePlant plant, TrainingSettings settings) throws IOException {
    return train(listing(plant.name() + "-train.csv", plant.train()), settings);
  }

  private float[] train(ImageListing listing, TrainingSettings settings) {
    ImageBatches batches = ImageBatches.training(listing, spec, dataset, settings.batchSize(), settings.seed());
    return LocalTrainer.train(model, initialParameters, batches, settings).parameters();
  }

  /**
   * Scores parameters on the union of the plants' held-out images: accuracy, macro-F1 and each
   * class's recall, exact over the union.
   */
  Score score(float[] parameters, int batchSize) throws IOException {
    List<ImagePlant.Image> union = new ArrayList<>();
    plants.forEach(plant -> union.addAll(plant.eval()));
    ImageListing listing = listing("held-out-union.csv", union);
    EvaluationSums sums = LocalEvaluator.evaluate(model, parameters,
        ImageBatches.inOrder(listing, spec, dataset, batchSize), task);
    return score(task.metrics(sums), task.classes());
  }

  /** The metrics an image classification report shows, in order, from the task's metrics. */
  static Score score(EvaluationMetrics metrics, List<String> classes) {
    Map<String, Double> values = new LinkedHashMap<>();
    for (String name : metricNames(classes)) {
      values.put(name, metrics.get(name));
    }
    return new Score(values);
  }

  /** accuracy, macro_f1, then recall[class] for each class. */
  static List<String> metricNames(List<String> classes) {
    List<String> names = new ArrayList<>(List.of("accuracy", "macro_f1"));
    classes.forEach(c -> names.add("recall[" + c + "]"));
    return names;
  }

  private ImageListing listing(String file, List<ImagePlant.Image> images) throws IOException {
    Path csv = work.resolve(file);
    ImagePlant.writeListing(csv, images);
    return ImageListing.of(dataset, folder, csv, NeuSurfaceScenario.LABEL, task.classes());
  }
}
