package io.factoryfl.core.ops;

import java.util.Optional;

/**
 * Whether a process is ready for work, as {@code GET /readyz} reports it: a coordinator that
 * serves, a participant connected to its coordinator.
 */
@FunctionalInterface
public interface Readiness {
  /** Empty when ready; otherwise one line saying why not (and, where it helps, what to do). */
  Optional<String> notReadyBecause();
}
