package io.factoryfl.coordinator.store;

import java.time.Instant;
import java.util.Objects;

/**
 * What a job was when it was submitted: never changes afterwards.
 *
 * @param specJson the job spec exactly as submitted (its canonical hash is {@code specHash})
 * @param submittedBy the identity that submitted it
 */
public record JobSubmission(String jobId, String name, String specJson, String specHash, String submittedBy,
    Instant submittedAt) {
  public JobSubmission {
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(specJson, "specJson");
    Objects.requireNonNull(specHash, "specHash");
    Objects.requireNonNull(submittedBy, "submittedBy");
    Objects.requireNonNull(submittedAt, "submittedAt");
  }
}
