package io.factoryfl.core.secagg;

import java.util.Objects;

/**
 * The one-contribution rule a site enforces from its durable record of the masked inputs it sent:
 * it sends a masked input for (job, round, base model) only if it never sent one trained from the
 * same base model (in any job or round) and never sent one for the same job and round (from any
 * base). Two unmasked sums over the same base model, or for the same round, whose cohorts differ in
 * one site would otherwise give the coordinator that site's update as their difference; under the
 * rule each honest site's input enters at most one sum per base model and per round, so two sums
 * the coordinator holds for one key are over disjoint sets of honest sites.
 *
 * <p>Keying on the base model alone stops a coordinator that bumps the round number, or opens a
 * new job, with the same model; keying on (job, round) stops one that reruns a round from a
 * slightly altered copy of the model (a different hash). A coordinator that trains the sites from
 * a near-copy of the model in a later round or another job is not stopped by this rule: see
 * docs/secure-aggregation.md, "Retries".
 */
public final class ContributionRule {
  /** The words a site's refusal under this rule contains, so a coordinator can recognise it. */
  public static final String REFUSAL = "already sent a masked input";

  private ContributionRule() {}

  /**
   * Whether a site that sent a masked input for ({@code job}, {@code round}, {@code base}) must
   * refuse one for ({@code otherJob}, {@code otherRound}, {@code otherBase}).
   */
  public static boolean conflicts(String job, int round, String base, String otherJob, int otherRound,
      String otherBase) {
    return Objects.equals(base, otherBase) || (Objects.equals(job, otherJob) && round == otherRound);
  }

  /** Whether a refusal text is a site saying it already contributed under this rule. */
  public static boolean isRefusal(String reason) {
    return reason != null && reason.contains(REFUSAL);
  }
}
