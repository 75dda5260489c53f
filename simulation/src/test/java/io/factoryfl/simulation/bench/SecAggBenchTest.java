package io.factoryfl.simulation.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecAggBenchTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return SecAggBench.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void run_smallRoundWithDropouts_printsOneJsonLineAndAppendsItToTheFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("results/secagg.jsonl");
    assertEquals(0, run("secagg", "--participants", "12", "--dim", "300", "--dropout", "0.25", "--neighbours", "8",
        "--warmup", "0", "--out", file.toString()), err());
    String line = out().strip();
    assertTrue(line.startsWith("{\"benchmark\":\"secagg\",\"participants\":12,\"dim\":300,\"dropout\":0.25,"
        + "\"neighbours\":8,\"threshold\":5,"), line);
    for (String field : List.of("\"dropped\":3", "\"outcome\":\"completed\"", "\"client_ms\":", "\"coordinator_ms\":",
        "\"plain_ms\":")) {
      assertTrue(line.contains(field), field + " missing in " + line);
    }
    assertEquals(List.of(line), Files.readAllLines(file));
    run("--participants", "12", "--dim", "300", "--warmup", "0", "--out", file.toString());
    assertEquals(2, Files.readAllLines(file).size());
  }

  @Test
  void run_help_printsUsage() {
    assertEquals(0, run("--help"));
    assertTrue(out().startsWith("Usage: factoryfl bench secagg [options]"), out());
  }

  @Test
  void run_badFlags_exitWithTwoAndSayWhy() {
    assertEquals(2, run("--dropout", "1"));
    assertTrue(err().startsWith("bench secagg: invalid --dropout '1': expected a fraction from 0 to below 1"), err());
    assertEquals(2, run("--participants", "10", "--threshold", "3", "--neighbours", "8"));
    assertTrue(err().contains("threshold 3 must be from 5"), err());
    assertEquals(2, run("--speed", "3"));
    assertTrue(err().contains("unknown option '--speed'"), err());
  }

  @Test
  void run_roundThatCannotComplete_reportsTheAbortAndExitsWithOne() {
    assertEquals(1, run("--participants", "6", "--dim", "10", "--dropout", "0.5", "--neighbours", "2",
        "--warmup", "0"));
    assertTrue(out().contains("\"outcome\":\"aborted\",\"reason\":\"the round cannot complete"), out());
    assertTrue(err().startsWith("bench secagg: the round aborted: the round cannot complete"), err());
  }
}
