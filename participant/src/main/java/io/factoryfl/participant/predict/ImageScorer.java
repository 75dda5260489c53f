package io.factoryfl.participant.predict;

import io.factoryfl.core.bundle.BundleCard;
import io.factoryfl.core.bundle.ModelBundle;
import io.factoryfl.core.data.ImageSpec;
import io.factoryfl.core.task.EvaluationSums;
import io.factoryfl.participant.data.ImageBatches;
import io.factoryfl.participant.data.ImageListing;
import io.factoryfl.participant.train.LocalEvaluator;
import java.util.Objects;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Scores a plant's images with an image model's bundle exactly as a site scored its held-out images
 * during the job: the card's image settings (size, channels, normalisation, resize; never
 * augmentation), the same batches in listing order ({@link ImageBatches#forScoring}), the same
 * forward pass and, for {@link #evaluate}, the same task family. Images are read batch by batch, so
 * a folder larger than memory works.
 */
public final class ImageScorer {
  private final ModelBundle bundle;
  private final ImageSpec images;

  /**
   * @throws IllegalArgumentException if the bundle's model reads table rows, not images
   */
  public ImageScorer(ModelBundle bundle) {
    this.bundle = Objects.requireNonNull(bundle, "bundle");
    this.images = bundle.card().images().orElseThrow(() -> new IllegalArgumentException("the model of job "
        + bundle.card().jobId() + " reads table rows, not images"));
  }

  /** The bundle's card. */
  public BundleCard card() {
    return bundle.card();
  }

  /** An image's model output: its path relative to the folder and the class probabilities. */
  public interface Prediction {
    /** {@code probabilities} is reused for the next image; copy what you keep. */
    void accept(String path, float[] probabilities);
  }

  /**
   * Hands every listed image's class probabilities to {@code consumer}, in listing order.
   *
   * @throws io.factoryfl.participant.data.SiteDataException if an image cannot be decoded or has
   *     another size than the model's (without {@code resize}); its message names the file
   */
  public void predict(ImageListing listing, Prediction consumer) {
    MultiLayerNetwork network = bundle.definition().newNetwork(bundle.parameters());
    int classes = bundle.definition().numOutputs();
    float[] probabilities = new float[classes];
    ImageBatches batches = ImageBatches.forScoring(listing, images, bundle.card().dataset());
    int image = 0;
    while (batches.hasNext()) {
      DataSet batch = batches.next();
      // the forward pass LocalEvaluator makes on a site's held-out images, so the outputs are the same floats
      float[] output = network.output(batch.getFeatures(), false).dup('c').data().asFloat();
      for (int row = 0; row < batch.numExamples(); row++) {
        System.arraycopy(output, row * classes, probabilities, 0, classes);
        consumer.accept(listing.relativePath(image++), probabilities);
      }
    }
  }

  /**
   * The task family's sums over the labelled images: what a site holding them reports in a
   * federated evaluation; sums of several folders merge.
   */
  public EvaluationSums evaluate(ImageListing labelled) {
    return LocalEvaluator.evaluate(bundle.definition(), bundle.parameters(),
        ImageBatches.forScoring(labelled, images, bundle.card().dataset()), bundle.card().family());
  }
}
