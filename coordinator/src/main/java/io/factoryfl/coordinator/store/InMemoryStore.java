package io.factoryfl.coordinator.store;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A store in memory: nothing survives the process. For tests and for measuring what durability
 * costs (the store benchmark); a coordinator never runs on it.
 */
public final class InMemoryStore implements CoordinatorStore, JobStore {
  private record Entry(JobSubmission submission, JobCheckpoint checkpoint, List<byte[]> events,
      TreeMap<Integer, Map<String, float[]>> arrays) {}

  private final Map<String, Entry> jobs = new LinkedHashMap<>();
  private final Map<String, byte[]> secureSessions = new HashMap<>();

  @Override
  public JobStore jobs() {
    return this;
  }

  @Override
  public String description() {
    return "in-memory store (nothing survives a restart)";
  }

  @Override
  public synchronized void create(JobSubmission submission) {
    if (jobs.containsKey(submission.jobId())) {
      throw new StoreException("job " + submission.jobId() + " exists already in the " + description());
    }
    jobs.put(submission.jobId(), new Entry(submission, JobCheckpoint.submitted(), new ArrayList<>(),
        new TreeMap<>()));
  }

  @Override
  public synchronized void save(String jobId, JobCheckpoint checkpoint, int round, Map<String, float[]> arrays,
      int keepFrom) {
    Entry entry = entry(jobId);
    TreeMap<Integer, Map<String, float[]>> kept = new TreeMap<>(entry.arrays().tailMap(keepFrom, true));
    if (!arrays.isEmpty()) {
      Map<String, float[]> copies = new HashMap<>();
      arrays.forEach((name, values) -> copies.put(name, values.clone()));
      kept.put(round, copies);
    }
    jobs.put(jobId, new Entry(entry.submission(), checkpoint, entry.events(), kept));
  }

  @Override
  public synchronized Map<String, float[]> arrays(String jobId, int round) {
    Map<String, float[]> copies = new HashMap<>();
    entry(jobId).arrays().getOrDefault(round, Map.of()).forEach((name, values) -> copies.put(name, values.clone()));
    return copies;
  }

  @Override
  public synchronized void appendEvent(String jobId, long sequence, byte[] event) {
    List<byte[]> events = entry(jobId).events();
    if (sequence != events.size() + 1L) {
      throw new StoreException("event " + sequence + " of job " + jobId + " is not the next one ("
          + (events.size() + 1) + ") in the " + description());
    }
    events.add(event.clone());
  }

  @Override
  public synchronized void saveSecureSession(String jobId, byte[] transcript) {
    entry(jobId);
    secureSessions.put(jobId, transcript.clone());
  }

  @Override
  public synchronized Optional<byte[]> secureSession(String jobId) {
    return Optional.ofNullable(secureSessions.get(jobId)).map(byte[]::clone);
  }

  @Override
  public synchronized void clearSecureSession(String jobId) {
    secureSessions.remove(jobId);
  }

  @Override
  public synchronized List<StoredJob> load() {
    List<StoredJob> all = new ArrayList<>();
    for (Entry entry : jobs.values()) {
      all.add(new StoredJob(entry.submission(), entry.checkpoint(), entry.events()));
    }
    return all;
  }

  @Override
  public void close() {
    // nothing to release
  }

  private Entry entry(String jobId) {
    Entry entry = jobs.get(jobId);
    if (entry == null) {
      throw new StoreException("no job " + jobId + " in the " + description());
    }
    return entry;
  }
}
