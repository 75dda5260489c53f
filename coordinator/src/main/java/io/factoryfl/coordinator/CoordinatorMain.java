package io.factoryfl.coordinator;

import io.factoryfl.coordinator.cli.CoordinatorCli;
import io.factoryfl.core.ops.LogFormat;
import io.factoryfl.core.ops.Logging;

/** Entry point of the coordinator jar: {@code serve}, {@code ca} and {@code job} commands. */
public final class CoordinatorMain {
  private CoordinatorMain() {}

  public static void main(String[] args) {
    // text at -Dfactoryfl.log.level (default info), gRPC's java.util.logging included;
    // 'serve --log-format json' switches to JSON
    Logging.configure(LogFormat.TEXT, "info");
    System.exit(CoordinatorCli.run(args, System.out, System.err));
  }
}
