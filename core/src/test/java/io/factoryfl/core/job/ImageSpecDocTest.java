package io.factoryfl.core.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.factoryfl.core.data.ImageSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/images.md stays true: its job spec parses to what the page says, and every {@code ```json
 * refused} block fails with the message in the {@code ```text} block after it.
 */
class ImageSpecDocTest {
  private static final Path DOC = Path.of("..", "docs", "images.md");
  private static final Pattern FENCE =
      Pattern.compile("^```([a-z ]*)\\n(.*?)^```$", Pattern.DOTALL | Pattern.MULTILINE);

  private record Block(String info, String body) {}

  @Test
  void theExample_parsesToTheImagesAndModelThePageDescribes() throws IOException {
    List<Block> accepted = blocks().stream().filter(b -> b.info().equals("json")).toList();
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
    List<Block> blocks = blocks();
    int refused = 0;
    for (int i = 0; i < blocks.size(); i++) {
      if (!blocks.get(i).info().equals("json refused")) {
        continue;
      }
      refused++;
      String spec = blocks.get(i).body();
      Block message = blocks.get(i + 1);
      assertEquals("text", message.info(), "the block after a refused example holds its message");
      InvalidJobSpecException e = assertThrows(InvalidJobSpecException.class, () -> JobSpecParser.parse(spec), spec);
      assertEquals(message.body().strip(), e.getMessage());
    }
    assertEquals(4, refused, "refused examples in " + DOC);
  }

  private static List<Block> blocks() throws IOException {
    List<Block> blocks = new ArrayList<>();
    Matcher fence = FENCE.matcher(Files.readString(DOC));
    while (fence.find()) {
      blocks.add(new Block(fence.group(1).strip(), fence.group(2)));
    }
    return blocks;
  }
}
