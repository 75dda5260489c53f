package io.factoryfl.coordinator;

import io.factoryfl.coordinator.cli.CoordinatorCli;

/** Entry point of the coordinator jar: {@code serve}, {@code ca} and {@code job} commands. */
public final class CoordinatorMain {
  private CoordinatorMain() {}

  public static void main(String[] args) {
    System.exit(CoordinatorCli.run(args, System.out, System.err));
  }
}
