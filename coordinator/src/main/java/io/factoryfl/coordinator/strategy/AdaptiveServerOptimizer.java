package io.factoryfl.coordinator.strategy;

import io.factoryfl.core.job.ServerOptimizerSpec;
import java.util.Objects;

/**
 * FedAdam, FedYogi and FedAdagrad (Reddi et al., "Adaptive Federated Optimization", ICLR 2021,
 * Algorithm 2) on top of another strategy. The wrapped strategy proposes the next model; the step
 * from the current model to it is the round's pseudo-gradient {@code delta}, and per coordinate
 *
 * <pre>
 * m = beta1 * m + (1 - beta1) * delta
 * v = beta2 * v + (1 - beta2) * delta^2                   (adam)
 * v = v - (1 - beta2) * delta^2 * sign(v - delta^2)       (yogi)
 * v = v + delta^2                                         (adagrad)
 * next = base + eta * m / (sqrt(v) + tau)
 * </pre>
 *
 * with {@code m} starting at 0 and {@code v} at {@code tau^2}, as in the paper (Flower starts v at
 * 0; with the default tau the difference is below float precision for adam and adagrad). As in
 * the paper and Flower's FedYogi and FedAdagrad there is no bias correction; Flower's newer FedAdam
 * rescales eta by {@code sqrt(1 - beta2^t) / (1 - beta1^t)}, which this class does not.
 *
 * <p>Because the step is normalised per coordinate by {@code sqrt(v)}, every coordinate moves by
 * about {@code eta} in the first round whatever the size of its delta: eta is an absolute step
 * size in weight units, not a multiple of the average update as in FedAvg.
 *
 * <p>Works the same in plain and secure rounds: it sees only the proposed model, never the
 * individual updates. A round the wrapped strategy declines passes through and leaves the state
 * untouched. The moments ({@code 2d} floats) are stored with each committed round ({@link #state}),
 * so a restarted coordinator resumes with them.
 */
public final class AdaptiveServerOptimizer extends ServerStep {
  private final ServerOptimizerSpec settings;
  private float[] m;
  private float[] v;

  public AdaptiveServerOptimizer(Strategy inner, ServerOptimizerSpec settings) {
    super(inner);
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  static final String FIRST_MOMENT = "server_optimizer.m";
  static final String SECOND_MOMENT = "server_optimizer.v";

  @Override
  java.util.Map<String, float[]> ownState() {
    return m == null ? java.util.Map.of() : java.util.Map.of(FIRST_MOMENT, m, SECOND_MOMENT, v);
  }

  @Override
  void restoreOwn(java.util.Map<String, float[]> state) {
    float[] first = state.get(FIRST_MOMENT);
    float[] second = state.get(SECOND_MOMENT);
    boolean both = first != null && second != null && first.length == second.length;
    m = both ? first.clone() : null;
    v = both ? second.clone() : null;
  }

  @Override
  float[] next(float[] base, float[] target) {
    if (m == null || m.length != base.length) {
      m = new float[base.length];
      v = new float[base.length];
      java.util.Arrays.fill(v, (float) (settings.tau() * settings.tau()));
    }
    double eta = settings.learningRate();
    double beta1 = settings.beta1();
    double beta2 = settings.beta2();
    double tau = settings.tau();
    float[] next = new float[base.length];
    for (int i = 0; i < base.length; i++) {
      double delta = (double) target[i] - base[i];
      double squared = delta * delta;
      double mi = beta1 * m[i] + (1 - beta1) * delta;
      double vi = switch (settings.algorithm()) {
        case ADAM -> beta2 * v[i] + (1 - beta2) * squared;
        case YOGI -> v[i] - (1 - beta2) * squared * Math.signum(v[i] - squared);
        case ADAGRAD -> v[i] + squared;
      };
      m[i] = (float) mi;
      v[i] = (float) vi;
      next[i] = (float) (base[i] + eta * mi / (Math.sqrt(vi) + tau));
    }
    return next;
  }
}
