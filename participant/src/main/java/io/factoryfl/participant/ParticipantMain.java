package io.factoryfl.participant;

import io.factoryfl.core.cli.Flags;
import io.factoryfl.core.cli.HelpRequested;
import io.factoryfl.core.cli.UsageException;
import io.factoryfl.core.security.SigningIdentity;
import io.factoryfl.core.security.TlsMaterial;
import io.factoryfl.participant.config.ParticipantConfig;
import io.factoryfl.participant.data.DatasetCatalogue;
import io.factoryfl.participant.session.ChannelTls;
import io.factoryfl.participant.session.ParticipantAgent;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/** Entry point of the participant jar: runs a site's node until it is stopped. */
public final class ParticipantMain {
  static final String HELP = """
      Usage: factoryfl participant --config FILE
        Runs this site's participant node. It dials out to the coordinator (no inbound port),
        trains on local data and sends only model updates and aggregate metrics.
        --config FILE   the participant config (JSON): coordinator address, TLS files, datasets.
                        See README.md, "Participant config".
      """;

  private ParticipantMain() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String[] args) {
    try {
      Flags flags = Flags.parse("participant", args, Set.of("--config"), Set.of());
      ParticipantConfig config = ParticipantConfig.load(Path.of(flags.required("--config")));
      TlsMaterial tls = TlsMaterial.load(config.certificate(), config.privateKey(), config.ca());
      ManagedChannel channel = ChannelTls.open(config.coordinator(), tls);
      SigningIdentity signing = config.signingKey() == null ? null
          : SigningIdentity.load(config.certificate(), config.signingKey());
      ParticipantAgent agent = new ParticipantAgent(tls.self().name(), channel,
          new DatasetCatalogue(config.datasets()), config.pollWait(), signing,
          tls.trustedCertificates().get(0), new SplittableRandom(new SecureRandom().nextLong()));
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        agent.stop();
        channel.shutdown();
      }));
      System.out.println("participant '" + tls.self().name() + "' dialling " + config.coordinator()
          + " with datasets " + config.datasets().keySet());
      agent.run();
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
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
