package io.factoryfl.core.secagg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SecAggParametersTest {

  @Test
  void defaults_followTheDefaultThreatModel() {
    assertEquals(new SecAggParameters(2, 2, 4.0, 24), SecAggParameters.defaults(3));
    assertEquals(new SecAggParameters(9, 6, 4.0, 24), SecAggParameters.defaults(10));
    assertEquals(new SecAggParameters(99, 55, 4.0, 24), SecAggParameters.defaults(100));
    assertEquals(new SecAggParameters(294, 173, 4.0, 23), SecAggParameters.defaults(500));
  }

  @Test
  void of_nullThreshold_isTheDefaultModelsMinimumForThatK() {
    SecAggParameters p = SecAggParameters.of(12, 8, null, 0.5, 20);
    assertEquals(8, p.neighbours());
    assertEquals(5, p.threshold());
    assertEquals(1, p.toleratedColluders());
    assertEquals(26, SecAggParameters.of(500, 51, 26, 0.5, 20).threshold());
  }

  @Test
  void oneNeighbour_isRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SecAggParameters(1, 1, 1, 20));
    assertEquals("neighbours must be at least 2, got 1 (with one neighbour a participant's shares all go to a"
        + " single peer)", e.getMessage());
  }

  @Test
  void thresholdOfOne_isRefusedEvenWhereItIsAMajority() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SecAggParameters(2, 1, 1, 20));
    assertEquals("threshold 1 must be from 2 (at least 2 and more than half of the 2 neighbours, so that no one"
        + " peer's two secrets can both be collected) to 2", e.getMessage());
  }

  @Test
  void thresholdOfHalfOrLess_isRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SecAggParameters.of(100, 40, 20, 1, 20));
    assertEquals("threshold 20 must be from 21 (at least 2 and more than half of the 40 neighbours, so that no one"
        + " peer's two secrets can both be collected) to 40", e.getMessage());
  }

  @Test
  void cohortOfTwo_isRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SecAggParameters.defaults(2));
    assertEquals("a secure-aggregation cohort needs at least 3 participants (each needs at least 2 neighbours),"
        + " got 2", e.getMessage());
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
