package io.factoryfl.simulation.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AggregationBenchTest {
  @TempDir Path dir;

  @Test
  void theReport_setsTheFoldAgainstTheMeasuredBandwidth_andIsWrittenToItsFile() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    Path file = dir.resolve("aggregation.md");

    int code = AggregationBench.run(new String[] {"--parameters", "1000000", "--repeats", "1", "--out", file.toString()},
        out, out);

    assertEquals(0, code, bytes.toString(StandardCharsets.UTF_8));
    String report = Files.readString(file);
    Matcher ratio = Pattern.compile("\\| fold / bandwidth \\| \\| ([0-9.]+) \\|").matcher(report);
    assertTrue(ratio.find(), report);
    assertTrue(Double.parseDouble(ratio.group(1)) > 0, report);
    assertTrue(report.contains("(20 bytes/parameter)"), report);
  }

  @Test
  void aModelBelowAMillionParameters_isRefusedNamingTheFlag() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    int code = AggregationBench.run(new String[] {"--parameters", "10"}, out, out);

    assertEquals(2, code);
    assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("--parameters"), bytes.toString(StandardCharsets.UTF_8));
  }
}
