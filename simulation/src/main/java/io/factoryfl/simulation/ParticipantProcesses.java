package io.factoryfl.simulation;

import java.util.List;
import java.util.Locale;

/**
 * {@code simulate --processes}: every factory's participant runs as its own operating-system
 * process ({@link ProcessFleet}) instead of a thread of the simulator, each with a heap of {@code
 * heapMegabytes}.
 */
record ParticipantProcesses(int heapMegabytes) {
  static final int DEFAULT_HEAP_MEGABYTES = 512;
  static final int MIN_HEAP_MEGABYTES = 64;
  static final int MAX_HEAP_MEGABYTES = 65_536;

  ParticipantProcesses {
    if (heapMegabytes < MIN_HEAP_MEGABYTES || heapMegabytes > MAX_HEAP_MEGABYTES) {
      throw new IllegalArgumentException("--process-heap was " + heapMegabytes + "m; it must be from "
          + MIN_HEAP_MEGABYTES + "m to " + MAX_HEAP_MEGABYTES / 1024 + "g, e.g. 512m");
    }
  }

  /** {@code --process-heap} as the JVM writes a heap size: {@code 512m}, {@code 1g} (megabytes without a unit). */
  static ParticipantProcesses parse(String heap) {
    String text = heap.strip().toLowerCase(Locale.ROOT);
    int factor = text.endsWith("g") ? 1024 : 1;
    String digits = text.endsWith("g") || text.endsWith("m") ? text.substring(0, text.length() - 1) : text;
    try {
      return new ParticipantProcesses(Math.multiplyExact(Integer.parseInt(digits), factor));
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("--process-heap was '" + heap
          + "'; expected a heap size such as 256m, 512m or 1g");
    }
  }

  /**
   * Refuses the faults a participant process cannot play: a straggler ({@code slow:}) is held back
   * on the in-process node's gRPC channel, which a separate process does not share.
   *
   * @throws IllegalArgumentException naming the fault and what to do instead
   */
  static void checkFaults(List<Fault> faults) {
    for (Fault fault : faults) {
      if (fault.kind() == Fault.Kind.SLOW) {
        throw new IllegalArgumentException("--faults slow:" + fault.factory() + "@" + fault.round()
            + " cannot be combined with --processes: a straggler is simulated on the participant's gRPC channel"
            + " inside the simulator, which a participant process does not share; drop --processes to simulate"
            + " stragglers, or use crash:FACTORY@ROUND[:SECONDS] (with --processes a real SIGKILL of the process)");
      }
    }
  }

  /** The heap as a JVM option. */
  String heapOption() {
    return "-Xmx" + heapMegabytes + "m";
  }
}
