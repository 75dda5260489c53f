package io.factoryfl.core.secagg;

/**
 * What a SecAgg+ round is meant to withstand: a coordinator that deviates from the protocol together
 * with up to a fraction {@code maxCorruption} (gamma) of the cohort, while up to a fraction {@code
 * maxDropout} (delta) of the cohort drops out. The parameters k and t follow from it, in the spirit
 * of Bell et al. (CCS 2020, "Secure Single-Server Aggregation with (Poly)Logarithmic Overhead"):
 * k governs how many dropouts a round survives, t must keep a peer's two secrets apart.
 *
 * <h2>The privacy condition (worst case over the graph)</h2>
 *
 * A participant T shares its self-mask seed b and its masking key s with its k neighbours, t shares
 * of each needed. An honest neighbour reveals, per peer, the share of b (the peer survived, in the
 * survivor list it signed) or of s (it dropped), never both. A coordinator that hands T's
 * neighbours different survivor lists (the split-survivor-list attack) collects b-shares from one
 * group and s-shares from the other, and every colluding neighbour gives both. With c colluding
 * neighbours it holds t shares of both only if {@code 2 (t - c) <= k - c}, so T is safe while
 * {@code c <= 2t - k - 1}: that is {@link #toleratedColluders}. The same count covers the variant
 * in which the coordinator withholds shares from T so that T masks only with chosen partners and
 * then recovers the partners' masking keys instead of T's (the partners T masks with and the
 * neighbours that reveal T's seed must again be disjoint honest groups of {@code t - c} each).
 *
 * <p>The defaults assume the worst graph: all {@code C = floor(gamma n)} colluders may sit next to
 * T, so {@link #minThreshold} asks {@code 2t - k - 1 >= min(C, k)}. This holds for every graph,
 * including one the coordinator chose or ground for, so the neighbour-graph seed is defence in
 * depth for these defaults (see {@link GraphSeed}).
 *
 * <h2>The dropout condition</h2>
 *
 * A round aborts when some survivor keeps fewer than t live neighbours. With independent dropouts
 * at rate delta, {@link #abortBound} is the union bound {@code n * P[Bin(k, delta) > k - t]}
 * over the participants: an upper bound (neighbourhoods overlap), so true abort rates are lower;
 * for k = n - 1 every survivor sees the same dropouts and the bound is the single tail. {@link #neighbours} is the smallest admissible k whose bound is at
 * most {@link #ABORT_TARGET}; if none is, k = n - 1 (classic SecAgg), the most a cohort allows.
 *
 * @param maxCorruption gamma, the colluding fraction of the cohort, from 0 to below 0.5
 * @param maxDropout delta, the dropout fraction, from 0 to below 0.5
 */
public record ThreatModel(double maxCorruption, double maxDropout) {
  /** 10% colluding sites and 30% dropout. */
  public static final ThreatModel DEFAULT = new ThreatModel(0.1, 0.3);
  /** The abort rate (upper bound per round) the derived k aims for. */
  public static final double ABORT_TARGET = 0.01;

  public ThreatModel {
    if (!(maxCorruption >= 0 && maxCorruption < 0.5)) {
      throw new IllegalArgumentException("max_corruption must be from 0 to below 0.5 (a fraction of the"
          + " cohort), got " + maxCorruption);
    }
    if (!(maxDropout >= 0 && maxDropout < 0.5)) {
      throw new IllegalArgumentException("max_dropout must be from 0 to below 0.5 (a fraction of the"
          + " cohort), got " + maxDropout);
    }
  }

  /** C = floor(gamma n): the colluding sites a cohort of n may hold under this model. */
  public int colluders(int cohortSize) {
    return (int) Math.floor(maxCorruption * cohortSize + 1e-9);
  }

  /**
   * The smallest threshold that keeps every participant's two secrets apart against {@code
   * min(C, k)} colluding neighbours: {@code max(2, floor((k + min(C, k)) / 2) + 1)}. It may exceed
   * k, in which case no threshold works at this k.
   */
  public int minThreshold(int cohortSize, int neighbours) {
    int c = Math.min(colluders(cohortSize), neighbours);
    return Math.max(2, (neighbours + c) / 2 + 1);
  }

  /** Colluding neighbours a participant tolerates with these k and t: {@code 2t - k - 1}. */
  public static int toleratedColluders(int neighbours, int threshold) {
    return Math.max(0, 2 * threshold - neighbours - 1);
  }

