package io.factoryfl.coordinator.cli;

import io.factoryfl.coordinator.admin.AdminClient;
import io.factoryfl.coordinator.admin.EventFormat;
import io.factoryfl.core.text.Printable;
import io.factoryfl.core.cli.Flags;
import io.factoryfl.core.cli.HelpRequested;
import io.factoryfl.core.cli.UsageException;
import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.core.bundle.BundleCard;
import io.factoryfl.core.bundle.ModelBundle;
import io.factoryfl.proto.v1.JobStatus;
import io.factoryfl.proto.v1.RoundEvent;
import io.grpc.ManagedChannel;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** {@code factoryfl job ...}: the ML engineer's commands against a running coordinator. */
final class JobCommand {
  static final String HELP = """
      Usage: factoryfl job COMMAND --coordinator HOST:PORT --cert FILE --key FILE --ca FILE
        submit SPEC.json       validate and start a job; prints its id
        list                   list jobs
        participants           list registered participants, their datasets and liveness
        status JOB_ID          show one job
        watch JOB_ID           follow a job's rounds until it ends
        cancel JOB_ID          stop a job (its last global model is kept)
        model JOB_ID --out F   download the job's trained model as a bundle (network + columns,
                               standardisation, task; `factoryfl predict` scores CSVs with it)
        The certificate must carry the admin role ('factoryfl ca issue --role admin').
      """;

  private JobCommand() {}

  static int run(String[] args, PrintStream out) throws Exception {
    if (args.length == 0) {
      throw new UsageException("job", "missing command; expected submit, list, participants, status, watch, cancel or model");
    }
    String command = args[0];
    if (command.equals("--help") || command.equals("-h") || command.equals("help")) {
      throw new HelpRequested("job");
    }
    Set<String> valued = new HashSet<>(TlsFlags.NAMES);
    valued.addAll(Set.of("--coordinator", "--out", "--timeout-minutes"));
    Flags flags = Flags.parse("job " + command, java.util.Arrays.copyOfRange(args, 1, args.length),
        valued, Set.of());
    String target = flags.required("--coordinator");
    ManagedChannel channel = AdminClient.openChannel(target, TlsFlags.load(flags));
    try {
      AdminClient client = new AdminClient(channel);
      switch (command) {
        case "submit" -> {
          Path spec = Path.of(flags.onePositional("job spec file"));
          if (!Files.isReadable(spec)) {
            throw new UsageException("job submit", "cannot read job spec " + spec);
          }
          JobStatus status = client.submit(Files.readString(spec));
          out.println(status.getJobId());
        }
        case "list" -> {
          for (JobStatus status : client.list()) {
            out.println(describe(status));
          }
        }
        case "participants" -> client.participants().forEach(p -> out.println(Printable.escape(
            p.getParticipantId() + "  " + (p.getAlive() ? "alive" : "silent") + "  datasets "
                + p.getDatasetsList())));
        case "status" -> out.println(describe(client.status(flags.onePositional("job id"))));
        case "watch" -> {
          // A long stream: its deadline is --timeout-minutes, and channel keepalive ends it with a
          // message if the coordinator goes away (AdminClient.watch).
          RoundEvent last;
          try {
            last = client.watch(flags.onePositional("job id"),
                Duration.ofMinutes(flags.intValue("--timeout-minutes", 24 * 60, 1, 7 * 24 * 60)),
                event -> out.println(EventFormat.line(event)));
          } catch (AdminClient.WatchInterrupted e) {
            out.println(e.getMessage());
            return 1;
          }
          return last != null && last.getEnded().getState().name().endsWith("SUCCEEDED") ? 0 : 1;
        }
        case "cancel" -> out.println(describe(client.cancel(flags.onePositional("job id"))));
        case "model" -> {
          AdminClient.DownloadedModel model = client.downloadModel(flags.onePositional("job id"));
          Path file = Path.of(flags.required("--out"));
          BundleCard card = BundleCard.fromJson(model.bundleJson());
          new ModelBundle(card, ModelDefinition.fromJson(model.configurationJson()), model.parameters()).write(file);
          out.println(Printable.escape("wrote the model bundle of job " + card.jobId() + " (round " + card.round()
              + ", model " + model.hash() + ", " + card.task().key() + ") to " + file));
        }
        default -> throw new UsageException("job", "unknown command '" + command
            + "'; expected submit, list, participants, status, watch, cancel or model");
      }
      return 0;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** One line per job; escaped, since names and messages may carry participants' text. */
  static String describe(JobStatus s) {
    return Printable.escape(s.getJobId() + "  " + s.getState().name().replace("JOB_STATE_", "") + "  "
        + s.getCompletedRounds() + "/" + s.getTotalRounds() + " rounds  "
        + (s.getResultRound() > 0 && s.getResultRound() != s.getCompletedRounds()
            ? "result round " + s.getResultRound() + "  " : "") + s.getName()
        + (s.getMessage().isEmpty() ? "" : "  (" + s.getMessage() + ")"));
  }
}
