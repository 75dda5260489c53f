package io.factoryfl.coordinator.job;

import io.factoryfl.coordinator.strategy.AdaptiveServerOptimizer;
import io.factoryfl.coordinator.strategy.FedAvg;
import io.factoryfl.coordinator.strategy.RobustStrategies;
import io.factoryfl.coordinator.strategy.ServerMomentum;
import io.factoryfl.coordinator.strategy.Strategy;
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

/** Accepts jobs, runs each on its own thread, and finds them again by id. */
public final class JobScheduler implements AutoCloseable {
  private final Federation federation;
  private final ModelBudget budget;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, JobRun> jobs = new LinkedHashMap<>();
  private final AtomicInteger threads = new AtomicInteger();
  private final ExecutorService executor = Executors.newCachedThreadPool(runnable -> {
    Thread thread = new Thread(runnable, "job-" + threads.incrementAndGet());
    thread.setDaemon(true);
    return thread;
  });

  /** A scheduler that takes models up to 10^8 parameters that fit this JVM's heap. */
  public JobScheduler(Federation federation) {
    this(federation, ModelBudget.defaults());
  }

  /** @param budget how large a model a job may have; checked at submit, before it is built */
  public JobScheduler(Federation federation, ModelBudget budget) {
    this.federation = federation;
    this.budget = budget;
  }

  /**
   * Validates and starts a job.
   *
   * @throws io.factoryfl.core.job.InvalidJobSpecException naming the bad field, or the model if
   *     it is larger than the budget
   */
  public JobRun submit(String specJson, String submittedBy) {
    JobSpec spec = JobSpecParser.parse(specJson);
    budget.check(spec);
    byte[] id = new byte[6];
    random.nextBytes(id);
    String jobId = "job-" + HexFormat.of().formatHex(id);
    Strategy strategy = RobustStrategies.wrap(new FedAvg(spec, spec.task().family(spec.schema(), federation.histogramBins())), spec);
    if (spec.serverMomentum() > 0) {
      strategy = new ServerMomentum(strategy, spec.serverMomentum());
    }
    if (spec.serverOptimizer() != null) {
      strategy = new AdaptiveServerOptimizer(strategy, spec.serverOptimizer());
    }
    JobRun run = new JobRun(jobId, spec, JobSpecParser.canonicalHash(specJson), submittedBy,
        federation, strategy);
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

  @Override
  public void close() throws InterruptedException {
    for (JobRun run : list()) {
      run.cancel("coordinator shutting down");
    }
    executor.shutdown();
    executor.awaitTermination(10, TimeUnit.SECONDS);
  }
}
