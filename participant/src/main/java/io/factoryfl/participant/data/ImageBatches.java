package io.factoryfl.participant.data;

import io.factoryfl.core.data.ImageSpec;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A split's images in minibatches, read from disk batch by batch: features {@code [batch,
 * pixels]} (each image flat and channel-major, normalised as the job says) and one-hot labels
 * {@code [batch, classes]}. Only the current batch is in memory, so a folder larger than memory
 * trains.
 *
 * <p>{@link #inOrder} serves evaluation and prediction: the listing's order, no augmentation.
 * {@link #training} serves local training: each pass (the first, and each after {@link #reset()})
 * visits the images in a new order drawn from the seed, and augments each image with draws from
 * the same generator, so the passes of a round are reproducible. Not thread-safe: one thread at a
 * time may read from it (a prefetching reader hands it over between batches).
 */
public final class ImageBatches implements DataSetIterator {
  /** Image values scored at a time ({@link #forScoring}). */
  private static final int SCORING_BATCH_VALUES = 1 << 24;
  private final ImageListing listing;
  private final ImageSpec spec;
  private final int batchSize;
  private final ImageDecoder decoder;
  private final ImageAugmenter augmenter;
  private final SplittableRandom random;
  private final int[] order;
  private int position;
  private DataSetPreProcessor preProcessor;

  private ImageBatches(ImageListing listing, ImageSpec spec, String dataset, int batchSize, SplittableRandom random) {
    this.listing = Objects.requireNonNull(listing, "listing");
    this.spec = Objects.requireNonNull(spec, "spec");
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, was " + batchSize);
    }
    this.batchSize = batchSize;
    this.decoder = new ImageDecoder(spec, dataset);
    this.augmenter = random == null ? null : new ImageAugmenter(spec);
    this.random = random;
    this.order = new int[listing.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    shuffle();
  }

  /** The images in listing order, unaugmented. */
  public static ImageBatches inOrder(ImageListing listing, ImageSpec spec, String dataset, int batchSize) {
    return new ImageBatches(listing, spec, dataset, batchSize, null);
  }

  /**
   * The images in listing order, unaugmented, in batches of at most 32 images and 2^24 values
   * (64 MiB): how a site scores its held-out images, and how {@code factoryfl evaluate} and {@code
   * predict} score a plant's images, so that a model bundle's outputs are the federation's bit for
   * bit. The batch bounds memory only; it does not change the result.
   */
  public static ImageBatches forScoring(ImageListing listing, ImageSpec spec, String dataset) {
    return inOrder(listing, spec, dataset, Math.max(1, Math.min(32, SCORING_BATCH_VALUES / spec.pixels())));
  }

  /** Training passes: shuffled and augmented from {@code seed}, a new order every pass. */
  public static ImageBatches training(ImageListing listing, ImageSpec spec, String dataset, int batchSize, long seed) {
    return new ImageBatches(listing, spec, dataset, batchSize, new SplittableRandom(seed));
  }

  /** Number of images in a pass. */
  public int size() {
    return listing.size();
  }

  /** The image at position {@code i} of the current pass, as its listing names it. */
  public String relativePath(int i) {
    return listing.relativePath(order[i]);
  }

  private void shuffle() {
    if (random == null) {
      return;
    }
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
  }

  @Override
  public boolean hasNext() {
    return position < order.length;
  }

  @Override
  public DataSet next() {
    return next(batchSize);
  }

  /**
   * The next {@code num} images (fewer at the end of a pass).
   *
   * @throws SiteDataException if an image cannot be decoded or has the wrong size
   */
  @Override
  public DataSet next(int num) {
    if (!hasNext()) {
      throw new NoSuchElementException("the pass over " + order.length + " images is done; reset() for another");
    }
    int count = Math.min(num, order.length - position);
    int pixels = spec.pixels();
    int plane = spec.height() * spec.width();
    int classes = listing.classes().size();
    float[] features = new float[count * pixels];
    float[] labels = new float[count * classes];
    float[] image = new float[pixels];
    for (int row = 0; row < count; row++) {
      int index = order[position + row];
      decoder.read(listing.file(index), listing.relativePath(index), image);
      if (augmenter != null && !augmenter.isNone()) {
        augmenter.apply(image, random);
      }
      for (int i = 0; i < pixels; i++) {
        features[row * pixels + i] = spec.normalization().apply(i / plane, image[i]);
      }
      if (listing.label(index) >= 0) { // an unlabelled image (prediction) has an all-zero label row
        labels[row * classes + listing.label(index)] = 1f;
      }
    }
    position += count;
    DataSet batch = new DataSet(Nd4j.create(features, new long[] {count, pixels}, DataType.FLOAT),
        Nd4j.create(labels, new long[] {count, classes}, DataType.FLOAT));
    if (preProcessor != null) {
      preProcessor.preProcess(batch);
    }
    return batch;
  }

  @Override
  public int inputColumns() {
    return spec.pixels();
  }

  @Override
  public int totalOutcomes() {
    return listing.classes().size();
  }

  @Override
  public boolean resetSupported() {
    return true;
  }

  /**
   * False: DL4J's {@code AsyncDataSetIterator} would wrap a site's {@link SiteDataException} in a
   * plain RuntimeException; {@code LocalTrainer} prefetches itself and keeps the error as it is.
   */
  @Override
  public boolean asyncSupported() {
    return false;
  }

  /** Starts another pass: in a new order when training, the same one otherwise. */
  @Override
  public void reset() {
    position = 0;
    shuffle();
  }

  @Override
  public int batch() {
    return batchSize;
  }

  @Override
  public void setPreProcessor(DataSetPreProcessor preProcessor) {
    this.preProcessor = preProcessor;
  }

  @Override
  public DataSetPreProcessor getPreProcessor() {
    return preProcessor;
  }

  @Override
  public List<String> getLabels() {
    return listing.classes();
  }
}
