package io.factoryfl.core.task;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossL1;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

/**
 * Regression of a real-valued label: one linear output unit trained on the standardised, clipped
 * label ({@link LabelScale}, {@link LabelClip}) with squared ({@code mse}), absolute ({@code
 * mae}) or Huber ({@code huber}, delta 1 standard deviation of the label, {@link LossHuber}) error.
 *
 * <p>Evaluation sums, per site, in label units after clipping: {@code [sum |e|, sum e^2, sum y,
 * sum y^2]} with {@code e = prediction - y}; no counts. From the merged sums of the union: RMSE
 * {@code sqrt(sum e^2 / n)}, MAE {@code sum |e| / n} and R^2 {@code 1 - sum e^2 / (sum y^2 - (sum
 * y)^2 / n)}, all exact (up to floating-point rounding), plus the mean training loss in model units.
 *
 * @param clip the label's clipping, applied to training and scoring alike
 * @param lossName {@code mse}, {@code mae} or {@code huber}
 */
public record RegressionTask(LabelClip clip, String lossName) implements TaskFamily {
  /** The losses a regression job may name. */
  public static final java.util.List<String> LOSSES = java.util.List.of("mse", "mae", "huber");
  /** Relative slack for rounding in the Cauchy-Schwarz checks of a site's sums. */
  private static final double ROUNDING = 1e-9;

  public RegressionTask {
    Objects.requireNonNull(clip, "clip");
    if (!LOSSES.contains(lossName)) {
      throw new IllegalArgumentException("regression loss must be one of " + LOSSES + ", was '" + lossName + "'");
    }
  }

  @Override
  public TaskKind kind() {
    return TaskKind.REGRESSION;
  }

  @Override
  public int outputs() {
    return 1;
  }

  @Override
  public Activation outputActivation() {
    return Activation.IDENTITY;
  }

  @Override
  public ILossFunction loss() {
    return switch (lossName) {
      case "mae" -> new LossL1();
      case "huber" -> new LossHuber(1.0);
      default -> new LossMSE();
    };
  }

  @Override
  public Scoring newScoring(LabelScale scale) {
    Objects.requireNonNull(scale, "scale");
    return new Scoring() {
      private long n;
      private double loss;
      private final double[] sums = new double[4];

      @Override
      public void add(float[] outputs, double label) {
        if (outputs.length != 1 || !Double.isFinite(label)) {
          throw new IllegalArgumentException("a regression example needs one output and a finite label, got "
              + outputs.length + " outputs and label " + label);
        }
        double y = clip.apply(label);
        double error = scale.toLabel(outputs[0]) - y;
        double modelError = outputs[0] - scale.standardise(y);
        loss += switch (lossName) {
          case "mae" -> Math.abs(modelError);
          case "huber" -> LossHuber.of(modelError, 1.0);
          default -> modelError * modelError;
        };
        sums[0] += Math.abs(error);
        sums[1] += error * error;
        sums[2] += y;
        sums[3] += y * y;
        n++;
      }

      @Override
      public EvaluationSums sums() {
        return new EvaluationSums(n, loss, new long[0], sums);
      }
    };
  }

  @Override
  public void check(EvaluationSums evaluation) {
    double[] s = evaluation.sums();
    if (evaluation.counts().length != 0 || s.length != 4) {
      throw new IllegalArgumentException("a regression evaluation has no counts and 4 sums; this one has "
          + evaluation.counts().length + " counts and " + s.length + " sums");
    }
    long n = evaluation.numExamples();
    if (s[0] < 0 || s[1] < 0 || s[3] < 0) {
      throw new IllegalArgumentException("a regression evaluation's sums of |error|, error^2 and y^2 must be"
          + " >= 0, were " + s[0] + ", " + s[1] + " and " + s[3]);
    }
    if (s[0] * s[0] > n * s[1] * (1 + ROUNDING) + Double.MIN_NORMAL
        || s[2] * s[2] > n * s[3] * (1 + ROUNDING) + Double.MIN_NORMAL) {
      throw new IllegalArgumentException("a regression evaluation over " + n + " examples has sum |e| = " + s[0]
          + ", sum e^2 = " + s[1] + ", sum y = " + s[2] + ", sum y^2 = " + s[3] + "; no data has a squared mean"
          + " above its mean square");
    }
    if (clip.max() != null && s[2] > n * clip.max() * (1 + ROUNDING) + ROUNDING
        || clip.min() != null && s[2] < n * clip.min() * (1 + ROUNDING) - ROUNDING) {
      throw new IllegalArgumentException("a regression evaluation over " + n + " examples has sum y = " + s[2]
          + ", outside what labels clipped to [" + clip.min() + ", " + clip.max() + "] can add up to");
    }
  }

  @Override
  public EvaluationMetrics metrics(EvaluationSums evaluation) {
    long n = evaluation.numExamples();
    double[] s = evaluation.sums();
    Map<String, Double> values = new LinkedHashMap<>();
    if (n == 0) {
      for (String name : new String[] {"loss", "rmse", "mae", "r2"}) {
        values.put(name, Double.NaN);
      }
      return new EvaluationMetrics(0, values, new long[0][]);
    }
    double total = s[3] - s[2] * s[2] / n;
    values.put("loss", evaluation.lossSum() / n);
    values.put("rmse", Math.sqrt(s[1] / n));
    values.put("mae", s[0] / n);
    values.put("r2", total > 0 ? 1 - s[1] / total : Double.NaN);
    return new EvaluationMetrics(n, values, new long[0][]);
  }
}
