package io.factoryfl.core.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.data.ImageSpec;
import io.factoryfl.core.data.ImageSpec.Augmentation;
import io.factoryfl.core.data.ImageSpec.PixelNormalization;
import io.factoryfl.core.model.ModelDefinition;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The job spec's dataset.images and the cnn template. */
class ImageSpecParserTest {
  private static final String CLASSES = "\"label_classes\": [\"crazing\", \"inclusion\", \"scratches\"]";

  private static String spec(String model, String images) {
    return """
        {"name": "defects", "model": %s,
         "dataset": {"name": "neu", "images": %s, %s}}""".formatted(model, images, CLASSES);
  }

  private static final String CNN = "{\"template\": \"cnn\", \"filters\": [4, 8], \"hidden_layers\": [16]}";
  private static final String GREY_32 = "{\"height\": 32, \"width\": 24, \"channels\": 1}";

  private static void assertRefused(String json, String field, String... words) {
    InvalidJobSpecException e = assertThrows(InvalidJobSpecException.class, () -> JobSpecParser.parse(json));
    assertEquals(field, e.field(), e.getMessage());
    for (String word : words) {
      assertTrue(e.getMessage().contains(word), e.getMessage());
    }
  }

  @Test
  void anImageJob_readsSizeChannelsNormalisationAndAugmentation() {
    JobSpec spec = JobSpecParser.parse(spec(CNN, """
        {"height": 20, "width": 30, "channels": 3, "resize": true,
         "normalization": {"mean": [0.5, 0.4, 0.3], "std": [0.2, 0.25, 0.3]},
         "augmentation": {"horizontal_flip": true, "rotation_degrees": 10, "brightness": 0.1}}"""));
    ImageSpec images = spec.images().orElseThrow();
    assertEquals(new ImageSpec(20, 30, 3, new PixelNormalization(List.of(0.5, 0.4, 0.3), List.of(0.2, 0.25, 0.3)),
        true, new Augmentation(true, false, 10, 0.1)), images);
    assertEquals(1800, spec.numInputs());
    assertEquals(List.of("crazing", "inclusion", "scratches"), spec.schema().labelClasses());
    assertEquals("label", spec.schema().labelColumn());
    assertEquals(io.factoryfl.core.task.TaskKind.MULTICLASS, spec.task().kind());
  }

  @Test
  void theDefaults_scaleOnly_noResize_noAugmentation_aggregatedBatchNorm() {
    JobSpec spec = JobSpecParser.parse(spec(CNN, GREY_32));
    ImageSpec images = spec.images().orElseThrow();
    assertEquals(PixelNormalization.SCALE, images.normalization());
    assertEquals(false, images.resize());
    assertTrue(images.augmentation().isNone());
    assertEquals(ModelSpec.cnn(List.of(4, 8), 3, List.of(16), ModelSpec.BatchNorm.AGGREGATE), spec.model());
  }

  @Test
  void theCnnTemplate_resolvesToANetworkReadingTheFlatImage_countedAtSubmit() {
    JobSpec spec = JobSpecParser.parse(spec(CNN, GREY_32));
    ModelDefinition model = ModelDefinition.fromJson(spec.modelConfigurationJson());
    assertEquals(32 * 24, model.numInputs());
    assertEquals(3, model.numOutputs());
    // conv 1->4 (3x3) + BN(4) ; conv 4->8 + BN(8) ; pooled twice: 8 x 8 x 6 -> dense 16 -> 3
    long expected = (9 * 4 + 4) + 4 * 4 + (9 * 4 * 8 + 8) + 4 * 8 + (8 * 8 * 6 * 16 + 16) + (16 * 3 + 3);
    assertEquals(expected, model.numParameters());
    assertEquals(expected, JobSpecParser.parameterCount(spec));
  }

  @Test
  void anMlp_readsTheFlatImage() {
    JobSpec spec = JobSpecParser.parse(spec("{\"template\": \"mlp\", \"hidden_layers\": [8]}", GREY_32));
    assertEquals(32 * 24, ModelDefinition.fromJson(spec.modelConfigurationJson()).numInputs());
    assertEquals((768 + 1) * 8 + 9 * 3, JobSpecParser.parameterCount(spec));
  }

  @Test
  void withoutBatchNorm_theBlocksAreConvolutionAndPoolingOnly() {
    JobSpec spec = JobSpecParser.parse(spec(
        "{\"template\": \"cnn\", \"filters\": [4], \"kernel\": 5, \"batch_norm\": \"none\"}", GREY_32));
    assertEquals((25 * 4 + 4) + (16 * 12 * 4 * 3 + 3), JobSpecParser.parameterCount(spec));
  }

  @Test
  void imageSizeAndChannels_areRequiredAndChecked() {
    assertRefused(spec(CNN, "{\"height\": 32, \"channels\": 1}"), "dataset.images.width", "is required");
    assertRefused(spec(CNN, "{\"height\": 32, \"width\": 32, \"channels\": 2}"), "dataset.images.channels",
        "1 (grey) or 3 (RGB)");
    assertRefused(spec(CNN, "{\"height\": 0, \"width\": 32, \"channels\": 1}"), "dataset.images.height");
    assertRefused(spec(CNN, "{\"height\": 32, \"width\": 32, \"channels\": 1, \"depth\": 2}"),
        "dataset.images.depth", "unknown field");
  }

