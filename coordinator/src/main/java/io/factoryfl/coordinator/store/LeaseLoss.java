package io.factoryfl.coordinator.store;

import java.time.Instant;
import java.util.Objects;

/**
 * How a coordinator lost its lease.
 *
 * @param takenOverBy the coordinator that holds the lease now; null if none took it (yet)
 * @param at when: the takeover, the expiry, or the failed renewal
 * @param reason what happened, for people ("taken over", "expired without renewal: ...")
 */
public record LeaseLoss(String takenOverBy, Instant at, String reason) {
  public LeaseLoss {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(reason, "reason");
  }

  /** "lost the lease to X at T" or "lost the lease at T (reason)". */
  public String describe() {
    return takenOverBy == null ? "lost the lease at " + at + " (" + reason + ")"
        : "lost the lease to " + takenOverBy + " at " + at + " (" + reason + ")";
  }
}
