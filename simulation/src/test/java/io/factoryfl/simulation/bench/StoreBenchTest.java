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

/** The store benchmark writes a table with one row per store and the ratio to in-memory. */
class StoreBenchTest {
  @TempDir
  Path directory;

  @Test
  void aShortRun_writesARowPerStore_withTheRatioToInMemory() throws Exception {
    Path out = directory.resolve("store.md");
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    int status = StoreBench.run(new String[] {"--rounds", "3", "--dim", "16", "--data", directory.toString(),
        "--out", out.toString()}, new PrintStream(stdout, true, StandardCharsets.UTF_8),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

    assertEquals(0, status);
    String table = Files.readString(out);
    assertTrue(table.contains("| in-memory | ") && table.contains("| 1 | "), table);
    assertTrue(table.contains("| embedded (SQLite) | ") && table.contains("embedded store in " + directory), table);
    assertTrue(stdout.toString(StandardCharsets.UTF_8).endsWith("written to " + out + "\n"));
  }

  @Test
  void anUnknownStoreUrl_isAUsageError() {
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    int status = StoreBench.run(new String[] {"--rounds", "1", "--data", directory.toString(), "--postgres",
        "mysql://db/x", "--out", directory.resolve("t.md").toString()},
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
        new PrintStream(stderr, true, StandardCharsets.UTF_8));
    assertEquals(2, status);
    assertTrue(stderr.toString(StandardCharsets.UTF_8).contains("it must start with postgresql://"),
        stderr.toString(StandardCharsets.UTF_8));
  }
}
