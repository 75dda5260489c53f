package io.factoryfl.core.job;

import java.util.Locale;

/**
 * An adaptive server optimiser (Reddi et al., "Adaptive Federated Optimization", ICLR 2021,
 * Algorithm 2) that the coordinator applies to each round's pseudo-gradient, the step from the
 * current global model to the one the aggregation proposes ({@code server_optimizer} in the spec):
 *
 * <pre>{@code
 * "server_optimizer": {
 *   "name": "adam",         // adam | yogi | adagrad
 *   "learning_rate": 0.03,  // eta, the server step size
 *   "beta1": 0.9,           // first-moment decay in [0, 1)
 *   "beta2": 0.99,          // second-moment decay in [0, 1); adam and yogi only
 *   "tau": 1e-9             // adaptivity floor added to sqrt(v), > 0
 * }
 * }</pre>
 *
 * Absent fields take Flower's defaults for the named optimiser ({@link Algorithm#defaults()}).
 *
 * @param algorithm how the second moment v is updated
 * @param learningRate eta, in (0, 10]
 * @param beta1 first-moment decay in [0, 1)
 * @param beta2 second-moment decay in [0, 1) for adam and yogi; 0 for adagrad, which has none
 * @param tau the adaptivity floor, in (0, 1]
 */
public record ServerOptimizerSpec(
    Algorithm algorithm, double learningRate, double beta1, double beta2, double tau) {
  static final double MAX_LEARNING_RATE = 10;
  static final double MAX_TAU = 1;

  /** The three update rules of Algorithm 2; {@link #key()} is the spec's spelling. */
  public enum Algorithm {
    /** v = beta2 * v + (1 - beta2) * delta^2. */
    ADAM,
    /** v = v - (1 - beta2) * delta^2 * sign(v - delta^2): v moves towards delta^2 additively. */
    YOGI,
    /** v = v + delta^2: a sum that only grows. */
    ADAGRAD;

    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the rule has a second-moment decay beta2. */
    public boolean hasBeta2() {
      return this != ADAGRAD;
    }

    /**
     * Flower's defaults ({@code flwr.server.strategy.FedAdam}, {@code FedYogi}, {@code
     * FedAdagrad}): adam eta 0.1, beta1 0.9, beta2 0.99, tau 1e-9; yogi eta 0.01, beta1 0.9,
     * beta2 0.99, tau 1e-3; adagrad eta 0.1, beta1 0 (no momentum), tau 1e-9.
     */
    public ServerOptimizerSpec defaults() {
      return switch (this) {
        case ADAM -> new ServerOptimizerSpec(this, 0.1, 0.9, 0.99, 1e-9);
        case YOGI -> new ServerOptimizerSpec(this, 0.01, 0.9, 0.99, 1e-3);
        case ADAGRAD -> new ServerOptimizerSpec(this, 0.1, 0, 0, 1e-9);
      };
    }
  }

  public ServerOptimizerSpec {
    if (algorithm == null) {
      throw new IllegalArgumentException("algorithm must be given (adam, yogi or adagrad)");
    }
    if (!(learningRate > 0 && learningRate <= MAX_LEARNING_RATE)) {
      throw new IllegalArgumentException("learningRate must be in (0, " + MAX_LEARNING_RATE + "], was "
          + learningRate);
    }
    if (!(beta1 >= 0 && beta1 < 1)) {
      throw new IllegalArgumentException("beta1 must be in [0, 1), was " + beta1);
    }
    if (algorithm.hasBeta2() ? !(beta2 >= 0 && beta2 < 1) : beta2 != 0) {
      throw new IllegalArgumentException("beta2 must be in [0, 1) for adam and yogi and 0 for adagrad,"
          + " was " + beta2 + " for " + algorithm.key());
    }
    if (!(tau > 0 && tau <= MAX_TAU)) {
      throw new IllegalArgumentException("tau must be in (0, " + MAX_TAU + "], was " + tau);
    }
  }

  /** This optimiser with another server learning rate. */
  public ServerOptimizerSpec withLearningRate(double eta) {
    return new ServerOptimizerSpec(algorithm, eta, beta1, beta2, tau);
  }
}
