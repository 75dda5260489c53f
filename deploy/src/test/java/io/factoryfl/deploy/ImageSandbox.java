package io.factoryfl.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs an unpacked image's entrypoint the way a container runtime would, with util-linux's
 * {@code unshare}: a mount and PID namespace, the image's root, working directory, user and
 * environment, a fresh /proc, the host's /dev/null, /dev/zero, /dev/random and /dev/urandom bound in
 * and an /etc/hosts that names localhost. The host's network is shared (the tests reach the
 * servers on 127.0.0.1). As root (CI) the program runs as the image's user; otherwise it runs as
 * root of a user namespace ({@code unshare --map-root-user}), which cannot map the image's user.
 */
final class ImageSandbox {
  // The outer unshare gives a private mount namespace for the binds; the inner one enters the
  // image's root with its own PID namespace, so --kill-child ends the whole tree on close.
  private static final String ENTER = """
      set -e
      root="$1" wd="$2" uid="$3" gid="$4"; shift 4
      for device in null zero random urandom; do
        : > "$root/dev/$device"; mount --bind "/dev/$device" "$root/dev/$device"
      done
      set -- --pid --fork --kill-child --mount-proc=/proc --root="$root" --wd="$wd" ${uid:+--setuid "$uid" --setgid "$gid"} -- "$@"
      exec unshare "$@"
      """;

  private final ContainerImage image;
  private final Path logs;
  private final boolean asImageUser;
  private int runs;

  ImageSandbox(ContainerImage image, Path logs) throws IOException {
    this.image = image;
    this.logs = Files.createDirectories(logs);
    this.asImageUser = ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    Files.createDirectories(image.root().resolve("proc"));
    Files.createDirectories(image.root().resolve("dev"));
    Files.writeString(image.root().resolve("etc/hosts"), "127.0.0.1 localhost\n::1 localhost\n");
  }

  /** Whether the program runs as the image's user (true when the tests run as root). */
  boolean asImageUser() {
    return asImageUser;
  }

  /** Runs the image with {@code args} ({@code null}: its default arguments) until it exits. */
  Result run(List<String> args) throws IOException, InterruptedException {
    Running running = start(args);
    if (!running.process().waitFor(3, TimeUnit.MINUTES)) {
      running.close();
      throw new IOException("the image's command did not end within 3 minutes: " + args);
    }
    return new Result(running.process().exitValue(), running.stdout(), running.stderr());
  }

  /** Starts the image with {@code args}; its output goes to files read by {@link Running}. */
  Running start(List<String> args) throws IOException {
    String[] user = image.user().split(":");
    List<String> command = new ArrayList<>(List.of("unshare"));
    if (!asImageUser) {
      command.add("--map-root-user");
    }
    command.addAll(List.of("--mount", "--fork", "--kill-child", "--", "/bin/sh", "-c", ENTER, "enter",
        image.root().toString(), image.workingDir(), asImageUser ? user[0] : "",
        asImageUser && user.length > 1 ? user[1] : ""));
    command.addAll(image.command(args));
    int run = ++runs;
    Path stdout = logs.resolve(run + ".out");
    Path stderr = logs.resolve(run + ".err");
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
    builder.environment().clear();
    builder.environment().putAll(image.env());
    return new Running(builder.start(), stdout, stderr);
  }

  /** What a finished run printed and how it ended. */
  record Result(int exitCode, String stdout, String stderr) {}

  /** A started run; closing it ends the run and everything it started. */
  record Running(Process process, Path stdoutFile, Path stderrFile) implements AutoCloseable {
    String stdout() throws IOException {
      return Files.readString(stdoutFile, StandardCharsets.UTF_8);
    }

    String stderr() throws IOException {
      return Files.readString(stderrFile, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws InterruptedException {
      // the entrypoint's JVM runs under the image's user below unshare and the shell that enters the
      // image; --kill-child reaches the shell only, so the JVM is ended here as well
      List<ProcessHandle> started = process.descendants().toList();
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
      for (ProcessHandle child : started) {
        child.destroyForcibly();
        child.onExit().orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> child).join();
      }
    }
  }
}
