package io.factoryfl.coordinator.store;

import java.util.List;
import java.util.Objects;

/**
 * A job as the store holds it: its submission, its latest checkpoint and the events published so
 * far (serialised RoundEvent messages, in sequence order from 1).
 */
public record StoredJob(JobSubmission submission, JobCheckpoint checkpoint, List<byte[]> events) {
  public StoredJob {
    Objects.requireNonNull(submission, "submission");
    Objects.requireNonNull(checkpoint, "checkpoint");
    events = List.copyOf(events);
  }
}
