package io.factoryfl.coordinator.strategy;

/**
 * FedAvgM (Hsu, Qi, Brown 2019): server-side momentum on top of another strategy. The wrapped
 * strategy proposes the next model; the step from the current model to it is folded into a
 * velocity {@code v = beta * v + step} and the model moves by {@code v}. With non-IID sites each
 * round's average step is noisy and short (local optimiser state restarts every round); momentum
 * keeps the direction the rounds agree on. Extends by wrapping, as Flower's strategies do: every
 * other decision is the wrapped strategy's.
 */
public final class ServerMomentum extends ServerStep {
  private final double beta;
  private float[] velocity;

  /**
   * @param beta momentum in [0, 1); 0 behaves exactly like {@code inner}
   */
  public ServerMomentum(Strategy inner, double beta) {
    super(inner);
    if (!(beta >= 0 && beta < 1)) {
      throw new IllegalArgumentException("server momentum must be in [0, 1), got " + beta);
    }
    this.beta = beta;
  }

  static final String VELOCITY = "server_momentum.velocity";

  @Override
  java.util.Map<String, float[]> ownState() {
    return velocity == null ? java.util.Map.of() : java.util.Map.of(VELOCITY, velocity);
  }

  @Override
  void restoreOwn(java.util.Map<String, float[]> state) {
    float[] stored = state.get(VELOCITY);
    velocity = stored == null ? null : stored.clone();
  }

  @Override
  float[] next(float[] base, float[] target) {
    if (velocity == null || velocity.length != base.length) {
      velocity = new float[base.length];
    }
    float[] next = new float[base.length];
    for (int i = 0; i < base.length; i++) {
      velocity[i] = (float) (beta * velocity[i] + (target[i] - base[i]));
      next[i] = base[i] + velocity[i];
    }
    return next;
  }
}
