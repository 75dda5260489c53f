package io.factoryfl.core.aggregate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class L2ClipTest {
  @Test
  void clipInPlace_leavesADeltaWithinTheBoundBitForBit() {
    float[] delta = {3, 4};
    assertEquals(1.0, L2Clip.clipInPlace(delta, 5.0));
    assertArrayEquals(new float[] {3, 4}, delta, 0f);
  }

  @Test
  void clipInPlace_scalesALongDeltaToTheBoundKeepingItsDirection() {
    float[] delta = {30, 40};
    L2Clip.clipInPlace(delta, 5.0);
    assertEquals(5.0, L2Clip.norm(delta), 5.0 * 0x1p-20);
    assertEquals(0.75, delta[0] / delta[1], 1e-6, "direction is kept");
  }

  @Test
  void clipInPlace_neverLeavesANormAboveTheBound_acrossRandomVectors() {
    SplittableRandom random = new SplittableRandom(3);
    for (int trial = 0; trial < 200; trial++) {
      float[] delta = new float[1 + random.nextInt(5000)];
      double scale = Math.pow(10, random.nextInt(-3, 6));
      for (int i = 0; i < delta.length; i++) {
        delta[i] = (float) (random.nextGaussian() * scale);
      }
      double clip = 0.1 + random.nextDouble() * 10;
      double before = L2Clip.norm(delta);
      L2Clip.clipInPlace(delta, clip);
      double after = L2Clip.norm(delta);
      assertTrue(after <= clip, "norm " + after + " above the clip " + clip);
      if (before > clip) {
        assertTrue(after >= clip * (1 - 0x1p-21), "norm " + after + " clipped far below " + clip);
      }
    }
  }

  @Test
  void clipInPlace_refusesANonFiniteUpdateAndLeavesItUnchanged() {
    float[] delta = {1, Float.NaN};
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> L2Clip.clipInPlace(delta, 1));
    assertTrue(e.getMessage().contains("updates must be finite"), e.getMessage());
    assertEquals(1f, delta[0]);
  }

  @Test
  void fromTask_zeroMeansNoClippingAndABogusValueIsRefused() {
    assertEquals(Double.POSITIVE_INFINITY, L2Clip.fromTask(0));
    assertEquals(2.5, L2Clip.fromTask(2.5));
    float[] delta = {1e30f, 1e30f};
    L2Clip.clipInPlace(delta, L2Clip.fromTask(0));
    assertArrayEquals(new float[] {1e30f, 1e30f}, delta, 0f);
    for (double bogus : new double[] {-1, Double.NaN, Double.POSITIVE_INFINITY}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> L2Clip.fromTask(bogus));
      assertEquals("the task's update_clip_norm is " + bogus + "; it must be a finite number >= 0"
          + " (0 = no L2 clipping), so the task is refused", e.getMessage());
    }
  }
}
