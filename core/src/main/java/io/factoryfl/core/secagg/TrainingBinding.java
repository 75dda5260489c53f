package io.factoryfl.core.secagg;

import io.factoryfl.proto.v1.CategoricalFeature;
import io.factoryfl.proto.v1.DatasetBinding;
import io.factoryfl.proto.v1.ImageBinding;
import io.factoryfl.proto.v1.Normalization;
import io.factoryfl.proto.v1.TrainTask;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * Everything that shapes a site's input to a secure round, as one SHA-256 digest that enters the
 * session id and every advertise-keys signature: the model it trains from, local epochs, batch
 * size, learning rate, normalisation, the L2 clip of the delta, FedProx's mu, the cap W on a
 * site's example count, and the dataset binding (columns, categories, label). The per-site shuffle seed is left
 * out: it may differ between sites. Two sites whose bindings differ have different session ids,
 * so they cannot open each other's shares and their survivor signatures do not verify for each
 * other: a round either trains every honest site the same way or aborts (defeating the
 * model-inconsistency attack, where the coordinator sends every site but a target a learning rate
 * of 1e-30 so that the sum is the target's update).
 *
 * <p>The digest is built from the task message here, in one place, so the coordinator and the
 * sites read it identically. Canonical encoding (each field length-prefixed, big-endian, doubles
 * as their IEEE-754 bits):
 *
 * <pre>
 * SHA-256(label "FactoryFL SecAgg+ v1 training binding",
 *         model_hash, local_epochs, batch_size, learning_rate,
 *         #mean, mean..., #std, std..., label mean, label std, update_clip_norm, proximal_mu,
 *         local_batch_norm, max_examples,
 *         dataset name, #numeric, numeric..., #categorical, (column, #categories, categories...)...,
 *         label column, #label classes, label classes..., task, has clip min, clip min,
 *         has clip max, clip max, regression loss, missing values, sequence group, sequence order,
 *         sequence window, sequence eval rows, image height, width, channels, #mean, mean...,
 *         #std, std..., resize, horizontal flip, vertical flip, rotation degrees, brightness)
 * </pre>
 *
 * A field added to {@code TrainTask} or {@code DatasetBinding} must be added here (the unit test
 * walks both messages' descriptors and fails for a field that does not change the digest).
 */
public final class TrainingBinding {
  static final String LABEL = "FactoryFL SecAgg+ v1 training binding";
  static final String STATISTICS_LABEL = "FactoryFL SecAgg+ v1 statistics binding";

  private final String modelHash;
  private final byte[] digest;

  private TrainingBinding(String modelHash, byte[] digest) {
    this.modelHash = modelHash;
    this.digest = digest;
  }

  /**
   * The binding of a training task as the coordinator sends it.
   *
   * @param train the train task (its seed is ignored)
   * @param dataset the task's dataset binding
   * @param maxExamples the job's cap W on a site's example count
   */
  public static TrainingBinding of(TrainTask train, DatasetBinding dataset, long maxExamples) {
    Objects.requireNonNull(train, "train");
    Objects.requireNonNull(dataset, "dataset");
    MessageDigest sha = Transcript.sha256();
    Transcript.update(sha, LABEL);
    Transcript.update(sha, train.getModelHash());
    Transcript.update(sha, train.getLocalEpochs());
    Transcript.update(sha, train.getBatchSize());
    update(sha, train.getLearningRate());
    Normalization normalization = train.getNormalization();
    update(sha, normalization.getMeanList());
    update(sha, normalization.getStdList());
    update(sha, normalization.getLabelMean());
    update(sha, normalization.getLabelStd());
    update(sha, train.getUpdateClipNorm());
    update(sha, train.getProximalMu());
    Transcript.update(sha, train.getLocalBatchNorm() ? 1 : 0);
    update(sha, maxExamples);
    dataset(sha, dataset);
    return new TrainingBinding(train.getModelHash(), sha.digest());
  }

  /**
   * The binding of job {@code jobId}'s round-0 statistics session, where each site's input is its
   * feature statistics ({@link StatisticsLayout}) instead of a model delta: the layout (limbs,
   * limb bits, fraction bits), the cap W and the dataset binding. Its {@link #modelHash} is the
   * session's subject, {@link StatisticsLayout#subject}.
   *
   * <pre>
   * SHA-256(label "FactoryFL SecAgg+ v1 statistics binding", subject, limbs, limb bits, fraction
   *         bits, values per feature, max_examples, dataset binding as above)
   * </pre>
   */
  public static TrainingBinding statistics(String jobId, DatasetBinding dataset, long maxExamples) {
    Objects.requireNonNull(dataset, "dataset");
    String subject = StatisticsLayout.subject(jobId);
    MessageDigest sha = Transcript.sha256();
    Transcript.update(sha, STATISTICS_LABEL);
    Transcript.update(sha, subject);
    Transcript.update(sha, StatisticsLayout.LIMBS);
    Transcript.update(sha, StatisticsLayout.LIMB_BITS);
    Transcript.update(sha, StatisticsLayout.FRACTION_BITS);
    Transcript.update(sha, StatisticsLayout.VALUES_PER_FEATURE);
    update(sha, maxExamples);
    dataset(sha, dataset);
    return new TrainingBinding(subject, sha.digest());
  }

  private static void dataset(MessageDigest sha, DatasetBinding dataset) {
    Transcript.update(sha, dataset.getName());
    strings(sha, dataset.getNumericFeaturesList());
    Transcript.update(sha, dataset.getCategoricalFeaturesCount());
    for (CategoricalFeature feature : dataset.getCategoricalFeaturesList()) {
      Transcript.update(sha, feature.getColumn());
      strings(sha, feature.getCategoriesList());
    }
    Transcript.update(sha, dataset.getLabelColumn());
    strings(sha, dataset.getLabelClassesList());
    Transcript.update(sha, dataset.getTask());
    Transcript.update(sha, dataset.getHasLabelClipMin() ? 1 : 0);
    update(sha, dataset.getLabelClipMin());
    Transcript.update(sha, dataset.getHasLabelClipMax() ? 1 : 0);
    update(sha, dataset.getLabelClipMax());
    Transcript.update(sha, dataset.getRegressionLoss());
    Transcript.update(sha, dataset.getMissingValues());
    Transcript.update(sha, dataset.getSequenceGroup());
    Transcript.update(sha, dataset.getSequenceOrder());
    Transcript.update(sha, dataset.getSequenceWindow());
    Transcript.update(sha, dataset.getSequenceEvalRows());
    ImageBinding images = dataset.getImages();
    Transcript.update(sha, images.getHeight());
    Transcript.update(sha, images.getWidth());
    Transcript.update(sha, images.getChannels());
    update(sha, images.getMeanList());
    update(sha, images.getStdList());
    Transcript.update(sha, images.getResize() ? 1 : 0);
    Transcript.update(sha, images.getHorizontalFlip() ? 1 : 0);
    Transcript.update(sha, images.getVerticalFlip() ? 1 : 0);
    update(sha, images.getRotationDegrees());
    update(sha, images.getBrightness());
  }

  /**
   * A binding of the model alone, with every other setting empty: for tests and benchmarks of the
   * protocol classes, never for a site's real session.
   */
  public static TrainingBinding modelOnly(String modelHash) {
    Objects.requireNonNull(modelHash, "modelHash");
    return of(TrainTask.newBuilder().setModelHash(modelHash).build(), DatasetBinding.getDefaultInstance(), 0);
  }

  /** The hash of the model the sites train from; in a statistics session, its subject. */
  public String modelHash() {
    return modelHash;
  }

  /** The 32-byte digest (a copy). */
  public byte[] digest() {
    return digest.clone();
  }

  byte[] digestView() {
    return digest;
  }

  /** The digest in hex, for logs and refusal messages. */
  public String hex() {
    return HexFormat.of().formatHex(digest);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof TrainingBinding that && MessageDigest.isEqual(digest, that.digest);
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(digest);
  }

  @Override
  public String toString() {
    return "TrainingBinding[model " + modelHash + ", " + hex() + "]";
  }

  private static void update(MessageDigest sha, double value) {
    update(sha, Double.doubleToLongBits(value));
  }

  private static void update(MessageDigest sha, long value) {
    Transcript.update(sha, (int) (value >>> 32));
    Transcript.update(sha, (int) value);
  }

  private static void update(MessageDigest sha, List<Double> values) {
    Transcript.update(sha, values.size());
    for (double value : values) {
      update(sha, value);
    }
  }

  private static void strings(MessageDigest sha, List<String> values) {
    Transcript.update(sha, values.size());
    for (String value : values) {
      Transcript.update(sha, value);
    }
  }
}
