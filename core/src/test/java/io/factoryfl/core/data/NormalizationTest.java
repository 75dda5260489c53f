package io.factoryfl.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NormalizationTest {

  @Test
  void apply_standardises() {
    Normalization normalization = new Normalization(new double[] {10, 0}, new double[] {2, 1});
    assertEquals(1.5, normalization.apply(0, 13), 1e-12);
    assertEquals(-4, normalization.apply(1, -4), 1e-12);
  }

  @Test
  void fromStats_replacesZeroStdByOne() {
    Normalization normalization = Normalization.fromStats(new double[] {5, 5}, new double[] {0, 2});
    assertArrayEquals(new double[] {1, 2}, normalization.std());
  }

  @Test
  void constructor_rejectsZeroStdNamingTheIndex() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Normalization(new double[] {1, 2}, new double[] {1, 0}));
    assertTrue(e.getMessage().contains("std[1]") && e.getMessage().contains("0.0"),
        e.getMessage());
  }

  @Test
  void constructor_rejectsUnequalLengths() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Normalization(new double[] {1, 2}, new double[] {1}));
    assertTrue(e.getMessage().contains("2 and 1"), e.getMessage());
  }

  @Test
  void arrays_areCopiedInAndOut() {
    double[] mean = {1};
    Normalization normalization = new Normalization(mean, new double[] {1});
    mean[0] = 7;
    normalization.mean()[0] = 7;
    assertArrayEquals(new double[] {1}, normalization.mean());
  }
}
