package io.factoryfl.simulation;

import io.factoryfl.participant.ParticipantMain;
import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The command line of one participant process: this JVM's {@code java} binary, and the
 * participant's main class exactly as {@code factoryfl participant --config FILE} runs it, on a
 * class path found from where this JVM loaded the participant's classes (the participant jar in
 * the simulation jar's {@code lib/}, or the participant module's classes in a build) followed by
 * this JVM's own class path (the simulation jar, whose manifest lists every library in {@code
 * lib/}), all made absolute because the process starts in its site's directory.
 *
 * @param java the {@code java} executable
 * @param classPath the participant's class path
 * @param jvmOptions heap and the other options of every participant process
 */
record ParticipantCommand(Path java, String classPath, List<String> jvmOptions) {
  ParticipantCommand {
    jvmOptions = List.copyOf(jvmOptions);
  }

  /** The command of this JVM's participant classes, with the heap of {@code processes}. */
  static ParticipantCommand of(ParticipantProcesses processes) {
    // Serial GC: one small heap per process and few cores to share; a JVM that runs out of heap
    // exits (code 3) rather than limping on with a dead agent thread.
    return new ParticipantCommand(javaExecutable(), participantClassPath(),
        List.of(processes.heapOption(), "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError",
            "-Dfactoryfl.log.level=info"));
  }

  /** The whole command of the participant whose config file is {@code config}, its metrics endpoint off. */
  List<String> forConfig(Path config) {
    List<String> command = new ArrayList<>();
    command.add(java.toString());
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", classPath, ParticipantMain.class.getName(),
        "--config", config.toAbsolutePath().toString(), "--metrics-port", "0"));
    return command;
  }

  private static Path javaExecutable() {
    return ProcessHandle.current().info().command().map(Path::of)
        .filter(path -> path.getFileName().toString().startsWith("java") && Files.isExecutable(path))
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java"));
  }

  private static String participantClassPath() {
    Set<String> entries = new LinkedHashSet<>();
    CodeSource participant = ParticipantMain.class.getProtectionDomain().getCodeSource();
    if (participant != null) {
      try {
        entries.add(Path.of(participant.getLocation().toURI()).toAbsolutePath().toString());
      } catch (URISyntaxException | IllegalArgumentException e) {
        // not a file: this JVM's class path below still names it
      }
    }
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (!entry.isBlank()) {
        entries.add(Path.of(entry).toAbsolutePath().toString());
      }
    }
    return String.join(File.pathSeparator, entries);
  }
}
