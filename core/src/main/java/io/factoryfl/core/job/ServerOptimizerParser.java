package io.factoryfl.core.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.factoryfl.core.job.ServerOptimizerSpec.Algorithm;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads and checks the {@code server_optimizer} block of a job spec (see {@link
 * ServerOptimizerSpec} for the fields) and the site-side {@code training.proximal_mu} of FedProx.
 */
final class ServerOptimizerParser {
  static final String KEY = "server_optimizer";
  private static final Set<String> FIELDS = Set.of("name", "learning_rate", "beta1", "beta2", "tau");

  private ServerOptimizerParser() {}

  /** The spec's server optimiser, or null when the block is absent. */
  static ServerOptimizerSpec parse(SpecNode top, double serverMomentum) {
    if (!top.has(KEY)) {
      return null;
    }
    SpecNode node = top.object(KEY, FIELDS);
    if (serverMomentum > 0) {
      throw new InvalidJobSpecException(KEY, "cannot be combined with server_momentum (was "
          + serverMomentum + "): both decide the server's step from the round's average update."
          + " Remove server_momentum, or remove server_optimizer to keep FedAvgM; adam and yogi"
          + " carry their own momentum in beta1");
    }
    Algorithm algorithm = algorithm(node);
    ServerOptimizerSpec defaults = algorithm.defaults();
    double eta = node.number("learning_rate", defaults.learningRate(), 0.0,
        ServerOptimizerSpec.MAX_LEARNING_RATE);
    double beta1 = decay(node, "beta1", defaults.beta1());
    if (!algorithm.hasBeta2() && node.has("beta2")) {
      throw new InvalidJobSpecException(node.field("beta2"), "has no effect with adagrad, whose second"
          + " moment is a plain sum of squares; remove it, or choose adam or yogi");
    }
    double beta2 = algorithm.hasBeta2() ? decay(node, "beta2", defaults.beta2()) : 0;
    double tau = node.number("tau", defaults.tau(), 0.0, ServerOptimizerSpec.MAX_TAU);
    return new ServerOptimizerSpec(algorithm, eta, beta1, beta2, tau);
  }

  /**
   * FedProx's mu ({@code training.proximal_mu}): from 0 (none) to {@link
   * JobSpecParser#MAX_PROXIMAL_MU}, and small enough that one pull, {@code learning_rate * mu} of
   * the way back to the global model, does not overshoot it.
   */
  static double proximalMu(SpecNode training, double learningRate) {
    if (!training.has("proximal_mu")) {
      training.pin("proximal_mu", 0.0);
      return 0;
    }
    JsonNode value = training.raw("proximal_mu");
    double mu = value.asDouble();
    if (!value.isNumber() || !(mu >= 0 && mu <= JobSpecParser.MAX_PROXIMAL_MU)) {
      throw new InvalidJobSpecException(training.field("proximal_mu"), "was " + SpecNode.describe(value)
          + "; must be a number from 0 (no proximal term) to " + JobSpecParser.MAX_PROXIMAL_MU
          + " (FedProx; 0.001 to 1 are usual)");
    }
    if (learningRate * mu > 1) {
      throw new InvalidJobSpecException(training.field("proximal_mu"), "was " + mu + " with"
          + " training.learning_rate " + learningRate + "; each step pulls the weights learning_rate *"
          + " proximal_mu = " + learningRate * mu + " of the way back to the global model, which must"
          + " be at most 1 (beyond, the pull overshoots), so proximal_mu must be at most "
          + 1 / learningRate);
    }
    return mu;
  }

  private static Algorithm algorithm(SpecNode node) {
    String allowed = Arrays.stream(Algorithm.values()).map(Algorithm::key)
        .collect(Collectors.joining(", "));
    if (!node.has("name")) {
      throw new InvalidJobSpecException(node.field("name"), "is required; allowed: " + allowed);
    }
    String name = node.string("name", null);
    for (Algorithm algorithm : Algorithm.values()) {
      if (algorithm.key().equals(name)) {
        return algorithm;
      }
    }
    throw new InvalidJobSpecException(node.field("name"), "unknown server optimiser \"" + name
        + "\"; allowed: " + allowed);
  }

  /** A decay rate in [0, 1). */
  private static double decay(SpecNode node, String field, double fallback) {
    if (!node.has(field)) {
      node.pin(field, fallback);
      return fallback;
    }
    JsonNode value = node.raw(field);
    if (!value.isNumber() || !(value.asDouble() >= 0 && value.asDouble() < 1)) {
      throw new InvalidJobSpecException(node.field(field), "was " + SpecNode.describe(value)
          + "; must be a number from 0 up to, but not including, 1 (e.g. 0.9)");
    }
    return value.asDouble();
  }
}
