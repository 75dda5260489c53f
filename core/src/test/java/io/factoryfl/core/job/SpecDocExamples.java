package io.factoryfl.core.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fenced examples of a documentation page, for the tests that hold the page to the parser:
 * {@code json} blocks the parser accepts, {@code json refused} blocks each followed by a {@code
 * text} block with the exact message the parser refuses it with.
 */
final class SpecDocExamples {
  /** A fenced block: group 1 its info string, group 2 its body. */
  static final Pattern FENCE =
      Pattern.compile("^```([a-z ]*)\\n(.*?)^```$", Pattern.DOTALL | Pattern.MULTILINE);

  /** One fenced block: its info string ({@code json}, {@code json refused}, {@code text}...) and body. */
  record Block(String info, String body) {}

  private SpecDocExamples() {}

  /** The page's fenced blocks, in order. */
  static List<Block> blocks(Path page) throws IOException {
    List<Block> blocks = new ArrayList<>();
    Matcher fence = FENCE.matcher(Files.readString(page));
    while (fence.find()) {
      blocks.add(new Block(fence.group(1).strip(), fence.group(2)));
    }
    return blocks;
  }

  /**
   * Asserts that every {@code json refused} example of {@code page} is refused with exactly the
   * message in the {@code text} block after it.
   *
   * @return how many refused examples the page has
   */
  static int assertRefusedExamples(Path page) throws IOException {
    List<Block> blocks = blocks(page);
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
    return refused;
  }
}
