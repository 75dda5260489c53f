package io.factoryfl.participant.train;

/**
 * How a site trains locally in one round.
 *
 * @param epochs passes over the local data (&gt;= 1)
 * @param batchSize examples per gradient step (&gt;= 1); the last batch of an epoch may be smaller
 * @param learningRate Adam step size, overriding the one in the model configuration (finite, &gt; 0)
 * @param seed seeds the per-epoch shuffling, so a round is reproducible
 * @param proximalMu FedProx's mu (&gt;= 0, 0 = none): after every step the weights move {@code
 *     learningRate * proximalMu} of the way back to the round's start (see {@link LocalTrainer});
 *     {@code learningRate * proximalMu} is at most 1, so the pull never overshoots
 */
public record TrainingSettings(int epochs, int batchSize, double learningRate, long seed, double proximalMu) {

  public TrainingSettings {
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be >= 1, was " + epochs);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, was " + batchSize);
    }
    if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
      throw new IllegalArgumentException(
          "learningRate must be finite and > 0, was " + learningRate);
    }
    if (!(proximalMu >= 0) || learningRate * proximalMu > 1) {
      throw new IllegalArgumentException("proximalMu must be >= 0 with learningRate * proximalMu at"
          + " most 1, was " + proximalMu + " with learningRate " + learningRate);
    }
  }

  /** Plain local training, without a proximal term. */
  public TrainingSettings(int epochs, int batchSize, double learningRate, long seed) {
    this(epochs, batchSize, learningRate, seed, 0);
  }
}
