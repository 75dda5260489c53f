package io.factoryfl.coordinator.job;

import io.factoryfl.coordinator.strategy.AdaptiveServerOptimizer;
import io.factoryfl.coordinator.strategy.FedAvg;
import io.factoryfl.coordinator.strategy.RobustStrategies;
import io.factoryfl.coordinator.strategy.ServerMomentum;
import io.factoryfl.coordinator.strategy.Strategy;
import io.factoryfl.coordinator.store.CoordinatorStore;
import io.factoryfl.coordinator.store.InMemoryStore;
import io.factoryfl.coordinator.store.JobCheckpoint;
import io.factoryfl.coordinator.store.JobSubmission;
import io.factoryfl.coordinator.store.StoredJob;
import io.factoryfl.core.job.InvalidJobSpecException;
import io.factoryfl.core.job.JobSpec;
import io.factoryfl.core.job.JobSpecParser;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Accepts jobs, runs each on its own thread, and finds them again by id. Jobs live in the
 * coordinator's store: a scheduler opened on a store that holds jobs lists them all and resumes the
 * ones that were running ({@link JobRun#restore}); closing it stops running jobs without ending
 * them, so the next scheduler on the same store resumes them.
 */
public final class JobScheduler implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(JobScheduler.class);

  private final Federation federation;
  private final ModelBudget budget;
  private final CoordinatorStore store;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, JobRun> jobs = new LinkedHashMap<>();
  private final AtomicInteger threads = new AtomicInteger();
  private final ExecutorService executor = Executors.newCachedThreadPool(runnable -> {
    Thread thread = new Thread(runnable, "job-" + threads.incrementAndGet());
    thread.setDaemon(true);
    return thread;
  });

  /**
   * A scheduler that keeps its jobs in memory only (nothing survives it) and takes models up to
   * 10^8 parameters that fit this JVM's heap.
   */
  public JobScheduler(Federation federation) {
    this(federation, ModelBudget.defaults(), new InMemoryStore());
  }

  /**
   * Opens the jobs {@code store} holds: finished ones as they ended, running ones resumed.
   *
   * @param budget how large a model a job may have; checked at submit, before it is built
   * @param store where jobs are kept; the scheduler closes it when it closes
   * @throws io.factoryfl.coordinator.store.StoreException if the store cannot be read
   */
  public JobScheduler(Federation federation, ModelBudget budget, CoordinatorStore store) {
    this.federation = federation;
    this.budget = budget;
    this.store = store;
    for (StoredJob stored : store.jobs().load()) {
      JobRun run = restore(stored);
      jobs.put(run.jobId(), run);
      if (!run.finished()) {
        executor.execute(run);
      }
    }
  }

  /**
   * A stored job as a run. One that cannot be resumed is ended FAILED with the reason; one whose
   * stored spec cannot be read is listed FAILED, naming the job and the fix, and left as it is in
   * the store. Either way the other jobs and the coordinator carry on.
   */
  private JobRun restore(StoredJob stored) {
    String jobId = stored.submission().jobId();
    JobSpec spec;
    try {
      spec = JobSpecParser.parse(stored.submission().specJson());
    } catch (InvalidJobSpecException e) {
      String reason = "the stored spec of job " + jobId + " cannot be read, so the job cannot be shown or resumed"
          + " (" + e.getMessage() + "); restore the coordinator's store from a backup and restart the coordinator";
      LOG.error("job {}: {}", jobId, reason);
      return JobRun.unreadable(stored, reason, federation, store.jobs());
    }
    try {
      return JobRun.restore(stored, spec, federation, strategyFor(spec), store.jobs());
    } catch (RuntimeException e) {
      String reason = "the job could not be " + (stored.checkpoint().state().finished() ? "read" : "resumed")
          + " after the coordinator restarted: " + e.getMessage();
      LOG.error("job {}: {}", jobId, reason, e);
      if (stored.checkpoint().state().finished()) {
        return JobRun.unreadable(stored, reason, federation, store.jobs());
      }
      JobCheckpoint failed = stored.checkpoint().withState(JobCheckpoint.State.FAILED, reason);
      try {
        store.jobs().save(jobId, failed);
        return JobRun.restore(new StoredJob(stored.submission(), failed, stored.events()), spec, federation,
            strategyFor(spec), store.jobs());
      } catch (RuntimeException stillFailing) {
        LOG.error("job {}: its failure could not be stored either: {}", jobId, stillFailing.getMessage());
        return JobRun.unreadable(stored, reason, federation, store.jobs());
      }
    }
  }

  /** The job's strategy: FedAvg for its task, wrapped as its spec asks. */
  private Strategy strategyFor(JobSpec spec) {
    Strategy strategy = RobustStrategies.wrap(new FedAvg(spec, spec.task().family(spec.schema(),
        federation.histogramBins())), spec);
    if (spec.serverMomentum() > 0) {
      strategy = new ServerMomentum(strategy, spec.serverMomentum());
    }
    if (spec.serverOptimizer() != null) {
      strategy = new AdaptiveServerOptimizer(strategy, spec.serverOptimizer());
    }
    return strategy;
  }

  /** Where this scheduler keeps its jobs. */
  public CoordinatorStore store() {
    return store;
  }

  /**
   * Validates and starts a job.
   *
   * @throws io.factoryfl.core.job.InvalidJobSpecException naming the bad field, or the model if
   *     it is larger than the budget
   */
  public JobRun submit(String specJson, String submittedBy) {
    // The store keeps the spec with every default it took written in, so a coordinator of a later
    // version, with other defaults, resumes the job as it was submitted; the spec hash stays the
    // one of the spec as the user wrote it.
    String pinned = JobSpecParser.pinned(specJson);
    JobSpec spec = JobSpecParser.parse(pinned);
    budget.check(spec);
    byte[] id = new byte[6];
    random.nextBytes(id);
    String jobId = "job-" + HexFormat.of().formatHex(id);
    JobRun run = JobRun.submit(new JobSubmission(jobId, spec.name(), pinned, JobSpecParser.canonicalHash(specJson),
        submittedBy, federation.clock().instant()), spec, federation, strategyFor(spec), store.jobs());
    synchronized (this) {
      jobs.put(jobId, run);
    }
    executor.execute(run);
    return run;
  }

  public synchronized Optional<JobRun> find(String jobId) {
    return Optional.ofNullable(jobs.get(jobId));
  }

  public synchronized List<JobRun> list() {
    return new ArrayList<>(jobs.values());
  }

  /**
   * Stops the running jobs without ending them (they resume when a scheduler opens the same store
   * again), waits up to 10 s for their threads, and closes the store.
   */
  @Override
  public void close() throws InterruptedException {
    for (JobRun run : list()) {
      run.stopForShutdown();
    }
    executor.shutdown();
    try {
      executor.awaitTermination(10, TimeUnit.SECONDS);
    } finally {
      store.close();
    }
  }
}
