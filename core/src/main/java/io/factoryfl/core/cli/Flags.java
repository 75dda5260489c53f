package io.factoryfl.core.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed command line: {@code --flag value} or {@code --flag=value} options (each at most once),
 * {@code --switch} booleans, and positional arguments. Every mistake becomes a {@link
 * UsageException} that names the flag and the value, never a stack trace.
 */
public final class Flags {
  private final String command;
  private final Map<String, String> values = new HashMap<>();
  private final Set<String> switchesSet = new java.util.HashSet<>();
  private final List<String> positional = new ArrayList<>();

  private Flags(String command) {
    this.command = command;
  }

  /**
   * @param valued options that take a value
   * @param switches options that take none
   * @throws HelpRequested if {@code --help} or {@code -h} appears anywhere
   */
  public static Flags parse(String command, String[] args, Set<String> valued, Set<String> switches)
      throws UsageException, HelpRequested {
    Flags flags = new Flags(command);
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        throw new HelpRequested(command);
      }
      if (!arg.startsWith("--")) {
        flags.positional.add(arg);
        continue;
      }
      int eq = arg.indexOf('=');
      String flag = eq > 0 ? arg.substring(0, eq) : arg;
      if (switches.contains(flag) && eq < 0) {
        flags.switchesSet.add(flag);
        continue;
      }
      if (!valued.contains(flag)) {
        List<String> known = new ArrayList<>(valued);
        known.addAll(switches);
        known.sort(null);
        throw new UsageException(command, "unknown option '" + flag + "'; known options: " + known);
      }
      String value;
      if (eq > 0) {
        value = arg.substring(eq + 1);
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        value = args[++i];
      } else {
        throw new UsageException(command, flag + " needs a value");
      }
      if (flags.values.putIfAbsent(flag, value) != null) {
        throw new UsageException(command,
            flag + " given twice ('" + flags.values.get(flag) + "' and '" + value + "')");
      }
    }
    return flags;
  }

  public String command() {
    return command;
  }

  public boolean has(String flag) {
    return values.containsKey(flag) || switchesSet.contains(flag);
  }

  public String get(String flag, String fallback) {
    return values.getOrDefault(flag, fallback);
  }

  public String required(String flag) throws UsageException {
    String value = values.get(flag);
    if (value == null || value.isBlank()) {
      throw new UsageException(command, "missing " + flag);
    }
    return value;
  }

  /** An integer option within [min, max]. */
  public int intValue(String flag, int fallback, int min, int max) throws UsageException {
    String value = values.get(flag);
    if (value == null) {
      return fallback;
    }
    try {
      int parsed = Integer.parseInt(value.strip());
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException(command,
        "invalid " + flag + " '" + value + "': expected a whole number from " + min + " to " + max);
  }

  /** A long option (any value). */
  public long longValue(String flag, long fallback) throws UsageException {
    String value = values.get(flag);
    if (value == null) {
      return fallback;
    }
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      throw new UsageException(command, "invalid " + flag + " '" + value + "': expected a whole number");
    }
  }

  public List<String> positional() {
    return List.copyOf(positional);
  }

  /** The single positional argument, named {@code what} in the error if it is missing or repeated. */
  public String onePositional(String what) throws UsageException {
    if (positional.size() != 1) {
      throw new UsageException(command, "expected exactly one " + what + ", got "
          + (positional.isEmpty() ? "none" : positional));
    }
    return positional.get(0);
  }
}
