package io.factoryfl.simulation;

import java.util.ArrayList;
import java.util.List;

/**
 * A fault to inject into one simulated factory, written {@code KIND:FACTORY@ROUND[:SECONDS]}:
 *
 * <ul>
 *   <li>{@code crash:factory-2@3} the node goes dark when it receives its round-3 training task
 *       (every call fails, heartbeats stop) and stays dark, or comes back after SECONDS;
 *   <li>{@code slow:factory-3@2} the node finishes its round-2 training after the round deadline
 *       (a straggler); its heartbeat keeps going.
 * </ul>
 */
record Fault(Kind kind, String factory, int round, int seconds) {
  enum Kind { CRASH, SLOW }

  static List<Fault> parseAll(String text) {
    List<Fault> faults = new ArrayList<>();
    if (text == null || text.isBlank()) {
      return faults;
    }
    for (String part : text.split(",")) {
      faults.add(parse(part.strip()));
    }
    return faults;
  }

  static Fault parse(String text) {
    String[] kindRest = text.split(":", 2);
    int at = kindRest.length == 2 ? kindRest[1].indexOf('@') : -1;
    if (at < 1) {
      throw new IllegalArgumentException("fault '" + text
          + "' must look like crash:factory-2@3, crash:factory-2@3:10 or slow:factory-3@2");
    }
    Kind kind;
    try {
      kind = Kind.valueOf(kindRest[0].toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("fault '" + text + "': unknown kind '" + kindRest[0]
          + "'; expected crash or slow");
    }
    String factory = kindRest[1].substring(0, at);
    String[] roundSeconds = kindRest[1].substring(at + 1).split(":");
    try {
      int round = Integer.parseInt(roundSeconds[0]);
      int seconds = roundSeconds.length > 1 ? Integer.parseInt(roundSeconds[1]) : -1;
      if (round < 1 || (roundSeconds.length > 1 && seconds < 1)) {
        throw new NumberFormatException();
      }
      return new Fault(kind, factory, round, seconds);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("fault '" + text
          + "': the round (and optional seconds) must be whole numbers >= 1");
    }
  }
}