  /**
   * The derived k for a cohort of n: the smallest admissible degree (even, or n - 1) at which
   * {@link #minThreshold} fits and the {@link #abortBound} is at most {@link #ABORT_TARGET}; n - 1
   * if no degree reaches the target.
   *
   * @throws IllegalArgumentException if the cohort has fewer than 3 members
   */
  public int neighbours(int cohortSize) {
    if (cohortSize < 3) {
      throw new IllegalArgumentException("a secure-aggregation cohort needs at least 3 participants"
          + " (k >= 2 neighbours each), got " + cohortSize);
    }
    // t = floor((n - 1 + C) / 2) + 1 <= n - 1 whenever C < n - 1, which gamma < 0.5 ensures: classic
    // SecAgg always fits.
    int complete = cohortSize - 1;
    for (int k = 2; k < complete; k += 2) {
      int t = minThreshold(cohortSize, k);
      if (t <= k && abortBound(cohortSize, k, t) <= ABORT_TARGET) {
        return k;
      }
    }
    return complete;
  }

  /** {@link #minThreshold} at the derived {@link #neighbours}. */
  public int threshold(int cohortSize) {
    return minThreshold(cohortSize, neighbours(cohortSize));
  }

  /**
   * An upper bound on the chance a round aborts for dropouts: {@code min(1, n * P[Bin(k, delta) >
   * k - t])}, or {@code P[Bin(n - 1, delta) > k - t]} for classic SecAgg (k = n - 1), where every
   * survivor sees the same dropouts.
   */
  public double abortBound(int cohortSize, int neighbours, int threshold) {
    double tail = binomialTailAbove(neighbours, maxDropout, neighbours - threshold);
    // In classic SecAgg every survivor's neighbours are all the others: one event, no union.
    return neighbours == cohortSize - 1 ? tail : Math.min(1.0, cohortSize * tail);
  }

  /**
   * P[Bin(k, p) > m], summed exactly from m + 1 upwards in log space (log-factorials exact below
   * 1024, Stirling's series above) and stopped once terms no longer matter. Above the mean the terms
   * fall geometrically, so this takes a few dozen steps for the tails the derivation asks about.
   */
  static double binomialTailAbove(int k, double p, int m) {
    if (m >= k) {
      return 0.0;
    }
    if (m < 0) {
      return 1.0;
    }
    if (p <= 0) {
      return 0.0;
    }
    if (p >= 1) {
      return 1.0;
    }
    if (m + 1 <= k * p) {
      // At or below the mean the tail holds at least about half the mass; summing the complement
      // is as cheap and as exact.
      return Math.max(0.0, 1.0 - binomialTailAtMost(k, p, m));
    }
    double logP = Math.log(p);
    double logQ = Math.log1p(-p);
    double sum = 0;
    for (int i = m + 1; i <= k; i++) {
      double term = Math.exp(logChoose(k, i) + i * logP + (k - i) * logQ);
      sum += term;
      if (term < sum * 1e-17) {
        break;
      }
    }
    return Math.min(1.0, sum);
  }

  /** P[Bin(k, p) <= m], summed from m downwards (terms fall geometrically below the mean). */
  private static double binomialTailAtMost(int k, double p, int m) {
    double logP = Math.log(p);
    double logQ = Math.log1p(-p);
    double sum = 0;
    for (int i = m; i >= 0; i--) {
      double term = Math.exp(logChoose(k, i) + i * logP + (k - i) * logQ);
      sum += term;
      if (term < sum * 1e-17) {
        break;
      }
    }
    return Math.min(1.0, sum);
  }

  private static final double[] LOG_FACTORIAL = new double[1024];

  static {
    for (int i = 1; i < LOG_FACTORIAL.length; i++) {
      LOG_FACTORIAL[i] = LOG_FACTORIAL[i - 1] + Math.log(i);
    }
  }

  private static double logChoose(int n, int r) {
    return logFactorial(n) - logFactorial(r) - logFactorial(n - r);
  }

  /** ln(n!): exact below 1024, Stirling's series (error below 1e-15 there) above. */
  private static double logFactorial(int n) {
    if (n < LOG_FACTORIAL.length) {
      return LOG_FACTORIAL[n];
    }
    double x = n;
    return x * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI * x) + 1 / (12 * x) - 1 / (360 * x * x * x);
  }

  @Override
  public String toString() {
    return "max_corruption " + maxCorruption + ", max_dropout " + maxDropout;
  }
}
