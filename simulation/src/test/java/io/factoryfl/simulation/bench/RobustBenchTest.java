package io.factoryfl.simulation.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RobustBenchTest {
  @TempDir Path temp;

  @Test
  void run_measuresEveryRuleAgainstFedAvgAndWritesTheTable() throws Exception {
    Path file = temp.resolve("robust.md");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int status = RobustBench.run(new String[] {"--participants", "12", "--dim", "3000",
        "--repeats", "1", "--out", file.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    assertEquals(0, status);
    String table = Files.readString(file);
    for (String rule : new String[] {"| fedavg |", "| fedavg + clip_norm |", "| median |",
        "| trimmed_mean (f=1) |", "| multi_krum (f=1) |"}) {
      assertTrue(table.contains(rule), rule + " missing from\n" + table);
    }
    assertTrue(table.contains("N = 12 updates, d = 3000 parameters"), table);
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("written to " + file));
  }

  @Test
  void run_refusesTooFewParticipantsForTheRulesWithAUsageError() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = RobustBench.run(new String[] {"--participants", "3"},
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(2, status);
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("--participants"), err.toString());
  }
}
