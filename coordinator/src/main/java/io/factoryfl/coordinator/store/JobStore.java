package io.factoryfl.coordinator.store;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The jobs a coordinator must not lose: submissions, checkpoints, the strategy state of their
 * rounds and their events. Every method either completes durably (on disk or committed in the
 * database) before it returns or throws a {@link StoreException} that names the store and the fix;
 * a half-done write is never visible. Thread-safe. One contract ({@code JobStoreContract}) holds
 * for every implementation.
 */
public interface JobStore {
  /**
   * Records a new job with the {@link JobCheckpoint#submitted} checkpoint.
   *
   * @throws StoreException also if a job with that id exists
   */
  void create(JobSubmission submission);

  /**
   * Replaces the job's checkpoint and, in the same write, stores {@code arrays} (a strategy's
   * state by name, e.g. server momentum) under {@code round} and forgets the arrays of rounds
   * before {@code keepFrom}.
   *
   * @param arrays empty to store none
   * @throws StoreException also if the job is unknown
   */
  void save(String jobId, JobCheckpoint checkpoint, int round, Map<String, float[]> arrays, int keepFrom);

  /** Replaces the job's checkpoint only. */
  default void save(String jobId, JobCheckpoint checkpoint) {
    save(jobId, checkpoint, -1, Map.of(), 0);
  }

  /** The arrays stored under {@code round} by {@link #save}; empty if none. */
  Map<String, float[]> arrays(String jobId, int round);

  /**
   * Appends the job's event number {@code sequence} (1 for its first event).
   *
   * @throws StoreException also if the job is unknown or the sequence is not the next one
   */
  void appendEvent(String jobId, long sequence, byte[] event);

  /**
   * Records the transcript of the job's open secure-aggregation session (a serialised
   * {@code SecureSessionTranscript}), replacing the one before: a job has at most one open session.
   *
   * @throws StoreException also if the job is unknown
   */
  void saveSecureSession(String jobId, byte[] transcript);

  /** The transcript {@link #saveSecureSession} recorded last for the job; empty if none or cleared. */
  Optional<byte[]> secureSession(String jobId);

  /** Forgets the job's open secure session, if any (the session ended). */
  void clearSecureSession(String jobId);

  /** Every job in the order they were submitted. */
  List<StoredJob> load();
}
