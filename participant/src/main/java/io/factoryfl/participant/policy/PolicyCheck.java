package io.factoryfl.participant.policy;

import io.factoryfl.core.data.FeatureSchema;
import io.factoryfl.proto.v1.Task;
import java.time.Clock;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The site policy as the task runner sees it. Call {@link #check(Task)} when a task arrives and
 * {@link #checkModel(String)} once its model is known, both before any data is read or any
 * training starts; run the task only if both allow it, otherwise report the refusal reason.
 *
 * <p>Implementations never throw for a task or model they dislike: that is a refusal.
 */
public interface PolicyCheck {

  /**
   * Everything decidable from the task alone: the dataset is exposed; the round is within {@code
   * max_rounds_per_job}; a plain {@code train} task is refused when secure aggregation is
   * required; a {@code secagg_advertise} setup has at least {@code min_cohort} sites and k and t at
   * or above the site's minimums ({@link SecureAggregationRules}); {@code train},
   * {@code secagg_advertise} and {@code secagg_masked_input} fall inside a training window
   * (advertising outside a window would only make this site drop out of the round later).
   */
  PolicyDecision check(Task task);

  /**
   * The model's shape matches an allowed template and its parameter count is within {@code
   * models.max_parameters}.
   *
   * @param configurationJson the DL4J MultiLayerConfiguration JSON from the model download
   */
  PolicyDecision checkModel(String configurationJson);

  /**
   * A model download's header, before any parameter is received or allocated: the announced
   * parameter count and download size are within {@code models.max_parameters} and {@code
   * models.max_bytes}, and the configuration passes {@link #checkModel(String)}.
   */
  PolicyDecision checkDownload(String configurationJson, long numParameters);

  /**
   * The task's columns, translated to this site's names, include none of {@code
   * protected_columns}, as features or as the label.
   */
  PolicyDecision checkColumns(FeatureSchema localSchema);

  /**
   * A sequence job's group and order columns, in this site's names, are not among {@code
   * protected_columns}: the site reads them to build windows.
   */
  default PolicyDecision checkSequenceColumns(String localGroup, String localOrder) {
    return PolicyDecision.allow();
  }

  /** Whether jobs may use this catalogue dataset; for choosing what to register. */
  boolean exposes(String dataset);

  /** The most threads local training may use; at least 1. */
  int maxCpuThreads();

  /**
   * Enforces a policy that may change between calls, such as {@link PolicyFile#current()}.
   *
   * @param clock decides whether now is inside a training window; its zone is the windows' zone
   *     when the policy names none
   */
  static PolicyCheck enforcing(Supplier<SitePolicy> policy, Clock clock) {
    return new SitePolicyCheck(Objects.requireNonNull(policy, "policy must not be null"),
        Objects.requireNonNull(clock, "clock must not be null"));
  }

  /**
   * Enforces the default policy ({@link SitePolicy#defaults()}): what a participant without a
   * policy file enforces, exactly as documented.
   */
  static PolicyCheck defaults(Clock clock) {
    return enforcing(SitePolicy::defaults, clock);
  }
}