  @Test
  void normalisation_isScaleOrOneMeanAndStdPerChannel() {
    assertRefused(spec(CNN, "{\"height\": 8, \"width\": 8, \"channels\": 3, \"normalization\": {\"mean\": [0.5],"
        + " \"std\": [0.2]}}"), "dataset.images.normalization.mean", "list of 3 numbers");
    assertRefused(spec(CNN, "{\"height\": 8, \"width\": 8, \"channels\": 1, \"normalization\": {\"mean\": [0.5],"
        + " \"std\": [0]}}"), "dataset.images.normalization.std[0]", "greater than 0");
    assertRefused(spec(CNN, "{\"height\": 8, \"width\": 8, \"channels\": 1, \"normalization\": \"minmax\"}"),
        "dataset.images.normalization", "\"scale\"");
  }

  @Test
  void augmentation_staysSmall() {
    assertRefused(spec(CNN, "{\"height\": 8, \"width\": 8, \"channels\": 1, \"augmentation\":"
        + " {\"rotation_degrees\": 90}}"), "dataset.images.augmentation.rotation_degrees", "from 0 (off) to 45");
    assertRefused(spec(CNN, "{\"height\": 8, \"width\": 8, \"channels\": 1, \"augmentation\":"
        + " {\"brightness\": -0.1}}"), "dataset.images.augmentation.brightness", "from 0 (off) to 1");
  }

  @Test
  void tabularFieldsAndRegression_areRefusedForImages() {
    assertRefused("""
        {"name": "d", "model": %s, "dataset": {"name": "neu", "images": %s, %s,
         "numeric_features": ["x"]}}""".formatted(CNN, GREY_32, CLASSES),
        "dataset.numeric_features", "image job");
    assertRefused("""
        {"name": "d", "task": "regression", "model": %s, "dataset": {"name": "neu", "images": %s}}"""
        .formatted(CNN, GREY_32), "task", "classifies images");
    assertRefused("""
        {"name": "d", "model": %s, "dataset": {"name": "neu", "images": %s}}""".formatted(CNN, GREY_32),
        "dataset.label_classes", "is required for an image job");
    assertRefused("""
        {"name": "d", "task": "binary", "model": %s, "dataset": {"name": "neu", "images": %s, %s}}"""
        .formatted(CNN, GREY_32, CLASSES), "dataset.label_classes", "3 classes, but task is \"binary\"");
  }

  @Test
  void theCnnTemplate_needsImages_andSequenceTemplatesRefuseThem() {
    assertRefused("""
        {"name": "d", "model": %s, "dataset": {"name": "t", "numeric_features": ["x"], "label": "y"}}"""
        .formatted(CNN), "model.template", "no dataset.images");
    assertRefused(spec("{\"template\": \"lstm\", \"units\": [4]}", GREY_32), "model.template", "image job");
    assertRefused(spec("{\"template\": \"cnn\", \"filters\": [4], \"kernel\": 4}", GREY_32), "model.kernel", "odd");
    assertRefused(spec("{\"template\": \"mlp\", \"hidden_layers\": [4], \"batch_norm\": \"none\"}", GREY_32),
        "model.batch_norm", "cnn");
  }

  @Test
  void localBatchNorm_isFedBN_withTheBatchNormValuesLocated_andAnUnknownModeIsRefused() {
    JobSpec spec = JobSpecParser.parse(spec("{\"template\": \"cnn\", \"filters\": [4, 8], \"batch_norm\": \"local\"}",
        GREY_32));
    assertEquals(ModelSpec.BatchNorm.LOCAL, spec.model().batchNorm());
    ModelDefinition model = ModelDefinition.fromJson(spec.modelConfigurationJson());
    io.factoryfl.core.model.BatchNormParameters batchNorm = model.batchNormParameters();
    // scale, shift, running mean and variance per channel of each convolution's batch normalisation
    assertEquals(4 * (4 + 8), batchNorm.count());
    float[] parameters = model.initialParameters();
    float[] own = new float[batchNorm.count()];
    java.util.Arrays.fill(own, 7f);
    float[] spliced = batchNorm.splice(parameters, own);
    assertArrayEquals(own, batchNorm.extract(spliced));
    int changed = 0;
    for (int i = 0; i < parameters.length; i++) {
      changed += parameters[i] != spliced[i] ? 1 : 0;
    }
    assertEquals(batchNorm.count(), changed, "only batch-normalisation coordinates change");
    assertTrue(ModelDefinition.fromJson(JobSpecParser.parse(spec(CNN, GREY_32)).modelConfigurationJson())
        .batchNormParameters().count() > 0, "aggregate keeps batch normalisation layers too");
    assertRefused(spec("{\"template\": \"cnn\", \"filters\": [4], \"batch_norm\": \"global\"}", GREY_32),
        "model.batch_norm", "\"aggregate\"", "\"local\"");
  }

  @Test
  void aConfiguration_mustTakeTheFlatImage() {
    JobSpec mlp = JobSpecParser.parse(spec("{\"template\": \"mlp\", \"hidden_layers\": [8]}",
        "{\"height\": 4, \"width\": 4, \"channels\": 1}"));
    String wrongSize = spec("{\"template\": \"mlp\", \"hidden_layers\": [8]}",
        "{\"height\": 4, \"width\": 5, \"channels\": 1}");
    JobSpecParser.parse(wrongSize);
    String configured = spec("{\"configuration\": " + mlp.modelConfigurationJson() + "}",
        "{\"height\": 4, \"width\": 5, \"channels\": 1}");
    assertRefused(configured, "model.configuration", "takes 16 inputs", "encode to 20", "convolutionalFlat(4, 5, 1)");
  }
}
