package io.factoryfl.core.secagg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SecAggParametersTest {

  @Test
  void defaults_followTheDocumentedFormulas() {
    assertEquals(new SecAggParameters(2, 2, 4.0, 24), SecAggParameters.defaults(3));
    assertEquals(new SecAggParameters(30, 16, 4.0, 24), SecAggParameters.defaults(31));
    assertEquals(new SecAggParameters(30, 16, 4.0, 24), SecAggParameters.defaults(32));
    assertEquals(new SecAggParameters(40, 21, 4.0, 24), SecAggParameters.defaults(100));
    assertEquals(new SecAggParameters(54, 28, 4.0, 23), SecAggParameters.defaults(500));
    assertEquals(new SecAggParameters(60, 31, 4.0, 22), SecAggParameters.defaults(1000));
    assertEquals(new SecAggParameters(80, 41, 4.0, 18), SecAggParameters.defaults(10_000));
    assertEquals(new SecAggParameters(90, 46, 4.0, 16), SecAggParameters.defaults(32_768));
  }

  @Test
  void of_nullNeighboursAndThreshold_takeDefaults() {
    SecAggParameters p = SecAggParameters.of(500, 51, null, 0.5, 20);
    assertEquals(51, p.neighbours());
    assertEquals(26, p.threshold());
  }

  @Test
  void thresholdOfHalfOrLess_isRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SecAggParameters.of(100, 40, 20, 1, 20));
    assertEquals("threshold 20 must be from 21 (more than half of the 40 neighbours, so that no one peer's two"
        + " secrets can be collected) to 40", e.getMessage());
  }

  @Test
  void bitsWithoutHeadroom_areRefusedNamingTheValues() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SecAggParameters.of(500, null, null, 1, 24));
    assertEquals("bits 24 plus ceil(log2(cohort 500 + 1)) = 9 exceeds 32, so the sum could wrap; use at most 23 bits",
        e.getMessage());
  }

  @Test
  void neighboursNotBelowCohort_areRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SecAggParameters.of(10, 10, null, 1, 20));
    assertEquals("neighbours 10 must be below the cohort size 10 (at most 9, which is classic SecAgg)", e.getMessage());
  }
}
