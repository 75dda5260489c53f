package io.factoryfl.participant.policy;

import java.util.Objects;

/**
 * The site policy's answer for one task or model: allowed, or refused with a reason.
 *
 * <p>A refusal reason is one line that names the rule and the values involved. It travels to the
 * coordinator and into the job's round events, so it never carries a local path, a row or a
 * secret; the factories collapse line breaks and cap the length so that a reason stays a reason.
 *
 * @param allowed whether the task may run
 * @param reason empty when allowed; otherwise a one-line explanation beginning "site policy: "
 */
public record PolicyDecision(boolean allowed, String reason) {
  static final int MAX_REASON_CHARS = 400;
  private static final String PREFIX = "site policy: ";
  private static final PolicyDecision ALLOW = new PolicyDecision(true, "");

  public PolicyDecision {
    Objects.requireNonNull(reason, "reason must not be null");
    if (allowed && !reason.isEmpty()) {
      throw new IllegalArgumentException("an allowed decision carries no reason, was '" + reason + "'");
    }
    if (!allowed && reason.isBlank()) {
      throw new IllegalArgumentException("a refusal must say why; the reason was blank");
    }
    if (reason.indexOf('\n') >= 0 || reason.indexOf('\r') >= 0) {
      throw new IllegalArgumentException("a refusal reason must be one line, was '" + reason + "'");
    }
  }

  /** The task or model may go ahead. */
  public static PolicyDecision allow() {
    return ALLOW;
  }

  /**
   * A refusal; {@code why} is prefixed with "site policy: ", its whitespace runs are collapsed to
   * single spaces and it is cut to {@value #MAX_REASON_CHARS} characters.
   */
  public static PolicyDecision refuse(String why) {
    String line = PREFIX + Objects.requireNonNull(why, "why must not be null").strip().replaceAll("\\s+", " ");
    if (line.length() > MAX_REASON_CHARS) {
      line = line.substring(0, MAX_REASON_CHARS - 3) + "...";
    }
    return new PolicyDecision(false, line);
  }
}
