package io.factoryfl.coordinator.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Makes a directory unwritable for the test's process until closed: {@code chmod a-w} for an
 * ordinary user; for root, whom permissions do not stop, the immutable attribute ({@code chattr
 * +i}), which stops root too. Skips the test, saying why, where neither works.
 */
public final class ReadOnlyDirectory implements AutoCloseable {
  private final Path directory;
  private final Set<PosixFilePermission> before;
  private final boolean immutable;

  private ReadOnlyDirectory(Path directory, Set<PosixFilePermission> before, boolean immutable) {
    this.directory = directory;
    this.before = before;
    this.immutable = immutable;
  }

  public static ReadOnlyDirectory of(Path directory) throws IOException, InterruptedException {
    Set<PosixFilePermission> before = Files.getPosixFilePermissions(directory);
    Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("r-xr-xr-x"));
    if (!writable(directory)) {
      return new ReadOnlyDirectory(directory, before, false);
    }
    Files.setPosixFilePermissions(directory, before); // root: permissions do not stop it
    String result = run("chattr", "+i", directory.toString());
    Assumptions.assumeTrue(result.isEmpty() && !writable(directory), "cannot make " + directory + " read-only: the"
        + " test runs as root, which ignores permissions, and 'chattr +i' did not work (" + result + ")");
    return new ReadOnlyDirectory(directory, before, true);
  }

  private static boolean writable(Path directory) {
    try {
      Files.delete(Files.createTempFile(directory, "probe", ".tmp"));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Runs a command; empty if it succeeded, else its output. */
  private static String run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      return String.join(" ", command) + " did not finish";
    }
    return process.exitValue() == 0 ? "" : output.isEmpty() ? "exit " + process.exitValue() : output;
  }

  /** Makes the directory writable again. */
  @Override
  public void close() throws IOException, InterruptedException {
    if (immutable) {
      String result = run("chattr", "-i", directory.toString());
      if (!result.isEmpty()) {
        throw new IOException("cannot clear the immutable attribute of " + directory + ": " + result);
      }
    } else {
      Files.setPosixFilePermissions(directory, before);
    }
  }
}
