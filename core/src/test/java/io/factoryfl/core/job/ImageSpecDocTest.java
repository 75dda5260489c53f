package io.factoryfl.core.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.factoryfl.core.data.ImageSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docs/images.md stays true: its job spec parses to what the page says, and every {@code ```json
 * refused} block fails with the message in the {@code ```text} block after it.
 */
class ImageSpecDocTest {
  private static final Path DOC = Path.of("..", "docs", "images.md");


  @Test
  void theExample_parsesToTheImagesAndModelThePageDescribes() throws IOException {
    List<SpecDocExamples.Block> accepted =
        SpecDocExamples.blocks(DOC).stream().filter(b -> b.info().equals("json")).toList();
    assertEquals(1, accepted.size(), "json examples in " + DOC);
    JobSpec spec = JobSpecParser.parse(accepted.get(0).body());
    ImageSpec images = spec.images().orElseThrow();
    assertEquals(200 * 200, spec.numInputs());
    assertEquals(10, images.augmentation().rotationDegrees());
    assertEquals("class", spec.schema().labelColumn());
    String doc = Files.readString(DOC);
    long parameters = JobSpecParser.parameterCount(spec);
    assertEquals(true, doc.contains(String.format(java.util.Locale.ROOT, "%,d parameters in all", parameters)),
        "the page states the example's parameter count, " + parameters);
  }

  @Test
  void everyRefusedExample_failsWithTheMessageShownUnderIt() throws IOException {
    assertEquals(4, SpecDocExamples.assertRefusedExamples(DOC), "refused examples in " + DOC);
  }
}
