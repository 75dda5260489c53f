package io.factoryfl.participant.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.bundle.BundleCard;
import io.factoryfl.core.bundle.ModelBundle;
import io.factoryfl.core.data.FeatureSchema;
import io.factoryfl.core.data.Normalization;
import io.factoryfl.core.job.JobSpec;
import io.factoryfl.core.job.JobSpecParser;
import io.factoryfl.core.model.MlpTemplate;
import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.core.params.ModelHash;
import io.factoryfl.core.task.LabelClip;
import io.factoryfl.core.task.LabelScale;
import io.factoryfl.core.task.TaskKind;
import io.factoryfl.participant.data.TestImages;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code factoryfl predict} and {@code evaluate} with an image model's bundle on the layouts a
 * plant keeps its images in (class subfolders, a flat folder, a folder and a listing CSV), and the
 * messages for what does not fit.
 */
class ImagePredictCommandTest {
  private static final String SPEC = """
      {"name": "stripes", "model": {"template": "cnn", "filters": [2], "hidden_layers": [4]},
       "dataset": {"name": "parts", "label_classes": ["horizontal", "vertical", "dot"],
                   "images": {"height": 6, "width": 6, "channels": 1,
                              "augmentation": {"horizontal_flip": true}}}}""";

  @TempDir Path dir;

  /** An untrained cnn's bundle: scoring, not learning, is under test here. */
  private Path imageBundle() throws IOException {
    JobSpec spec = JobSpecParser.parse(SPEC);
    ModelDefinition model = ModelDefinition.fromJson(spec.modelConfigurationJson());
    float[] parameters = model.initialParameters();
    BundleCard card = new BundleCard("job-img", spec.name(), 2, ModelHash.of(model.json(), parameters), "spec-hash",
        spec.datasetName(), spec.schema(), Normalization.identity(spec.schema().numericColumns().size()),
        spec.task().kind(), LabelClip.NONE, LabelScale.IDENTITY, "mse", 100, Optional.empty(), spec.images());
    Path file = dir.resolve("bundle.zip");
    new ModelBundle(card, model, parameters).write(file);
    return file;
  }

  private static void image(Path file, int value) throws IOException {
    TestImages.grey(file, 6, 6, (x, y) -> (x + y) % 2 == 0 ? value : 255 - value);
  }

  private record Run(int code, String out, String err) {}

