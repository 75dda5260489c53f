package io.factoryfl.simulation;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One factory's participant node as its own operating-system process, started in its site
 * directory from its config file. Its standard output and error go to {@code participant.log}
 * there, which also records (lines starting {@code factoryfl simulate:}) every start and kill by
 * the simulator; {@code participant.pid} holds the current process's id. Started again after a
 * kill, it appends to the same log.
 */
final class ParticipantProcess {
  static final String LOG = "participant.log";
  static final String PID = "participant.pid";
  private static final int TAIL_LINES = 15;

  private final String factory;
  private final Path site;
  private final List<String> command;
  private Process process;
  private int starts;
  /** The runs the simulator ended itself, whose exits are no failure. */
  private final Set<Process> ended = ConcurrentHashMap.newKeySet();
  /** Set by {@link #stop}: the process is never started again. */
  private boolean stopped;

  ParticipantProcess(String factory, Path config, ParticipantCommand command) {
    this.factory = factory;
    this.site = config.toAbsolutePath().getParent();
    this.command = command.forConfig(config);
  }

  String factory() {
    return factory;
  }

  Path log() {
    return site.resolve(LOG);
  }

  /** Starts the process (again, after a kill) unless it was stopped; {@link #onExit} then follows this run. */
  synchronized void start() throws IOException {
    if (stopped) {
      return;
    }
    starts++;
    note("starting the participant process (start " + starts + "): " + String.join(" ", command));
    ProcessBuilder builder = new ProcessBuilder(command).directory(site.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()));
    // as the launcher: the small models train ~25x faster without OpenMP thread fan-out
    builder.environment().put("OMP_NUM_THREADS", "1");
    process = builder.start();
    Files.writeString(site.resolve(PID), process.pid() + "\n", StandardCharsets.UTF_8);
  }

  synchronized boolean alive() {
    return process != null && process.isAlive();
  }

  /** The current run's exit, with whether the simulator ended it itself. */
  synchronized CompletableFuture<Exit> onExit() {
    return process.onExit().thenApply(done -> new Exit(done.pid(), done.exitValue(), ended.contains(done)));
  }

  /** SIGKILL, as a crashed machine: the process and anything it started get no chance to write more. */
  void kill(String why) throws InterruptedException {
    Process run;
    synchronized (this) {
      run = process;
    }
    if (run == null) {
      return;
    }
    ended.add(run);
    // descendants first: once the process is gone they would be orphans no longer listed under it
    List<ProcessHandle> children = run.descendants().toList();
    run.destroyForcibly();
    children.forEach(ProcessHandle::destroyForcibly);
    run.waitFor(10, TimeUnit.SECONDS);
    note("killed pid " + run.pid() + " (SIGKILL) " + why);
  }

  /**
   * Ends the process and its descendants: SIGTERM, so the participant's own shutdown hook stops
   * its agent, then SIGKILL for whatever is still running after {@code graceMillis}.
   */
  void stop(long graceMillis) throws InterruptedException {
    Process run;
    synchronized (this) {
      stopped = true;
      run = process;
    }
    if (run == null) {
      return;
    }
    ended.add(run);
    List<ProcessHandle> children = run.descendants().toList();
    run.destroy();
    children.forEach(ProcessHandle::destroy);
    if (!run.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
      run.destroyForcibly();
    }
    children.forEach(ProcessHandle::destroyForcibly);
  }

  /** The last lines of the log, each indented, for a report that the process failed. */
  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log(), StandardCharsets.UTF_8);
      StringBuilder tail = new StringBuilder();
      for (String line : lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size())) {
        tail.append("\n    ").append(line);
      }
      return tail.toString();
    } catch (IOException e) {
      return "\n    (the log cannot be read: " + e.getMessage() + ")";
    }
  }

  private void note(String line) {
    try {
      Files.writeString(log(), "factoryfl simulate: " + line + "\n", StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      // the log only; the process itself is unaffected
    }
  }

  /**
   * How one run ended.
   *
   * @param code the exit code (128 + N when signal N ended it)
   * @param planned the simulator ended it (a crash fault, or the simulation's end)
   */
  record Exit(long pid, int code, boolean planned) {
    /** What the code means, for a report. */
    String meaning() {
      if (code == 3) {
        return "code 3: out of heap; raise --process-heap";
      }
      return code > 128 ? "code " + code + ": ended by signal " + (code - 128) : "code " + code;
    }
  }
}
