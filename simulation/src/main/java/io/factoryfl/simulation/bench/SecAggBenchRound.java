package io.factoryfl.simulation.bench;

import io.factoryfl.core.secagg.EncryptedShare;
import io.factoryfl.core.secagg.FixedPoint;
import io.factoryfl.core.secagg.MaskedLayout;
import io.factoryfl.core.secagg.RevealedShare;
import io.factoryfl.core.secagg.SecAggCoordinator;
import io.factoryfl.core.secagg.SecAggException;
import io.factoryfl.core.secagg.SecAggParameters;
import io.factoryfl.core.secagg.SecAggParticipant;
import io.factoryfl.core.secagg.SessionInfo;
import io.factoryfl.core.secagg.SignedKeys;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Runs one SecAgg+ round in this process through the real {@link SecAggParticipant} and {@link
 * SecAggCoordinator} code, one call at a time, timing each participant's calls and the
 * coordinator's calls separately. A fraction of the participants drops after sharing keys (before
 * the masked input), the expensive case for the coordinator. Inputs are seeded, so a run is
 * reproducible; the unmasked weighted mean is checked against the plain weighted mean of the same
 * vectors within {@link FixedPoint#errorBound}.
 */
final class SecAggBenchRound {
  static final double CLIP = 1.0;
  static final long MAX_EXAMPLES = 1000;

  /** What to run; null neighbours or threshold mean the documented defaults. */
  record Config(int participants, int dim, double dropout, Integer neighbours, Integer threshold, long seed,
      int parallelism) {}

  private final LongSupplier ticker;
  private final SecureRandom random;
  private final List<String> ids = new ArrayList<>();
  private final List<KeyPair> identities = new ArrayList<>();

  SecAggBenchRound(LongSupplier ticker, SecureRandom random) {
    this.ticker = ticker;
    this.random = random;
  }

  SecAggBenchResult run(Config config, int round) {
    int n = config.participants();
    ensureIdentities(n);
    SecAggParameters parameters = SecAggParameters.of(n, config.neighbours(), config.threshold(), CLIP,
        SecAggParameters.defaultBits(n));
    List<String> cohort = ids.subList(0, n);
    SessionInfo session = new SessionInfo("bench-secagg", round, "model-" + config.seed() + "-" + round, cohort);
    BitSet dropping = chooseDropouts(n, config.dropout(), new SplittableRandom(config.seed() * 31 + round));
    Map<String, PublicKey> publicKeys = new HashMap<>();
    SecAggParticipant[] participants = new SecAggParticipant[n];
    for (int i = 0; i < n; i++) {
      publicKeys.put(cohort.get(i), identities.get(i).getPublic());
    }
    for (int i = 0; i < n; i++) {
      participants[i] = new SecAggParticipant(cohort.get(i), session, parameters,
          identities.get(i).getPrivate(), publicKeys::get, random);
    }
    Stopwatch timer = new Stopwatch(n);
    try {
      SecAggCoordinator coordinator = timer.coordinator(() ->
          new SecAggCoordinator(session, parameters, new MaskedLayout(config.dim()).words(), config.parallelism()));
      for (int i = 0; i < n; i++) {
        SignedKeys keys = timer.client(i, participants[i]::advertiseKeys);
        PublicKey identity = publicKeys.get(cohort.get(i));
        timer.coordinator(() -> coordinator.acceptKeys(keys, identity));
      }
      List<SignedKeys> all = timer.coordinator(() -> {
        List<SignedKeys> advertised = coordinator.advertisedKeys();
        coordinator.requireViable();
        return advertised;
      });
      for (int i = 0; i < n; i++) {
        int u = i;
        List<EncryptedShare> shares = timer.client(u, () -> participants[u].shareKeys(all));
        timer.coordinator(() -> coordinator.acceptShares(cohort.get(u), shares));
      }
      timer.coordinator(coordinator::requireViable);
      PlainSum plain = new PlainSum(config.dim());
      for (int i = 0; i < n; i++) {
        if (dropping.get(i)) {
          continue;
        }
        int u = i;
        List<EncryptedShare> inbox = timer.coordinator(() -> coordinator.sharesFor(cohort.get(u)));
        SplittableRandom inputRandom = new SplittableRandom(config.seed() * 0x9E3779B97F4A7C15L + u);
        long count = 1 + inputRandom.nextLong(MAX_EXAMPLES);
        float[] update = new float[config.dim()];
        for (int j = 0; j < update.length; j++) {
          update[j] = (float) (inputRandom.nextDouble() * 2 - 1) * (float) CLIP;
        }
        // The live layout: the delta, the site's training loss, then (in encode) the count.
        float[] input = new MaskedLayout(config.dim()).values(update, inputRandom.nextDouble(), CLIP);
        int[] masked = timer.client(u, () -> participants[u].maskInput(inbox,
            FixedPoint.encode(input, count, parameters, n, MAX_EXAMPLES, inputRandom)));
        timer.coordinator(() -> coordinator.acceptMaskedInput(cohort.get(u), masked));
        timer.plain(() -> plain.add(update, count));
      }
      List<String> survivors = timer.coordinator(coordinator::maskedInputSenders);
      List<String> dropped = timer.coordinator(() -> {
        coordinator.requireViable();
        return coordinator.dropped();
      });
      for (String id : survivors) {
        int u = session.indexOf(id);
        byte[] signature = timer.client(u, () -> participants[u].signSurvivors(survivors));
        timer.coordinator(() -> coordinator.acceptSurvivorSignature(id, signature));
      }
      Map<String, byte[]> signatures = timer.coordinator(() -> {
        Map<String, byte[]> signed = coordinator.survivorSignatures();
        coordinator.requireViable();
        return signed;
      });
      for (String id : survivors) {
        int u = session.indexOf(id);
        List<RevealedShare> revealed = timer.client(u, () -> participants[u].unmask(survivors, dropped, signatures));
        timer.coordinator(() -> coordinator.acceptRevealedShares(id, revealed));
      }
      long recoveryStart = ticker.getAsLong();
      FixedPoint.Decoded decoded = timer.coordinator(() ->
          FixedPoint.decode(coordinator.unmaskedSum(), parameters, n, survivors.size(), MAX_EXAMPLES));
      double recoveryMs = (ticker.getAsLong() - recoveryStart) / 1e6;
      double[] expected = timer.plain(plain::mean);
      double bound = FixedPoint.errorBound(parameters, survivors.size(), plain.total(), MAX_EXAMPLES);
      double maxError = check(decoded, expected, plain.total(), bound);
      long[] clientNs = survivors.stream().mapToLong(id -> timer.clientNs[session.indexOf(id)]).sorted().toArray();
      return new SecAggBenchResult(n, config.dim(), config.dropout(), parameters.neighbours(),
          parameters.threshold(), parameters.bits(), dropping.cardinality(), percentile(clientNs, 50),
          percentile(clientNs, 90), timer.coordinatorNs / 1e6, recoveryMs, timer.plainNs / 1e6, maxError, bound,
          config.parallelism(), config.seed(), null);
    } catch (SecAggException aborted) {
      return new SecAggBenchResult(n, config.dim(), config.dropout(), parameters.neighbours(),
          parameters.threshold(), parameters.bits(), dropping.cardinality(), 0, 0, 0, 0, 0, 0, 0,
          config.parallelism(), config.seed(), aborted.getMessage());
    } finally {
      for (SecAggParticipant participant : participants) {
        participant.destroy();
      }
    }
  }

  /** Fails loudly when the secure result is not the plain weighted mean within the bound. */
  private static double check(FixedPoint.Decoded decoded, double[] expected, long total, double bound) {
    if (decoded.totalExamples() != total) {
      throw new IllegalStateException("the secure sum counts " + decoded.totalExamples()
          + " examples but the survivors hold " + total);
    }
    float[] mean = decoded.mean();
    double worst = 0;
    for (int j = 0; j < expected.length; j++) {
      double error = Math.abs(mean[j] - expected[j]);
      if (!(error <= bound)) {
        throw new IllegalStateException("the secure weighted mean differs from the plain one at coordinate " + j
            + " by " + error + ", beyond the documented quantisation bound " + bound);
      }
      worst = Math.max(worst, error);
    }
    return worst;
  }

  private static BitSet chooseDropouts(int n, double fraction, SplittableRandom random) {
    int[] order = new int[n];
    Arrays.setAll(order, i -> i);
    int count = (int) Math.round(fraction * n);
    BitSet dropping = new BitSet(n);
    for (int i = 0; i < count; i++) {
      int j = i + random.nextInt(n - i);
      int swap = order[i];
      order[i] = order[j];
      order[j] = swap;
      dropping.set(order[i]);
    }
    return dropping;
  }

  private static double percentile(long[] sortedNs, int percent) {
    if (sortedNs.length == 0) {
      return 0;
    }
    int index = (int) Math.ceil(percent / 100.0 * sortedNs.length) - 1;
    return sortedNs[Math.max(0, Math.min(sortedNs.length - 1, index))] / 1e6;
  }

  private void ensureIdentities(int n) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
      while (ids.size() < n) {
        ids.add(String.format("site-%05d", ids.size()));
        identities.add(generator.generateKeyPair());
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot generate Ed25519 keys", e);
    }
  }

  /** The plain weighted sum the secure one is compared with (and timed against). */
  private static final class PlainSum {
    private final double[] sum;
    private long total;

    PlainSum(int dim) {
      sum = new double[dim];
    }

    void add(float[] update, long count) {
      for (int j = 0; j < sum.length; j++) {
        sum[j] += (double) update[j] * count;
      }
      total += count;
    }

    long total() {
      return total;
    }

    double[] mean() {
      double[] mean = new double[sum.length];
      for (int j = 0; j < sum.length; j++) {
        mean[j] = sum[j] / total;
      }
      return mean;
    }
  }

  /** Accumulates compute time per participant, for the coordinator and for the plain sum. */
  private final class Stopwatch {
    final long[] clientNs;
    long coordinatorNs;
    long plainNs;

    Stopwatch(int n) {
      clientNs = new long[n];
    }

    <T> T client(int index, Supplier<T> call) {
      long start = ticker.getAsLong();
      try {
        return call.get();
      } finally {
        clientNs[index] += ticker.getAsLong() - start;
      }
    }

    <T> T coordinator(Supplier<T> call) {
      long start = ticker.getAsLong();
      try {
        return call.get();
      } finally {
        coordinatorNs += ticker.getAsLong() - start;
      }
    }

    void coordinator(Runnable call) {
      coordinator(() -> {
        call.run();
        return null;
      });
    }

    <T> T plain(Supplier<T> call) {
      long start = ticker.getAsLong();
      try {
        return call.get();
      } finally {
        plainNs += ticker.getAsLong() - start;
      }
    }

    void plain(Runnable call) {
      plain(() -> {
        call.run();
        return null;
      });
    }
  }
}
