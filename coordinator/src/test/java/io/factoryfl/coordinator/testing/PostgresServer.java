package io.factoryfl.coordinator.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server for tests: a new cluster (initdb) in a temporary directory, started
 * with pg_ctl on a free port of 127.0.0.1 with trust authentication, its socket in that directory.
 * No Docker, nothing mocked: the Debian PostgreSQL binaries ({@code apt-get install -y
 * postgresql}), found in {@code $FACTORYFL_PG_BIN}, {@code /usr/lib/postgresql/<newest>/bin} or on
 * the PATH. PostgreSQL refuses to run as root, so a JVM running as root runs initdb and pg_ctl as
 * the {@code postgres} system user (or {@code nobody}) through {@code runuser}, and gives it the
 * cluster directory.
 *
 * <p>{@link #close()} stops the server and deletes the directory; a JVM shutdown hook does the
 * same if a test run ends without closing it. {@link #stop()} and {@link #start()} stop and start
 * the same cluster on the same port, to test what a store does while its server is down.
 */
public final class PostgresServer implements AutoCloseable {
  /** The database superuser every test connects as (trust authentication: no password). */
  public static final String USER = "factoryfl";
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
  private static final AtomicInteger DATABASES = new AtomicInteger();

  private final Path binaries;
  private final Optional<String> runAs;
  private final Path directory;
  private final int port;
  private final Duration startTime;
  private final Thread shutdownHook;
  private boolean running;
  private boolean closed;

  private PostgresServer(Path binaries, Optional<String> runAs, Path directory, int port, Duration startTime) {
    this.binaries = binaries;
    this.runAs = runAs;
    this.directory = directory;
    this.port = port;
    this.startTime = startTime;
    this.running = true;
    this.shutdownHook = new Thread(this::destroy, "postgres-server-cleanup");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * The directory of initdb and pg_ctl, or empty with the reason and how to install them.
   */
  public static Binaries binaries() {
    List<Path> candidates = new ArrayList<>();
    String configured = System.getenv("FACTORYFL_PG_BIN");
    if (configured != null && !configured.isBlank()) {
      candidates.add(Path.of(configured));
    }
    Path debian = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(debian)) {
      try (Stream<Path> versions = Files.list(debian)) {
        versions.sorted(Comparator.comparing(PostgresServer::majorVersion).reversed())
            .forEach(version -> candidates.add(version.resolve("bin")));
      } catch (IOException e) {
        // nothing usable there; the PATH may still have them
      }
    }
    for (String entry : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!entry.isEmpty()) {
        candidates.add(Path.of(entry));
      }
    }
    for (Path candidate : candidates) {
      if (Files.isExecutable(candidate.resolve("initdb")) && Files.isExecutable(candidate.resolve("pg_ctl"))) {
        return new Binaries(Optional.of(candidate.toAbsolutePath()), "");
      }
    }
    return new Binaries(Optional.empty(), "no PostgreSQL server binaries (initdb, pg_ctl) in $FACTORYFL_PG_BIN,"
        + " /usr/lib/postgresql/*/bin or on the PATH, so the PostgreSQL store tests are skipped. Install them"
        + " (Debian/Ubuntu, as root: apt-get install -y postgresql; .ci/run does this) or point FACTORYFL_PG_BIN"
        + " at the directory that holds initdb and pg_ctl");
  }

  /**
   * Where the server binaries are.
   *
   * @param missing why they were not found and how to install them; empty when found
   */
  public record Binaries(Optional<Path> directory, String missing) {}

  /**
   * Creates and starts a new cluster.
   *
   * @throws IllegalStateException if the binaries are missing or initdb/pg_ctl fail (with their output)
   */
  public static PostgresServer launch() {
    Path bin = binaries().directory().orElseThrow(() -> new IllegalStateException(binaries().missing()));
    Optional<String> runAs = isRoot() ? Optional.of(unprivilegedUser()) : Optional.empty();
    long began = System.nanoTime();
    Path directory;
    try {
      directory = Files.createTempDirectory("factoryfl-postgres-");
      if (runAs.isPresent()) {
        UserPrincipal owner = directory.getFileSystem().getUserPrincipalLookupService()
            .lookupPrincipalByName(runAs.get());
        Files.setOwner(directory, owner);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the PostgreSQL test cluster directory", e);
    }
    try {
      run(bin, runAs, directory, List.of(bin.resolve("initdb").toString(), "-D", directory.resolve("data").toString(),
          "-U", USER, "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"));
      int port = startOnFreePort(bin, runAs, directory);
      return new PostgresServer(bin, runAs, directory, port, Duration.ofNanos(System.nanoTime() - began));
    } catch (RuntimeException e) {
      deleteRecursively(directory);
      throw e;
    }
  }

  public int port() {
    return port;
  }

  /** How long initdb and the first start took together. */
  public Duration startTime() {
    return startTime;
  }

  /**
   * Creates a new, empty database.
   *
   * @return its URL for {@code --store}, e.g. {@code postgresql://factoryfl@127.0.0.1:PORT/test_3}
   */
  public String createDatabase() {
    String name = "test_" + DATABASES.incrementAndGet();
    run(binaries, runAs, directory, List.of(binaries.resolve("createdb").toString(), "-h", "127.0.0.1", "-p",
        Integer.toString(port), "-U", USER, name));
    return url(name);
  }

  /** The store URL of database {@code name} on this server. */
  public String url(String name) {
    return "postgresql://" + USER + "@127.0.0.1:" + port + "/" + name;
  }

  /** Stops the server (fast shutdown: connections are cut), keeping its data. */
  public synchronized void stop() {
    if (running) {
      pgCtl("stop", "-m", "fast");
      running = false;
    }
  }

  /** Starts the stopped server again, on the same port with the same data. */
  public synchronized void start() {
    if (!running) {
      startOn(binaries, runAs, directory, port);
      running = true;
    }
  }

  /** Stops the server and deletes its cluster. */
  @Override
  public synchronized void close() {
    if (!closed) {
      destroy();
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // the JVM is shutting down; the hook runs destroy again, which does nothing
      }
    }
  }

  private synchronized void destroy() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (running) {
        pgCtl("stop", "-m", "immediate");
      }
    } catch (RuntimeException e) {
      // the directory goes anyway; a server left behind dies when its directory is gone
    } finally {
      running = false;
      deleteRecursively(directory);
    }
  }

  private void pgCtl(String... arguments) {
    List<String> command = new ArrayList<>(List.of(binaries.resolve("pg_ctl").toString(), "-D",
        directory.resolve("data").toString(), "-w", "-t", Long.toString(COMMAND_TIMEOUT.toSeconds())));
    command.addAll(List.of(arguments));
    run(binaries, runAs, directory, command);
  }

  private static int startOnFreePort(Path bin, Optional<String> runAs, Path directory) {
    IllegalStateException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      int port = freePort();
      try {
        startOn(bin, runAs, directory, port);
        return port;
      } catch (IllegalStateException e) {
        last = e; // another process took the port between the probe and the start
      }
    }
    throw last;
  }

  private static void startOn(Path bin, Optional<String> runAs, Path directory, int port) {
    // fsync off: a test cluster need not survive a power loss, and every test gets faster
    String options = "-p " + port + " -k " + directory + " -c listen_addresses=127.0.0.1 -c fsync=off"
        + " -c max_connections=200";
    run(bin, runAs, directory, List.of(bin.resolve("pg_ctl").toString(), "-D", directory.resolve("data").toString(),
        "-l", directory.resolve("server.log").toString(), "-o", options, "-w", "-t",
        Long.toString(COMMAND_TIMEOUT.toSeconds()), "start"));
  }

  private static void run(Path bin, Optional<String> runAs, Path directory, List<String> command) {
    List<String> full = new ArrayList<>();
    runAs.ifPresent(user -> full.addAll(List.of("runuser", "-u", user, "--")));
    full.addAll(command);
    ProcessBuilder builder = new ProcessBuilder(full).directory(directory.toFile()).redirectErrorStream(true);
    builder.environment().put("LC_ALL", "C");
    builder.environment().remove("PGPASSWORD");
    String output;
    try {
      Process process = builder.start();
      // pg_ctl start leaves the server running with our pipe as its stdout unless -l is given (it is)
      output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(String.join(" ", full) + " did not finish within " + COMMAND_TIMEOUT);
      }
      if (process.exitValue() != 0) {
        String log = "";
        Path serverLog = directory.resolve("server.log");
        if (Files.exists(serverLog)) {
          log = "\nserver log:\n" + Files.readString(serverLog, StandardCharsets.UTF_8);
        }
        throw new IllegalStateException(String.join(" ", full) + " failed with exit code " + process.exitValue()
            + ":\n" + output + log);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + String.join(" ", full), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + String.join(" ", full), e);
    }
  }

  private static boolean isRoot() {
    try {
      return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  /** The system user that runs the cluster when the tests run as root: postgres if it exists. */
  private static String unprivilegedUser() {
    try {
      for (String line : Files.readAllLines(Path.of("/etc/passwd"), StandardCharsets.UTF_8)) {
        if (line.startsWith("postgres:")) {
          return "postgres";
        }
      }
    } catch (IOException e) {
      // fall back below
    }
    return "nobody";
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1 for the PostgreSQL test server", e);
    }
  }

  private static int majorVersion(Path versionDirectory) {
    try {
      return Integer.parseInt(versionDirectory.getFileName().toString());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static void deleteRecursively(Path path) {
    try {
      if (Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(path)) {
          for (Path entry : entries) {
            deleteRecursively(entry);
          }
        }
      }
      Files.deleteIfExists(path);
    } catch (IOException e) {
      // a temporary directory; what is left is in the system's temp dir
    }
  }
}
