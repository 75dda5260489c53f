package io.factoryfl.core.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tool with subcommands ({@code ca init}, {@code audit verify}): dispatch, per-subcommand
 * {@code --help}, and one way of reporting mistakes (exit 2, with the command and what was wrong)
 * and failures (exit 1), never a stack trace.
 */
public final class Subcommands {
  public static final int OK = 0;
  public static final int FAILED = 1;
  public static final int USAGE = 2;

  /** One subcommand: runs with the words after its name and returns the exit code. */
  public interface Action {
    int run(String[] args) throws Exception;
  }

  private record Entry(String help, Action action) {}

  private final String tool;
  private final String help;
  private final Map<String, Entry> commands = new LinkedHashMap<>();

  /**
   * @param tool the tool's name in messages, for example {@code "ca"}
   * @param help the usage printed for {@code --help} or no arguments
   */
  public Subcommands(String tool, String help) {
    this.tool = tool;
    this.help = help;
  }

  /**
   * Adds a subcommand. Its action parses its flags with {@link Flags} under the same name, so that
   * {@code --help} on it prints {@code help}.
   */
  public Subcommands add(String name, String help, Action action) {
    commands.put(name, new Entry(help, action));
    return this;
  }

  public int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0) {
      err.print(help);
      return USAGE;
    }
    String command = args[0];
    try {
      if (command.equals("--help") || command.equals("-h") || command.equals("help")) {
        out.print(help);
        return OK;
      }
      Entry entry = commands.get(command);
      if (entry == null) {
        throw new UsageException("", "unknown command '" + command + "'; expected " + names());
      }
      return entry.action().run(Arrays.copyOfRange(args, 1, args.length));
    } catch (HelpRequested requested) {
      Entry entry = commands.get(requested.getMessage());
      out.print(entry == null ? help : entry.help());
      return OK;
    } catch (UsageException e) {
      String where = e.command().isEmpty() ? tool : tool + " " + e.command();
      err.println(where + ": " + e.getMessage());
      err.println("Run '" + where + " --help' for usage.");
      return USAGE;
    } catch (Exception e) {
      err.println(tool + " " + command + ": failed: " + e.getMessage());
      return FAILED;
    }
  }

  /** "a, b or c". */
  private String names() {
    List<String> names = new ArrayList<>(commands.keySet());
    if (names.size() == 1) {
      return names.get(0);
    }
    return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
  }
}
