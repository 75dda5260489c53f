package io.factoryfl.core.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.job.RobustAggregationSpec.Rule;
import org.junit.jupiter.api.Test;

class RobustAggregationSpecTest {
  private static String spec(int min, boolean secure, String robust) {
    return """
        {"name": "t", "model": {"template": "mlp", "hidden_layers": [4]},
         "dataset": {"name": "d", "numeric_features": ["x"], "label": "y"},
         "participants": {"min": %d, "max": %d},
         "secure_aggregation": {"enabled": %s}%s}"""
        .formatted(min, Math.max(20, min), secure, robust == null ? "" : ", \"robust_aggregation\": " + robust);
  }

  private static RobustAggregationSpec parse(int min, boolean secure, String robust) {
    return JobSpecParser.parse(spec(min, secure, robust)).robustAggregation();
  }

  private static InvalidJobSpecException invalid(int min, boolean secure, String robust) {
    return assertThrows(InvalidJobSpecException.class,
        () -> JobSpecParser.parse(spec(min, secure, robust)));
  }

  @Test
  void absentBlock_isPlainFedAvgWithoutClipping() {
    RobustAggregationSpec robust = parse(2, true, null);
    assertEquals(RobustAggregationSpec.none(), robust);
    assertEquals(false, robust.clips());
  }

  @Test
  void clipNorm_isAllowedWithSecureAggregation() {
    RobustAggregationSpec robust = parse(3, true, "{\"clip_norm\": 5.0}");
    assertEquals(Rule.FEDAVG, robust.rule());
    assertEquals(5.0, robust.clipNorm());
  }

  @Test
  void everyRuleParsesWithItsDefaults() {
    assertEquals(new RobustAggregationSpec(Rule.MEDIAN, 0, 1, 0, null),
        parse(3, false, "{\"rule\": \"median\"}"));
    assertEquals(new RobustAggregationSpec(Rule.TRIMMED_MEAN, 2, 1, 0.2, null),
        parse(5, false, "{\"rule\": \"trimmed_mean\", \"clip_norm\": 2}"));
    RobustAggregationSpec krum = parse(7, false,
        "{\"rule\": \"multi_krum\", \"byzantine\": 2, \"krum_select\": 5}");
    assertEquals(2, krum.byzantine());
    assertEquals(5, krum.krumSelect());
    assertNull(parse(5, false, "{\"rule\": \"multi_krum\"}").krumSelect());
  }

  @Test
  void aRuleThatNeedsIndividualUpdates_isRefusedUnderSecureAggregation() {
    InvalidJobSpecException e = invalid(5, true, "{\"rule\": \"median\"}");
    assertEquals("robust_aggregation.rule", e.field());
    assertTrue(e.getMessage().contains("needs every site's individual update, and secure aggregation"
        + " (on by default) hides those"), e.getMessage());
    assertTrue(e.getMessage().contains("rule fedavg and clip_norm, which holds in secure rounds"),
        e.getMessage());
  }

  @Test
  void trimmedMean_needsATrimFractionStrictlyBetweenZeroAndAHalf() {
    for (String bad : new String[] {"0", "0.5", "0.7", "-0.1", "\"x\""}) {
      InvalidJobSpecException e =
          invalid(10, false, "{\"rule\": \"trimmed_mean\", \"trim_fraction\": " + bad + "}");
      assertEquals("robust_aggregation.trim_fraction", e.field());
      assertTrue(e.getMessage().contains("strictly between 0 and 0.5"), e.getMessage());
    }
  }

  @Test
  void trimmedMean_thatTrimsFewerThanByzantineAtTheMinimumCohort_isRefused() {
    InvalidJobSpecException e =
        invalid(4, false, "{\"rule\": \"trimmed_mean\", \"trim_fraction\": 0.2}");
    assertEquals("robust_aggregation.trim_fraction: is 0.2, which trims floor(0.2 * participants.min"
        + " 4) = 0 updates from each end of a round with participants.min sites, fewer than"
        + " byzantine = 1; raise trim_fraction (below 0.5) or participants.min", e.getMessage());
    assertEquals(29, parse(100, false, "{\"rule\": \"trimmed_mean\", \"trim_fraction\": 0.29}")
        .trimCount(100), "0.29 * 100 trims 29, not 28");
  }

  @Test
  void multiKrum_needsTwoByzantinePlusThreeParticipants() {
    InvalidJobSpecException e = invalid(6, false, "{\"rule\": \"multi_krum\", \"byzantine\": 2}");
    assertEquals("participants.min", e.field());
    assertTrue(e.getMessage().contains("must be at least 2 * byzantine + 3 = 7"), e.getMessage());
    InvalidJobSpecException select =
        invalid(5, false, "{\"rule\": \"multi_krum\", \"krum_select\": 5}");
    assertTrue(select.getMessage().contains("krum_select must be at most 4"), select.getMessage());
  }

  @Test
  void median_needsAnHonestMajorityAtTheMinimumCohort() {
    InvalidJobSpecException e = invalid(4, false, "{\"rule\": \"median\", \"byzantine\": 2}");
    assertTrue(e.getMessage().contains("participants.min must be at least 2 * byzantine + 1 = 5"),
        e.getMessage());
  }

  @Test
  void fieldsThatDoNotApplyToTheRule_areRefusedNotIgnored() {
    assertEquals("robust_aggregation.byzantine", invalid(5, false, "{\"byzantine\": 1}").field());
    assertEquals("robust_aggregation.krum_select",
        invalid(5, false, "{\"rule\": \"median\", \"krum_select\": 2}").field());
    assertEquals("robust_aggregation.trim_fraction",
        invalid(5, false, "{\"rule\": \"multi_krum\", \"trim_fraction\": 0.2}").field());
    InvalidJobSpecException unknown = invalid(5, false, "{\"rule\": \"krum\"}");
    assertTrue(unknown.getMessage().endsWith("unknown rule \"krum\"; allowed: fedavg, median,"
        + " trimmed_mean, multi_krum"), unknown.getMessage());
    assertEquals("robust_aggregation.clip_norm", invalid(5, false, "{\"clip_norm\": -1}").field());
    assertEquals("robust_aggregation.clipnorm", invalid(5, false, "{\"clipnorm\": 1}").field());
  }
}
