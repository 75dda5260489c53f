package io.factoryfl.core.cli;

/** The user asked for {@code --help}; not an error. */
public final class HelpRequested extends Exception {
  public HelpRequested(String command) {
    super(command, null, false, false);
  }
}
