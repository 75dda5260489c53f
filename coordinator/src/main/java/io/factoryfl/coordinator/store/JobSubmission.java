package io.factoryfl.coordinator.store;

import java.time.Instant;
import java.util.Objects;

/**
 * What a job was when it was submitted: never changes afterwards.
 *
 * @param specJson the job spec as submitted with every default it took written in
 *     ({@code JobSpecParser.pinned}), so that a coordinator with other defaults reads back the same
 *     job; jobs stored before defaults were pinned hold the spec exactly as submitted
 * @param specHash the canonical hash of the spec exactly as the user submitted it (what the round
 *     log's job_submitted record and the job's status name)
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
