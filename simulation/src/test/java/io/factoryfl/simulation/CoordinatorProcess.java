package io.factoryfl.simulation;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test fixture: a coordinator as its own operating-system process ({@code CoordinatorMain serve},
 * exactly as {@code factoryfl coordinator} runs it), so a test can kill it with SIGKILL and start
 * another on the same data directory and port. Its output goes to a log file beside the data.
 */
final class CoordinatorProcess implements AutoCloseable {
  private final List<String> command;
  private final int port;
  private final Path log;
  private Process process;
  private int starts;

  /**
   * @param arguments the {@code serve} options after the port (certificates, data, CA)
   */
  CoordinatorProcess(int port, Path log, List<String> arguments) {
    this.port = port;
    this.log = log;
    List<String> all = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1g", "-cp", System.getProperty("java.class.path"), "io.factoryfl.coordinator.CoordinatorMain",
        "serve", "--port", Integer.toString(port), "--bind", "127.0.0.1"));
    all.addAll(arguments);
    this.command = List.copyOf(all);
  }

  /** A port free right now on the loopback interface. */
  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** Starts the process without waiting for it to listen (a standby does not until it takes over). */
  void launch() throws IOException {
    starts++;
    Path output = log.resolveSibling(log.getFileName() + "." + starts);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(output.toFile());
    builder.environment().put("OMP_NUM_THREADS", "1");
    process = builder.start();
  }

  /**
   * Waits until the process has printed {@code text}.
   *
   * @return the time it was first seen, in System.nanoTime() units
   */
  long awaitOutput(String text, int seconds) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      if (output().contains(text)) {
        return System.nanoTime();
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("the coordinator exited with " + process.exitValue() + " before printing '"
            + text + "':\n" + output());
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("the coordinator did not print '" + text + "' within " + seconds + " s:\n"
        + output());
  }

  /** Starts the process and waits until it accepts connections. */
  void start() throws IOException, InterruptedException {
    launch();
    Path output = log.resolveSibling(log.getFileName() + "." + starts);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the coordinator exited with " + process.exitValue() + ":\n"
            + Files.readString(output));
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException("the coordinator did not listen on port " + port + " within 60 s:\n"
        + Files.readString(output));
  }

  /** SIGKILL: the process gets no chance to write anything more. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** The end of what the coordinator printed in its latest run, for a failed assertion's message. */
  String outputTail() {
    try {
      String text = output();
      return "coordinator output (end):\n" + text.substring(Math.max(0, text.length() - 6000));
    } catch (IOException e) {
      return "(coordinator output unreadable: " + e.getMessage() + ")";
    }
  }

  /** What the coordinator printed in its latest run. */
  String output() throws IOException {
    return Files.readString(log.resolveSibling(log.getFileName() + "." + starts));
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        kill();
      }
    }
  }
}