  private static Run run(String command, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = PredictCommand.run(command, args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void predict_onClassFolders_writesEachImagesPathClassAndProbabilities_inTheSitesOrder() throws Exception {
    Path bundle = imageBundle();
    Path folder = dir.resolve("eval");
    image(folder.resolve("vertical/b.png"), 10);
    image(folder.resolve("horizontal/z.png"), 200);
    image(folder.resolve("horizontal/a.png"), 90);
    Files.writeString(folder.resolve("horizontal/notes.txt"), "not an image");
    Path predictions = dir.resolve("out/predictions.csv");

    Run run = run("predict", "--model", bundle.toString(), "--images", folder.toString(), "--out",
        predictions.toString());

    assertEquals(0, run.code(), run.err());
    assertTrue(run.out().contains("wrote 3 predictions of model"), run.out());
    List<String> lines = Files.readAllLines(predictions);
    assertEquals("path,predicted_class,p_horizontal,p_vertical,p_dot", lines.get(0));
    assertEquals(4, lines.size(), lines.toString());
    assertTrue(lines.get(1).startsWith("horizontal/a.png,"), lines.get(1));
    assertTrue(lines.get(2).startsWith("horizontal/z.png,"), lines.get(2));
    assertTrue(lines.get(3).startsWith("vertical/b.png,"), lines.get(3));
    String[] row = lines.get(1).split(",");
    assertTrue(List.of("horizontal", "vertical", "dot").contains(row[1]), lines.get(1));
    assertEquals(1, Double.parseDouble(row[2]) + Double.parseDouble(row[3]) + Double.parseDouble(row[4]), 1e-5);
  }

  @Test
  void predict_onAFlatFolderOfUnlabelledImages_andOnAListingWithoutLabels() throws Exception {
    Path bundle = imageBundle();
    Path folder = dir.resolve("line-3");
    image(folder.resolve("cam2.png"), 30);
    image(folder.resolve("cam1.png"), 60);
    Path flat = dir.resolve("flat.csv");
    assertEquals(0, run("predict", "--model", bundle.toString(), "--images", folder.toString(), "--out",
        flat.toString()).code());
    List<String> lines = Files.readAllLines(flat);
    assertEquals(3, lines.size());
    assertTrue(lines.get(1).startsWith("cam1.png,") && lines.get(2).startsWith("cam2.png,"), lines.toString());

    Path listing = dir.resolve("today.csv");
    Files.writeString(listing, "path,shift\ncam2.png,night\n");
    Path listed = dir.resolve("listed.csv");
    Run run = run("predict", "--model", bundle.toString(), "--images", folder.toString(), "--listing",
        listing.toString(), "--out", listed.toString());
    assertEquals(0, run.code(), run.err());
    List<String> one = Files.readAllLines(listed);
    assertEquals(2, one.size());
    assertEquals(lines.get(2), one.get(1), "an image scores the same, listed or found");
  }

  @Test
  void evaluate_onClassFolders_printsTheMultiClassMetricsAndConfusionMatrix() throws Exception {
    Path bundle = imageBundle();
    Path folder = dir.resolve("eval");
    image(folder.resolve("horizontal/a.png"), 90);
    image(folder.resolve("vertical/b.png"), 10);
    image(folder.resolve("vertical/c.png"), 40);

    Run run = run("evaluate", "--model", bundle.toString(), "--images", folder.toString());

    assertEquals(0, run.code(), run.err());
    assertTrue(run.out().contains("on 3 images:"), run.out());
    assertTrue(run.out().contains("macro_f1") && run.out().contains("recall[vertical]"), run.out());
    assertTrue(run.out().contains("confusion matrix (rows: true class, columns: predicted), classes"
        + " [horizontal, vertical, dot]"), run.out());
  }

  @Test
  void evaluate_readsTheClassFromTheListingsOwnColumn_mappedWithColumns() throws Exception {
    Path bundle = imageBundle();
    image(dir.resolve("imgs/1.png"), 90);
    Path listing = dir.resolve("eval.csv");
    Files.writeString(listing, "path,defect_type\nimgs/1.png,vertical\n");

    Run unmapped = run("evaluate", "--model", bundle.toString(), "--images", dir.toString(), "--listing",
        listing.toString());
    assertEquals(1, unmapped.code());
    assertTrue(unmapped.err().contains("has no column 'label'"), unmapped.err());

    Run mapped = run("evaluate", "--model", bundle.toString(), "--images", dir.toString(), "--listing",
        listing.toString(), "--columns", "label=defect_type");
    assertEquals(0, mapped.code(), mapped.err());
    assertTrue(mapped.out().contains("on 1 images:"), mapped.out());
  }

  @Test
  void anImageModelGivenACsv_isToldToUseImages_andATableModelGivenImages_isToldToUseData() throws Exception {
    Path bundle = imageBundle();
    Run csv = run("predict", "--model", bundle.toString(), "--data", "rows.csv", "--out", "p.csv");
    assertEquals(2, csv.code());
    assertTrue(csv.err().contains("the model of job job-img reads images (6 x 6 pixels, 1 channel), not CSV rows;"
        + " give the image folder with --images FOLDER [--listing LISTING.csv]"), csv.err());

    FeatureSchema schema = new FeatureSchema(List.of("x"), List.of(), "y", List.of("ok", "bad"));
    ModelDefinition mlp = ModelDefinition.fromJson(MlpTemplate.configurationJson(1, List.of(2), 2, 1e-3, 5));
    float[] parameters = mlp.initialParameters();
    Path table = dir.resolve("table.zip");
    new ModelBundle(new BundleCard("job-tab", "t", 1, ModelHash.of(mlp.json(), parameters), "s", "d", schema,
        Normalization.identity(1), TaskKind.BINARY, LabelClip.NONE, LabelScale.IDENTITY, "mse", 100), mlp, parameters)
        .write(table);
    Run images = run("evaluate", "--model", table.toString(), "--images", dir.toString());
    assertEquals(2, images.code());
    assertTrue(images.err().contains("the model of job job-tab reads table rows, not images; give its CSV file"
        + " with --data FILE.csv"), images.err());
  }

  @Test
  void whatDoesNotFit_isNamedWithTheFix() throws Exception {
    Path bundle = imageBundle();
    Run missing = run("predict", "--model", bundle.toString(), "--images", dir.resolve("nowhere").toString(),
        "--out", "p.csv");
    assertEquals(1, missing.code());
    assertTrue(missing.err().contains("nowhere is not a folder; give the folder that holds the images"),
        missing.err());

    TestImages.grey(dir.resolve("big/x.png"), 8, 6, (x, y) -> 0);
    Run size = run("predict", "--model", bundle.toString(), "--images", dir.resolve("big").toString(), "--out",
        dir.resolve("p.csv").toString());
    assertEquals(1, size.code());
    assertTrue(size.err().contains("image 'x.png' is 8 x 6 (height x width), but the job reads 6 x 6"),
        size.err());
    assertTrue(!Files.exists(dir.resolve("p.csv")), "no partial predictions file");

    Path listing = dir.resolve("escape.csv");
    Files.writeString(listing, "path\n../secret.png\n");
    Run outside = run("predict", "--model", bundle.toString(), "--images", dir.resolve("big").toString(),
        "--listing", listing.toString(), "--out", dir.resolve("p.csv").toString());
    assertEquals(1, outside.code());
    assertTrue(outside.err().contains("line 2 lists '../secret.png', which is not a path inside the --images"
        + " folder"), outside.err());

    image(dir.resolve("flat/a.png"), 10);
    Run unlabelled = run("evaluate", "--model", bundle.toString(), "--images", dir.resolve("flat").toString());
    assertEquals(1, unlabelled.code());
    assertTrue(unlabelled.err().contains("expected one subfolder per class [horizontal, vertical, dot]"),
        unlabelled.err());
  }
}
