package io.factoryfl.participant;

import io.factoryfl.participant.predict.PredictCommand;
import io.factoryfl.core.cli.Flags;
import io.factoryfl.core.cli.HelpRequested;
import io.factoryfl.core.cli.UsageException;
import io.factoryfl.core.security.SigningIdentity;
import io.factoryfl.core.security.TlsMaterial;
import io.factoryfl.core.ops.LogFormat;
import io.factoryfl.core.ops.Logging;
import io.factoryfl.core.ops.ObservabilityServer;
import io.factoryfl.core.ops.OpsFlags;
import io.factoryfl.participant.config.ParticipantConfig;
import io.factoryfl.participant.metrics.ParticipantMetrics;
import io.factoryfl.participant.data.DatasetCatalogue;
import io.factoryfl.participant.enrol.EnrolCommand;
import io.factoryfl.participant.session.ChannelTls;
import io.factoryfl.participant.policy.PolicyCheck;
import io.factoryfl.participant.policy.PolicyFile;
import io.factoryfl.participant.session.ParticipantAgent;
import io.factoryfl.participant.session.Site;
import java.time.Clock;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/** Entry point of the participant jar: runs a site's node until it is stopped. */
public final class ParticipantMain {
  /** The participant's default observability port (the coordinator's is 9464). */
  static final int METRICS_PORT = 9465;

  static final String HELP = """
      Usage: factoryfl participant --config FILE
             factoryfl participant enroll --token TOKEN --coordinator HOST:PORT --out DIR
             factoryfl participant renew --coordinator HOST:PORT --dir DIR
        Runs this site's participant node. It dials out to the coordinator (no inbound port),
        trains on local data and sends only model updates and aggregate metrics.
        --config FILE   the participant config (JSON): coordinator address, TLS files, datasets.
                        See README.md, "Participant config".
      """ + OpsFlags.help(METRICS_PORT, "127.0.0.1") + """
        enroll          get this node's certificate with a one-time token (enroll --help)
        renew           renew it before it expires (renew --help)
        predict         score a CSV or an image folder with a model bundle from `job model` (predict --help)
        evaluate        the task's metrics of a model bundle on labelled CSVs or images (evaluate --help)
      """;

  private ParticipantMain() {}

  public static void main(String[] args) {
    // text at -Dfactoryfl.log.level (default info), gRPC's java.util.logging included;
    // --log-format json switches to JSON
    Logging.configure(LogFormat.TEXT, "info");
    System.exit(run(args));
  }

  static int run(String[] args) {
    if (args.length > 0 && (args[0].equals("predict") || args[0].equals("evaluate"))) {
      return PredictCommand.run(args[0], Arrays.copyOfRange(args, 1, args.length), System.out, System.err);
    }
    if (args.length > 0 && (args[0].equals("enroll") || args[0].equals("renew"))) {
      String[] rest = Arrays.copyOfRange(args, 1, args.length);
      return args[0].equals("enroll")
          ? EnrolCommand.enroll(rest, System.out, System.err, new SecureRandom())
          : EnrolCommand.renew(rest, System.out, System.err, new SecureRandom());
    }
    try {
      Set<String> valued = new java.util.HashSet<>(OpsFlags.NAMES);
      valued.add("--config");
      Flags flags = Flags.parse("participant", args, valued, Set.of());
      OpsFlags ops = OpsFlags.from(flags, METRICS_PORT, "127.0.0.1");
      ops.configureLogging();
      ParticipantConfig config = ParticipantConfig.load(Path.of(flags.required("--config")));
      TlsMaterial tls = TlsMaterial.load(config.certificate(), config.privateKey(), config.ca());
      ManagedChannel channel = ChannelTls.open(config.coordinator(), tls);
      SigningIdentity signing = config.signingKey() == null ? null
          : SigningIdentity.load(config.certificate(), config.signingKey());
      // No policy file: the documented defaults, not an open door.
      PolicyCheck policy = config.policy() == null ? PolicyCheck.defaults(Clock.systemDefaultZone())
          : PolicyCheck.enforcing(PolicyFile.load(config.policy()), Clock.systemDefaultZone());
      Site site = new Site(tls.self().name(), new DatasetCatalogue(config.datasets()), signing,
          tls.trustedCertificates().get(0), policy, config.receipts());
      ParticipantMetrics metrics = ParticipantMetrics.fresh();
      ObservabilityServer endpoint;
      try {
        endpoint = ops.startEndpoint(metrics.registry(), metrics.readiness()).orElse(null);
      } catch (java.io.IOException e) {
        channel.shutdownNow();
        throw new UsageException("participant", e.getMessage());
      }
      ParticipantAgent agent = new ParticipantAgent(site, channel, config.pollWait(),
          new SplittableRandom(new SecureRandom().nextLong()), metrics, config.reconnectMax());
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        agent.stop();
        channel.shutdown();
        if (endpoint != null) {
          endpoint.close();
        }
      }));
      System.out.println("participant '" + tls.self().name() + "' dialling " + config.coordinator()
          + " with datasets " + config.datasets().keySet()
          + (endpoint == null ? ""
              : "; metrics on http://" + ops.metricsAddress() + ":" + endpoint.port() + "/metrics"));
      agent.run();
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      if (endpoint != null) {
        endpoint.close();
      }
      return 0;
    } catch (HelpRequested help) {
      System.out.print(HELP);
      return 0;
    } catch (UsageException e) {
      System.err.println(e.command() + ": " + e.getMessage());
      System.err.print(HELP);
      return 2;
    } catch (Exception e) {
      System.err.println("participant failed: " + e.getMessage());
      return 1;
    }
  }
}
