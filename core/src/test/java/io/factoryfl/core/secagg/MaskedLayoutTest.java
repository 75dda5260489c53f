package io.factoryfl.core.secagg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MaskedLayoutTest {
  @Test
  void aMaskedInput_isDeltaThenLossThenCount() {
    MaskedLayout layout = new MaskedLayout(3);
    assertEquals(3, layout.lossIndex());
    assertEquals(4, layout.countIndex());
    assertEquals(5, layout.words());
    SecAggParameters p = SecAggParameters.of(5, null, null, 2.0, 16);
    int[] encoded = FixedPoint.encode(layout.values(new float[] {0.1f, -0.2f, 0.3f}, 1.5, p.clip()), 7, p, 5, 10,
        new SplittableRandom(3));
    assertEquals(layout.words(), encoded.length);
    assertEquals(7, encoded[layout.countIndex()], "the count stays the last word");
  }

  @Test
  void sumOfEncodedLosses_decodesToTheExampleWeightedMeanLossWithinTheQuantisationBound() {
    SplittableRandom random = new SplittableRandom(29);
    for (int trial = 0; trial < 200; trial++) {
      int n = 3 + random.nextInt(48);
      int bits = 8 + random.nextInt(SecAggParameters.defaultBits(n) - 7);
      long maxExamples = 1 + random.nextLong(Math.min(100_000, Integer.MAX_VALUE / n));
      SecAggParameters p = SecAggParameters.of(n, null, null, 0.1 + random.nextDouble() * 5, bits);
      int d = 1 + random.nextInt(20);
      MaskedLayout layout = new MaskedLayout(d);
      int[] sum = new int[layout.words()];
      double weightedLoss = 0;
      double[] weightedDelta = new double[d];
      long total = 0;
      for (int u = 0; u < n; u++) {
        long w = 1 + random.nextLong(maxExamples);
        double loss = random.nextDouble() * 1.2 * MaskedLayout.LOSS_CAP;
        float[] delta = new float[d];
        for (int i = 0; i < d; i++) {
          delta[i] = (float) random.nextDouble(-p.clip(), p.clip());
          weightedDelta[i] += delta[i] * w;
        }
        int[] encoded = FixedPoint.encode(layout.values(delta, loss, p.clip()), w, p, n, maxExamples, random);
        for (int i = 0; i < sum.length; i++) {
          sum[i] += encoded[i];
        }
        weightedLoss += Math.min(loss, MaskedLayout.LOSS_CAP) * w;
        total += w;
      }
      FixedPoint.Decoded decoded = FixedPoint.decode(sum, p, n, n, maxExamples);
      double coordinateBound = FixedPoint.errorBound(p, n, total, maxExamples);
      double lossBound = coordinateBound * MaskedLayout.LOSS_CAP / (2 * p.clip());
      assertEquals(weightedLoss / total, layout.meanLoss(decoded, p.clip()), lossBound, "trial " + trial);
      float[] meanDelta = layout.meanDelta(decoded);
      assertEquals(d, meanDelta.length, "the loss is not part of the delta");
      for (int i = 0; i < d; i++) {
        assertEquals(weightedDelta[i] / total, meanDelta[i], coordinateBound, "trial " + trial + " coordinate " + i);
      }
    }
  }

  @Test
  void aLossAboveTheCapOrNotFinite_countsAsTheCap_andANegativeOneAsZero() {
    MaskedLayout layout = new MaskedLayout(1);
    double clip = 2;
    assertArrayEquals(new float[] {0.5f, 2f}, layout.values(new float[] {0.5f}, 1e6, clip));
    assertArrayEquals(new float[] {0.5f, 2f}, layout.values(new float[] {0.5f}, Double.NaN, clip));
    assertArrayEquals(new float[] {0.5f, 2f}, layout.values(new float[] {0.5f}, Double.POSITIVE_INFINITY, clip));
    assertArrayEquals(new float[] {0.5f, -2f}, layout.values(new float[] {0.5f}, -3, clip));
    assertArrayEquals(new float[] {0.5f, 0f}, layout.values(new float[] {0.5f}, MaskedLayout.LOSS_CAP / 2, clip));
  }

  @Test
  void aDecodedMeanOfTheWrongLength_orADeltaOfTheWrongLength_isRefusedNamingBoth() {
    MaskedLayout layout = new MaskedLayout(4);
    IllegalArgumentException decoded = assertThrows(IllegalArgumentException.class,
        () -> layout.meanLoss(new FixedPoint.Decoded(new float[4], 10), 1));
    assertTrue(decoded.getMessage().contains("has 4 values") && decoded.getMessage().contains("decodes to 5"),
        decoded.getMessage());
    IllegalArgumentException delta = assertThrows(IllegalArgumentException.class,
        () -> layout.values(new float[3], 0.5, 1));
    assertTrue(delta.getMessage().contains("3 values; the model has 4"), delta.getMessage());
  }
}
