package io.factoryfl.core.cli;

/** A command line that cannot run; the message names the flag and value and what is expected. */
public final class UsageException extends Exception {
  private final String command;

  public UsageException(String command, String message) {
    super(message, null, false, false);
    this.command = command;
  }

  /** The command whose usage was wrong, for example {@code "job submit"}. */
  public String command() {
    return command;
  }
}
