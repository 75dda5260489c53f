package io.factoryfl.core.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.factoryfl.core.job.RobustAggregationSpec.Rule;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads and checks the {@code robust_aggregation} block of a job spec (see {@link
 * RobustAggregationSpec} for the fields). Each rule's tolerance condition is checked against
 * {@code participants.min}, the smallest cohort a round can commit with, so a committed round always
 * has enough updates for the rule's guarantee.
 */
final class RobustAggregationParser {
  static final String KEY = "robust_aggregation";
  private static final Set<String> FIELDS =
      Set.of("rule", "clip_norm", "byzantine", "trim_fraction", "krum_select");
  static final double MAX_CLIP_NORM = 1e6;
  static final double DEFAULT_TRIM_FRACTION = 0.2;

  private RobustAggregationParser() {}

  static RobustAggregationSpec parse(SpecNode top, int minParticipants, SecureAggregationSpec secure) {
    if (!top.has(KEY)) {
      return RobustAggregationSpec.none();
    }
    SpecNode node = top.object(KEY, FIELDS);
    Rule rule = rule(node);
    double clipNorm = node.number("clip_norm", 0, 0.0, MAX_CLIP_NORM);
    if (rule.holdsUpdates() && secure.enabled()) {
      throw new InvalidJobSpecException(node.field("rule"), "was " + rule.key() + ", which needs every"
          + " site's individual update, and secure aggregation (on by default) hides those from the"
          + " coordinator. Set \"secure_aggregation\": {\"enabled\": false} to use " + rule.key()
          + ", or keep secure aggregation with rule fedavg and clip_norm, which holds in secure rounds"
          + " (each site clips its delta before masking)");
    }
    if (rule == Rule.FEDAVG) {
      for (String field : new String[] {"byzantine", "trim_fraction", "krum_select"}) {
        if (node.has(field)) {
          throw new InvalidJobSpecException(node.field(field), "has no effect with rule fedavg; remove"
              + " it, or choose rule median, trimmed_mean or multi_krum");
        }
      }
      return new RobustAggregationSpec(rule, clipNorm, 0, 0, null);
    }
    int byzantine = node.integer("byzantine", 1, 0, JobSpecParser.MAX_PARTICIPANTS);
    onlyFor(node, rule, "trim_fraction", Rule.TRIMMED_MEAN);
    onlyFor(node, rule, "krum_select", Rule.MULTI_KRUM);
    return switch (rule) {
      case MEDIAN -> median(node, clipNorm, byzantine, minParticipants);
      case TRIMMED_MEAN -> trimmedMean(node, clipNorm, byzantine, minParticipants);
      case MULTI_KRUM -> multiKrum(node, clipNorm, byzantine, minParticipants);
      case FEDAVG -> throw new AssertionError("handled above");
    };
  }

  private static Rule rule(SpecNode node) {
    String key = node.string("rule", Rule.FEDAVG.key());
    for (Rule rule : Rule.values()) {
      if (rule.key().equals(key)) {
        return rule;
      }
    }
    throw new InvalidJobSpecException(node.field("rule"), "unknown rule \"" + key + "\"; allowed: "
        + Arrays.stream(Rule.values()).map(Rule::key).collect(Collectors.joining(", ")));
  }

  private static void onlyFor(SpecNode node, Rule rule, String field, Rule owner) {
    if (node.has(field) && rule != owner) {
      throw new InvalidJobSpecException(node.field(field), "applies to rule " + owner.key()
          + " only, not " + rule.key() + "; remove it");
    }
  }

  private static RobustAggregationSpec median(SpecNode node, double clipNorm, int f, int min) {
    if (min < 2 * f + 1) {
      throw new InvalidJobSpecException("participants.min", "was " + min + "; the median tolerates "
          + "byzantine = " + f + " sites only while they are fewer than half of a round, so"
          + " participants.min must be at least 2 * byzantine + 1 = " + (2 * f + 1));
    }
    return new RobustAggregationSpec(Rule.MEDIAN, clipNorm, f, 0, null);
  }

  private static RobustAggregationSpec trimmedMean(SpecNode node, double clipNorm, int f, int min) {
    double fraction = DEFAULT_TRIM_FRACTION;
    if (!node.has("trim_fraction")) {
      node.pin("trim_fraction", fraction);
    } else {
      JsonNode value = node.raw("trim_fraction");
      if (!value.isNumber() || !(value.asDouble() > 0 && value.asDouble() < 0.5)) {
        throw new InvalidJobSpecException(node.field("trim_fraction"), "was " + SpecNode.describe(value)
            + "; trimmed_mean needs a share strictly between 0 and 0.5 of the updates to cut from"
            + " each end, e.g. 0.2");
      }
      fraction = value.asDouble();
    }
    RobustAggregationSpec spec = new RobustAggregationSpec(Rule.TRIMMED_MEAN, clipNorm, f, fraction, null);
    int trimmed = spec.trimCount(min);
    if (trimmed < Math.max(1, f)) {
      throw new InvalidJobSpecException(node.field("trim_fraction"), "is " + fraction + ", which trims"
          + " floor(" + fraction + " * participants.min " + min + ") = " + trimmed + " updates from each"
          + " end of a round with participants.min sites, fewer than byzantine = " + f
          + (f == 0 ? " (and nothing at all)" : "") + "; raise trim_fraction (below 0.5) or"
          + " participants.min");
    }
    return spec;
  }

  private static RobustAggregationSpec multiKrum(SpecNode node, double clipNorm, int f, int min) {
    if (min < 2 * f + 3) {
      throw new InvalidJobSpecException("participants.min", "was " + min + "; multi-Krum tolerates"
          + " byzantine = " + f + " sites only with n > 2f + 2 updates per round (Blanchard et al."
          + " 2017), so participants.min must be at least 2 * byzantine + 3 = " + (2 * f + 3));
    }
    Integer select = node.optionalInteger("krum_select", 1, JobSpecParser.MAX_PARTICIPANTS);
    if (select != null && select > min - f) {
      throw new InvalidJobSpecException(node.field("krum_select"), "was " + select + "; multi-Krum"
          + " averages at most n - byzantine updates, and a round may commit with participants.min = "
          + min + ", so krum_select must be at most " + (min - f));
    }
    return new RobustAggregationSpec(Rule.MULTI_KRUM, clipNorm, f, 0, select);
  }
}
