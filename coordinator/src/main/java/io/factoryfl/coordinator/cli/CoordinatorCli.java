package io.factoryfl.coordinator.cli;

import io.factoryfl.core.cli.HelpRequested;
import io.factoryfl.core.cli.UsageException;
import io.grpc.StatusRuntimeException;
import java.io.PrintStream;
import java.util.Arrays;

/** Dispatches the coordinator jar's commands and turns every failure into a message and exit code. */
public final class CoordinatorCli {
  static final String HELP = """
      Usage: factoryfl-coordinator COMMAND [options]   (COMMAND --help for details)
        serve    run the coordinator
        ca       create the federation CA and issue certificates
        job      submit, watch, cancel jobs and download models
        audit    verify a round log offline, render it as a report
      """;

  private CoordinatorCli() {}

  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
      (args.length == 0 ? err : out).print(HELP);
      return args.length == 0 ? 2 : 0;
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    try {
      return switch (args[0]) {
        case "serve" -> ServeCommand.run(rest, out);
        case "ca" -> CaCommand.run(rest, out, err);
        case "job" -> JobCommand.run(rest, out);
        case "audit" -> AuditCommand.run(rest, out, err);
        default -> throw new UsageException("", "unknown command '" + args[0] + "'; expected serve, ca, job or audit");
      };
    } catch (HelpRequested help) {
      out.print(help.getMessage().startsWith("job") ? JobCommand.HELP : ServeCommand.HELP);
      return 0;
    } catch (UsageException e) {
      err.println((e.command().isEmpty() ? "" : e.command() + ": ") + e.getMessage());
      err.println("Run with --help for usage.");
      return 2;
    } catch (StatusRuntimeException e) {
      err.println(TlsFlags.describe(e));
      return 1;
    } catch (Exception e) {
      err.println("failed: " + e.getMessage());
      return 1;
    }
  }
}
