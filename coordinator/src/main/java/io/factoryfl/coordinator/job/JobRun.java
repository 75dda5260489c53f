package io.factoryfl.coordinator.job;

import io.factoryfl.coordinator.registry.ParticipantInfo;
import io.factoryfl.coordinator.report.InvalidReportException;
import io.factoryfl.coordinator.report.ReportedValues;
import io.factoryfl.coordinator.store.JobCheckpoint;
import io.factoryfl.coordinator.store.JobStore;
import io.factoryfl.coordinator.store.JobSubmission;
import io.factoryfl.coordinator.store.ModelVersion;
import io.factoryfl.coordinator.strategy.BaseModel;
import io.factoryfl.core.params.WordSource;
import io.factoryfl.coordinator.store.StoredJob;
import io.factoryfl.coordinator.strategy.Aggregation;
import io.factoryfl.coordinator.strategy.EvaluateResult;
import io.factoryfl.coordinator.strategy.EvaluationSummary;
import io.factoryfl.coordinator.strategy.Failure;
import io.factoryfl.coordinator.strategy.FitInstruction;
import io.factoryfl.coordinator.strategy.FitOutcome;
import io.factoryfl.coordinator.strategy.FitResult;
import io.factoryfl.coordinator.strategy.Strategy;
import io.factoryfl.coordinator.task.PendingTask;
import io.factoryfl.coordinator.task.RoundGate;
import io.factoryfl.coordinator.task.TaskOutcome;
import io.factoryfl.core.bundle.BundleCard;
import io.factoryfl.core.data.FeatureStats;
import io.factoryfl.core.data.ImageSpec;
import io.factoryfl.core.secagg.FixedPoint;
import io.factoryfl.core.secagg.StatisticsLayout;
import io.factoryfl.core.task.ClassificationTask;
import io.factoryfl.core.task.LabelClip;
import io.factoryfl.core.task.LabelScale;
import io.factoryfl.core.task.TaskFamily;
import io.factoryfl.core.task.TaskKind;
import io.factoryfl.core.data.Normalization;
import io.factoryfl.core.job.BestRound;
import io.factoryfl.core.job.JobSpec;
import io.factoryfl.core.job.SelectionSpec;
import io.factoryfl.core.metrics.ScoreHistogram;
import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.proto.v1.CategoricalFeature;
import io.factoryfl.proto.v1.DatasetBinding;
import io.factoryfl.proto.v1.EvaluateTask;
import io.factoryfl.proto.v1.EvaluationDone;
import io.factoryfl.proto.v1.EvaluationResult;
import io.factoryfl.proto.v1.FeatureStatsTask;
import io.factoryfl.proto.v1.ImageBinding;
import io.factoryfl.proto.v1.JobEnded;
import io.factoryfl.proto.v1.JobState;
import io.factoryfl.proto.v1.JobStatus;
import io.factoryfl.proto.v1.ParticipantDropped;
import io.factoryfl.proto.v1.RoundCommitted;
import io.factoryfl.proto.v1.RoundEvent;
import io.factoryfl.proto.v1.RoundRetried;
import io.factoryfl.proto.v1.Task;
import io.factoryfl.proto.v1.TaskRefused;
import io.factoryfl.proto.v1.TrainTask;
import io.factoryfl.proto.v1.UpdateRejected;
import io.factoryfl.proto.v1.SecureSessionTranscript;
import io.factoryfl.core.data.FeatureSchema;
import io.factoryfl.core.params.ParameterCodec;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job's round state machine, and the only code that changes the job's state:
 *
 * <pre>
 * PENDING (wait for participants.min sites offering the dataset)
 *   -> feature statistics (round 0): global means / standard deviations from sites' sums
 *   -> for each round: select cohort -> send train tasks -> collect until all are in or the
 *      deadline -> aggregate -> commit the new model version (by hash) -> federated evaluation
 *      [-> with select.patience: stop once that many evaluations did not improve]
 *   -> SUCCEEDED
 * </pre>
 *
 * A round that ends with fewer than participants.min usable updates is retried (up to
 * max_round_attempts) and the previous global model stays; a cancelled job ends at once.
 *
 * <p>The job's result ({@link #resultModel}) is the last committed round's model, or with the
 * spec's {@code select} the best evaluated round's ({@link BestRound}); when such a job ends, the
 * round log records which round was chosen and why (model_selected) before job_finished, which
 * names the same model.
 *
 * <p>Durability: every transition goes through the job's {@link JobStore} before it is
 * acknowledged ({@link JobCheckpoint}). A round's commit is written ahead (model file, then the
 * checkpoint with the round prepared and the strategy's state), made final by the round log's
 * signed round_closed record, and only then announced. A coordinator that restarts on the same
 * store rebuilds each job ({@link #restore}): a finished one as it ended, a running one from its last
 * committed round, recording job_interrupted and job_resumed in the round log; the round that was in
 * progress runs again with new attempt numbers (a secure one with fresh keys in a new session), except
 * a secure round that had reached its masked-input stage: that attempt's session is carried on from
 * the store ({@link SecureRound#carryOn}), since its sites refuse a second session of the round.
 */
public final class JobRun implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(JobRun.class);

  private final String jobId;
  private final String name;
  /** The job's spec; null only for a job whose stored spec cannot be read ({@link #unreadable}). */
  private final JobSpec spec;
  private final JobStore store;
  /** What the store holds about the job; changed only by the job's own thread. */
  private JobCheckpoint checkpoint;
  /** The round the coordinator was in when it stopped, for a restored job; -1 for a new one. */
  private int resumedRound = -1;
  /**
   * Whether a restored job was ending when the coordinator stopped, so that its round log may hold
   * its model_selected already.
   */
  private boolean restoredWhileEnding;
  /** A restored job's open secure session that its interrupted round carries on; null if none. */
  private SecureSessionTranscript continued;
  /** Set when the coordinator shuts down: the job stops without ending and resumes on restart. */
  private volatile boolean shutdown;
  private final String specHash;
  private final Federation federation;
  private final Strategy strategy;
  private final JobEvents events;
  private final Dispatcher dispatcher;
  private final RoundLog log;
  private final String configurationJson;
  /** The best evaluated round by the spec's select metric; null without select. */
  private final BestRound best;

  private volatile JobState state = JobState.JOB_STATE_PENDING;
  private volatile int completedRounds;
  private volatile ModelVersion current;
  private volatile String message = "";
  private volatile boolean cancelRequested;
  private volatile Thread runner;
  /** The last committed round and its model; null before round 1 commits. */
  private volatile RoundModel lastCommitted;
  /** With select: the best evaluated round and its model; null until an evaluation gives a value. */
  private volatile RoundModel bestEvaluated;
  /** Whether select.patience ended the job before its last round. */
  private boolean stoppedEarly;
  private Normalization normalization;
  /** A regression label's federated standardisation; identity for a classifier. */
  private LabelScale labelScale = LabelScale.IDENTITY;
  /** What the job learns: scores the sites' evaluations and sizes their histograms. */
  private final TaskFamily task;
  /** Rows of each site's training split as reported in round 0: bounds its evaluations. */
  private Map<String, Long> trainRows = new java.util.HashMap<>();
  /**
   * Sites a secure attempt of the current round excluded for misbehaviour (bad keys, shares or
   * signatures): the round's later attempts draw their cohort without them.
   */
  private final java.util.Set<String> excludedThisRound = new java.util.HashSet<>();

  /**
   * Records a new job in the store, then opens its round log and records the submission there.
   *
   * @throws io.factoryfl.coordinator.store.StoreException if the store cannot record it
   */
  public static JobRun submit(JobSubmission submission, JobSpec spec, Federation federation, Strategy strategy,
      JobStore store) {
    store.create(submission);
    JobRun run = new JobRun(submission, spec, federation, strategy, store, JobCheckpoint.submitted(), List.of(),
        true);
    run.log.jobSubmitted(spec.name(), run.specHash, submission.submittedBy());
    return run;
  }

  private JobRun(JobSubmission submission, JobSpec spec, Federation federation, Strategy strategy, JobStore store,
      JobCheckpoint checkpoint, List<RoundEvent> storedEvents, boolean openLog) {
    this.jobId = submission.jobId();
    this.name = submission.name();
    this.spec = spec;
    this.specHash = submission.specHash();
    this.federation = federation;
    this.strategy = strategy;
    this.store = store;
    this.checkpoint = checkpoint;
    this.events = new JobEvents(jobId, federation.clock(), (sequence, event) -> store.appendEvent(jobId, sequence,
        event), storedEvents);
    this.log = openLog ? RoundLog.open(federation.roundLogs(), jobId, federation.identity(),
        federation.clock(), federation.registry()) : null;
    this.dispatcher = new Dispatcher(jobId, federation, events, binding(spec), log);
    this.configurationJson = spec.modelConfigurationJson();
    this.task = spec.task().family(spec.schema(), federation.histogramBins());
    this.best = spec.selection().map(selection -> new BestRound(selection.mode())).orElse(null);
    this.state = toProto(checkpoint.state());
    this.message = checkpoint.message();
  }

  /**
   * A job the store holds, as a restarted coordinator finds it. A finished job comes back as it
   * ended (status, events, result model; its round log stays closed). A running one reopens its
   * round log, settles a round whose commit was written ahead (committed if the log closed it,
   * dropped otherwise), takes back the strategy's state, and records job_interrupted and
   * job_resumed; {@link #run} then carries on from the last committed round.
   *
   * @throws io.factoryfl.coordinator.store.StoreException if the store cannot be read or written
   */
  public static JobRun restore(StoredJob stored, JobSpec spec, Federation federation, Strategy strategy,
      JobStore store) {
    List<RoundEvent> events = new ArrayList<>();
    for (byte[] bytes : stored.events()) {
      try {
        events.add(RoundEvent.parseFrom(bytes));
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new io.factoryfl.coordinator.store.StoreException("event " + (events.size() + 1) + " of job "
            + stored.submission().jobId() + " in the store is damaged; restore the store from a backup", e);
      }
    }
    JobCheckpoint checkpoint = stored.checkpoint();
    JobRun run = new JobRun(stored.submission(), spec, federation, strategy, store, checkpoint, events,
        !checkpoint.state().finished());
    if (checkpoint.state().finished()) {
      run.restoreFrom(checkpoint);
    } else {
      try {
        run.resume();
      } catch (RuntimeException e) {
        run.closeLog(); // releases the round log, so the job can be resumed again without a restart
        throw e;
      }
    }
    return run;
  }

  /**
   * A stored job whose spec cannot be read (a damaged row): listed FAILED with {@code reason},
   * with the events the store holds and no result. Nothing is written: neither the store nor the
   * round log changes, so the job comes back as it was once its row is restored.
   */
  public static JobRun unreadable(StoredJob stored, String reason, Federation federation, JobStore store) {
    List<RoundEvent> events = new ArrayList<>();
    try {
      for (byte[] bytes : stored.events()) {
        events.add(RoundEvent.parseFrom(bytes));
      }
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      events.clear();
    }
    return new JobRun(stored.submission(), federation, store,
        stored.checkpoint().withState(JobCheckpoint.State.FAILED, reason), events);
  }

  /** An unreadable job ({@link #unreadable}): finished, and nothing to run. */
  private JobRun(JobSubmission submission, Federation federation, JobStore store, JobCheckpoint checkpoint,
      List<RoundEvent> storedEvents) {
    this.jobId = submission.jobId();
    this.name = submission.name();
    this.spec = null;
    this.specHash = submission.specHash();
    this.federation = federation;
    this.strategy = null;
    this.store = store;
    this.checkpoint = checkpoint;
    this.events = new JobEvents(jobId, federation.clock(), (sequence, event) -> store.appendEvent(jobId, sequence,
        event), storedEvents);
    this.log = null;
    this.dispatcher = null;
    this.configurationJson = null;
    this.task = null;
    this.best = null;
    this.state = toProto(checkpoint.state());
    this.message = checkpoint.message();
  }

  /** Takes the fields of a stored checkpoint (the round log settles a prepared round afterwards). */
  private void restoreFrom(JobCheckpoint stored) {
    trainRows = new java.util.HashMap<>(stored.trainRows());
    if (stored.featureMean() != null) {
      normalization = new Normalization(stored.featureMean(), stored.featureStd());
      if (task.kind() == TaskKind.REGRESSION) {
        labelScale = new LabelScale(stored.labelMean(), stored.labelStd());
      }
    }
    completedRounds = stored.committedRound();
    if (stored.committedRound() > 0) {
      lastCommitted = new RoundModel(stored.committedRound(), stored.committedModel());
    }
    JobCheckpoint.Best b = stored.best();
    if (best != null && b != null) {
      best.restore(b.round(), b.value(), b.lastOffered(), b.sinceBest());
      if (b.round() > 0 && b.model() != null) {
        bestEvaluated = new RoundModel(b.round(), b.model());
      }
    }
  }

  /** A running job after a restart: settles its prepared round, its strategy, and says so in the log. */
  private void resume() {
    if (!log.hasSubmission()) {
      // the coordinator stopped between recording the job in the store and in the round log
      log.jobSubmitted(spec.name(), specHash, "(unknown: the coordinator stopped while the job was submitted)");
    }
    var ended = log.finished();
    if (ended.isPresent()) {
      // the coordinator stopped between the round log's job_finished and the store
      String finalState = String.valueOf(ended.get().get("state"));
      checkpoint = checkpoint.withState(JobCheckpoint.State.valueOf(finalState), String.valueOf(
          ended.get().getOrDefault("message", "")));
      store.save(jobId, checkpoint);
      restoreFrom(checkpoint);
      state = toProto(checkpoint.state());
      message = checkpoint.message();
      log.close();
      return;
    }
    String dropped = "";
    JobCheckpoint.Prepared prepared = checkpoint.prepared();
    if (prepared != null && log.closed(prepared.round(), prepared.model())) {
      checkpoint = checkpoint.committingPrepared();
    } else if (prepared != null) {
      dropped = "; its commit of model " + prepared.model() + " was written ahead but never closed, so it is dropped";
      checkpoint = checkpoint.droppingPrepared();
    }
    restoreFrom(checkpoint);
    if (checkpoint.started()) {
      current = model(checkpoint.committedModel());
      strategy.restore(store.arrays(jobId, checkpoint.committedRound()));
    }
    resumedRound = checkpoint.started() ? checkpoint.committedRound() + 1 : 0;
    int lastAttempt = log.lastAttempt(resumedRound);
    JobCheckpoint.Ending ending = checkpoint.ending();
    restoredWhileEnding = ending != null || roundsDone();
    continued = ending == null ? continuableSession(lastAttempt) : null;
    log.jobInterrupted(resumedRound, lastAttempt, (ending != null ? "the job was ending " + ending.state()
        + " and now finishes so, without another round" : lastAttempt == 0 ? "no attempt of round " + resumedRound
        + " had started" : continued != null ? "attempt " + lastAttempt + " of round " + resumedRound + " was in"
        + " the " + continued.getStage().name().toLowerCase(java.util.Locale.ROOT) + " stage of its secure"
        + " session, which continues" : "attempt " + lastAttempt + " of round " + resumedRound + " was in"
        + " progress and is abandoned") + dropped);
    log.jobResumed(checkpoint.committedRound(), checkpoint.committedModel(), resumedRound,
        continued == null ? 0 : continued.getAttempt());
    store.save(jobId, checkpoint);
  }

  /** A committed round and the hash of the model it committed. */
  private record RoundModel(int round, String model) {}

  /** A stored model version by hash, verified against it. */
  private ModelVersion model(String hash) {
    return federation.store().require(hash);
  }

  private static JobState toProto(JobCheckpoint.State state) {
    return JobState.valueOf("JOB_STATE_" + state.name());
  }

  private static JobCheckpoint.State fromProto(JobState state) {
    return JobCheckpoint.State.valueOf(state.name().replace("JOB_STATE_", ""));
  }

  public String jobId() {
    return jobId;
  }

  public JobSpec spec() {
    return spec;
  }

  public JobEvents events() {
    return events;
  }

  /**
   * The job's result: the model a user downloads and deploys, or null while no round has
   * committed. Without {@code select} the last committed round's model; with it the best
   * evaluated round's so far (strictly better by the metric and mode; the earlier round on a tie),
   * or the last committed round's while no evaluation gave a value of the metric.
   */
  public ModelVersion resultModel() {
    RoundModel result = result();
    return result == null ? null : model(result.model());
  }

  /**
   * The card of a model bundle of {@code model} (committed in {@code round}): the job's columns,
   * the federation's standardisation, the task and the provenance a plant needs to score rows.
   */
  public BundleCard bundleCard(ModelVersion model, int round) {
    return new BundleCard(jobId, spec.name(), round, model.hash(), specHash, spec.datasetName(), spec.schema(),
        normalization, task.kind(), spec.task().clip(), labelScale, spec.task().regressionLoss(), histogramBins(),
        spec.sequence(), spec.images());
  }

  /** The round whose model {@link #resultModel} is; 0 while no round has committed. */
  public int resultRound() {
    RoundModel result = result();
    return result == null ? 0 : result.round();
  }

  private RoundModel result() {
    RoundModel chosen = bestEvaluated;
    return chosen != null ? chosen : lastCommitted;
  }

  /** The current global model, or null before the first version exists. */
  public ModelVersion currentModel() {
    return current;
  }

  public JobStatus status() {
    JobStatus.Builder status = JobStatus.newBuilder().setJobId(jobId).setName(name)
        .setState(state).setCompletedRounds(completedRounds).setTotalRounds(spec == null ? 0 : spec.rounds())
        .setMessage(message).setSpecHash(specHash);
    ModelVersion model = current;
    if (model != null) {
      status.setModelHash(model.hash());
    } else if (checkpoint.committedModel() != null) {
      status.setModelHash(checkpoint.committedModel());
    }
    RoundModel result = result();
    if (result != null) {
      status.setResultRound(result.round()).setResultModelHash(result.model());
    }
    return status.build();
  }

  public boolean finished() {
    return state == JobState.JOB_STATE_SUCCEEDED || state == JobState.JOB_STATE_FAILED
        || state == JobState.JOB_STATE_CANCELLED;
  }

  /** An admin stops the job; it ends CANCELLED, keeping its result so far, and the log says who. */
  public void cancel(String reason, String by) {
    if (log != null) {
      log.adminAction(by, "cancel");
    }
    cancel(reason);
  }

  /**
   * The coordinator shuts down: the job stops where it is without ending (no job_finished), its
   * round log is closed, and a coordinator that starts on the same store resumes it.
   */
  public void stopForShutdown() {
    shutdown = true;
    Thread thread = runner;
    if (thread != null) {
      thread.interrupt();
    }
  }

  /** Asks the job to stop; it ends CANCELLED with the given reason, keeping its result so far. */
  public void cancel(String reason) {
    message = reason;
    cancelRequested = true;
    Thread thread = runner;
    if (thread != null) {
      thread.interrupt();
    }
  }

  @Override
  public void run() {
    runner = Thread.currentThread();
    if (finished()) {
      return;
    }
    JobCheckpoint.Ending ending = checkpoint.ending();
    if (ending != null) {
      // the coordinator stopped while the job was ending: it ends as decided, without another round
      stoppedEarly = ending.state() == JobCheckpoint.State.SUCCEEDED && completedRounds < spec.rounds();
      end(toProto(ending.state()), ending.message());
      return;
    }
    try {
      if (cancelRequested) {
        throw new InterruptedException();
      }
      if (!checkpoint.started()) {
        awaitParticipants();
        state = JobState.JOB_STATE_RUNNING;
        save(checkpoint.withState(JobCheckpoint.State.RUNNING, message));
        // an image job reads pixels scaled as its spec says: there are no feature statistics to gather
        normalization = spec.images().isPresent() ? Normalization.identity(spec.schema().numericColumns().size())
            : withRetries(0, firstAttempt(0), this::collectFeatureStats);
        current = federation.store().put(configurationJson,
            ModelDefinition.fromJson(configurationJson).initialParameters());
        save(checkpoint.withStart(normalization.mean(), normalization.std(), labelScale.mean(), labelScale.std(),
            trainRows, current.hash()));
      }
      if (resumedRound > 0 && !roundsDone()) {
        awaitParticipants(); // the sites reconnect to a restarted coordinator by themselves
      }
      state = JobState.JOB_STATE_RUNNING;
      if (completedRounds > 0 && (checkpoint.evaluatedRound() < completedRounds ? evaluateOrStop(completedRounds)
          : stopsEarly(completedRounds))) {
        return; // the coordinator stopped between a commit and its evaluation, or before ending the job after it
      }
      for (int round = completedRounds + 1; round <= spec.rounds(); round++) {
        final int r = round;
        excludedThisRound.clear();
        withRetries(round, firstAttempt(round), attempt -> trainRound(r, attempt));
        lastCommitted = new RoundModel(round, current.hash());
        completedRounds = round;
        if (evaluateOrStop(round)) {
          return;
        }
      }
      end(JobState.JOB_STATE_SUCCEEDED, "completed " + spec.rounds() + " rounds"
          + (best == null ? "" : "; " + chosen()));
    } catch (InterruptedException e) {
      if (shutdown) {
        closeForShutdown();
        return;
      }
      end(JobState.JOB_STATE_CANCELLED, message.isEmpty() ? "cancelled" : message);
    } catch (JobFailedException e) {
      end(JobState.JOB_STATE_FAILED, e.getMessage());
    } catch (io.factoryfl.coordinator.store.StoreException e) {
      if (shutdown) {
        closeForShutdown();
        return;
      }
      LOG.error("job " + jobId + ": the store failed", e);
      end(JobState.JOB_STATE_FAILED, e.getMessage());
    } catch (RuntimeException e) {
      if (shutdown) {
        closeForShutdown();
        return;
      }
      LOG.error("job " + jobId + " failed", e);
      // The message reaches job status, events and the round log: the detail stays in the log.
      end(JobState.JOB_STATE_FAILED, "the coordinator hit an unexpected error ("
          + e.getClass().getSimpleName() + "); the job's result so far is kept and the"
          + " coordinator's log has the detail under job " + jobId);
    }
  }

  /**
   * Evaluates {@code round}'s model, stores the evaluation's outcome, and with select.patience
   * ends the job when the evaluations stopped improving.
   *
   * @return whether the job ended
   */
  private boolean evaluateOrStop(int round) throws InterruptedException {
    evaluate(round);
    save(checkpoint.withEvaluated(round, best == null ? null : new JobCheckpoint.Best(best.round(),
        bestEvaluated == null ? null : bestEvaluated.model(), best.value(), best.lastOffered(),
        best.evaluationsSinceBest())));
    return stopsEarly(round);
  }

  /**
   * A restored job whose last round is committed and evaluated, or whose evaluations used up
   * select.patience: it ends without another round, so it need not wait for its sites.
   */
  private boolean roundsDone() {
    return checkpoint.started() && checkpoint.evaluatedRound() == completedRounds && (completedRounds >= spec.rounds()
        || best != null && best.patienceExhausted(selection().patience()));
  }

  /**
   * With select.patience, ends the job after {@code round} (evaluated and stored) when the
   * evaluations stopped improving.
   *
   * @return whether the job ended
   */
  private boolean stopsEarly(int round) {
    if (round < spec.rounds() && best != null && best.patienceExhausted(selection().patience())) {
      stoppedEarly = true;
      end(JobState.JOB_STATE_SUCCEEDED, "stopped early after round " + round + " of " + spec.rounds()
          + ": " + noImprovement() + "; " + chosen());
      return true;
    }
    return false;
  }

  /** The first attempt number of {@code round}: after the last one the round log names when resumed. */
  private int firstAttempt(int round) {
    if (continued != null && continued.getRound() == round) {
      return continued.getAttempt(); // its secure session continues (see continuing)
    }
    return round == resumedRound ? log.lastAttempt(round) + 1 : 1;
  }

  /** Writes the job's checkpoint through the store before the transition is acknowledged. */
  private void save(JobCheckpoint next) {
    store.save(jobId, next);
    checkpoint = next;
  }

  /** Leaves the job as it is in the store and closes its round log, so a restart resumes it. */
  private void closeForShutdown() {
    closeLog();
  }

  private void closeLog() {
    try {
      log.close();
    } catch (RuntimeException e) {
      LOG.warn("job " + jobId + ": the round log could not be closed", e);
    }
  }

  private SelectionSpec selection() {
    return spec.selection().orElseThrow();
  }

  /** Why a job with select.patience stopped: "roc_auc did not improve in the last 3 evaluations". */
  private String noImprovement() {
    SelectionSpec selection = selection();
    return (best.found() ? selection.metric() + " did not improve" : "no evaluation gave a value of "
        + selection.metric()) + " in the last " + best.evaluationsSinceBest() + " evaluations (select.patience "
        + selection.patience() + ")";
  }

  /** Which round is a select job's result: "the result is round 4, the best by max roc_auc (0.9132)". */
  private String chosen() {
    SelectionSpec selection = selection();
    RoundModel result = result();
    if (result == null) {
      return "no round committed";
    }
    if (!best.found()) {
      return "no evaluation gave a value of " + selection.metric() + ", so the result is the last committed"
          + " round " + result.round();
    }
    return String.format(java.util.Locale.ROOT, "the result is round %d, the best by %s %s (%.4f)",
        result.round(), selection.mode().key(), selection.metric(), best.value());
  }

  /**
   * Records the job's end: with select, which round's model is the result and why (signed), then
   * job_finished naming the result model, then the JobEnded event.
   */
  private void end(JobState finalState, String why) {
    message = why;
    RoundModel result = result();
    String chosen = result != null ? result.model() : current == null ? null : current.hash();
    try {
      save(checkpoint.withEnding(new JobCheckpoint.Ending(fromProto(finalState), why)));
    } catch (io.factoryfl.coordinator.store.StoreException e) {
      LOG.error("job " + jobId + ": its end could not be written ahead: " + e.getMessage(), e);
    }
    try {
      if (best != null && result != null) {
        logModelSelected(result);
      }
      log.jobFinished(finalState.name().replace("JOB_STATE_", ""), why, chosen);
      log.close();
    } catch (RuntimeException e) {
      LOG.error("job " + jobId + ": the round log could not be closed", e);
    }
    try {
      save(checkpoint.withState(fromProto(finalState), why));
    } catch (io.factoryfl.coordinator.store.StoreException e) {
      // the round log has job_finished: a restarted coordinator takes the end from there
      LOG.error("job " + jobId + ": its end could not be stored: " + e.getMessage(), e);
    }
    state = finalState;
    JobEnded.Builder ended = JobEnded.newBuilder().setState(finalState).setMessage(why)
        .setResultRound(result == null ? 0 : result.round());
    if (chosen != null) {
      ended.setModelHash(chosen);
    }
    try {
      events.publish(completedRounds, RoundEvent.newBuilder().setEnded(ended));
    } catch (io.factoryfl.coordinator.store.StoreException e) {
      LOG.error("job " + jobId + ": its end event could not be stored: " + e.getMessage(), e);
    }
  }

  /**
   * The signed model_selected record; a failure to write it must not keep job_finished out of the log.
   * A job that was ending when the coordinator stopped may have recorded it already (a log takes one
   * per job); then job_finished names the same model (the restored selection state is the one it
   * was chosen from).
   */
  private void logModelSelected(RoundModel result) {
    if (restoredWhileEnding && log.selected()) {
      LOG.info("job {}: the round log recorded the chosen model before the restart", jobId);
      return;
    }
    try {
      log.modelSelected(result.round(), result.model(), selection(), best.found() ? best.value() : Double.NaN,
          stoppedEarly, chosen() + (stoppedEarly ? "; stopped early: " + noImprovement() : ""));
    } catch (RuntimeException e) {
      LOG.error("job " + jobId + ": the chosen model could not be recorded in the round log", e);
    }
  }

  private void awaitParticipants() throws InterruptedException, JobFailedException {
    List<ParticipantInfo> ready = federation.registry().awaitAvailable(
        spec.datasetName(), spec.minParticipants(), spec.startTimeout());
    if (ready.size() < spec.minParticipants()) {
      throw new JobFailedException("only " + ready.size() + " participants offering dataset '"
          + spec.datasetName() + "' connected within " + spec.startTimeout().toSeconds()
          + " s, participants.min is " + spec.minParticipants());
    }
  }

  /** One attempt of a step: its value, or the reason it could not complete. */
  private record Attempt<T>(T value, String failure) {
    static <T> Attempt<T> ok(T value) {
      return new Attempt<>(value, null);
    }

    static <T> Attempt<T> failed(String reason) {
      return new Attempt<>(null, reason);
    }
  }

  private interface Step<T> {
    Attempt<T> run(int attempt) throws InterruptedException;
  }

  private <T> T withRetries(int round, int first, Step<T> step) throws InterruptedException, JobFailedException {
    for (int attempt = first; ; attempt++) {
      Attempt<T> result = step.run(attempt);
      if (result.failure() == null) {
        return result.value();
      }
      store.clearSecureSession(jobId); // a failed attempt's secure session is never carried on
      log.roundFailed(round, attempt, result.failure());
      federation.metrics().roundFailed(jobId);
      events.publish(round, RoundEvent.newBuilder().setRetried(
          RoundRetried.newBuilder().setReason(result.failure()).setAttempt(attempt)));
      if (attempt - first + 1 >= spec.maxRoundAttempts()) {
        throw new JobFailedException("round " + round + " failed " + (attempt - first + 1)
            + " times (max_round_attempts); last reason: " + result.failure());
      }
    }
  }

  private Attempt<Normalization> collectFeatureStats(int attempt) throws InterruptedException {
    if (continuing(0, attempt)) {
      return continueSecureFeatureStats(attempt);
    }
    List<String> ids = idsOf(capped(federation.registry().available(spec.datasetName())));
    if (spec.secureAggregation().enabled()) {
      return secureFeatureStats(ids, attempt);
    }
    List<TaskOutcome> outcomes = dispatcher.run(ids, 0, attempt, "stats",
        dispatcher.deadlineAfter(spec.roundDeadline()), null,
        id -> Task.newBuilder().setFeatureStats(FeatureStatsTask.getDefaultInstance()));
    List<String> columns = StatisticsLayout.columnsOf(dispatcher.binding());
    FeatureStats total = FeatureStats.empty(columns.size());
    int contributors = 0;
    trainRows.clear();
    for (TaskOutcome outcome : outcomes) {
      if (outcome instanceof TaskOutcome.Stats stats) {
        try {
          // each site weighs at most max_examples_per_site rows, as in FedAvg
          total = ReportedValues.merge(total,
              ReportedValues.featureStats(stats.stats(), columns, spec.maxExamplesPerSite()));
          trainRows.put(stats.participantId(), stats.stats().count());
          contributors++;
        } catch (InvalidReportException e) {
          dispatcher.reject(0, attempt, "stats", stats.participantId(), e.getMessage());
        }
      } else {
        dispatcher.report(0, attempt, "stats", outcome);
      }
    }
    if (contributors < spec.minParticipants()) {
      return Attempt.failed("feature statistics from " + contributors + " sites, participants.min is "
          + spec.minParticipants());
    }
    try {
      return Attempt.ok(normalizationOf(total));
    } catch (IllegalStateException e) {
      return Attempt.failed("the federation's feature statistics cannot standardise the features: " + e.getMessage());
    }
  }

  /**
   * Round 0 under secure aggregation: the sites' statistics go through one secure session
   * ({@link SecureInput.Statistics}), so the coordinator learns only their sum, never one site's
   * rows, sums or sums of squares. No per-site training row count is known then, so evaluations
   * are bounded by max_examples_per_site alone.
   */
  private Attempt<Normalization> secureFeatureStats(List<String> ids, int attempt) throws InterruptedException {
    List<String> cohort = new ArrayList<>(ids);
    cohort.removeAll(excludedThisRound);
    trainRows.clear();
    if (cohort.size() < spec.minParticipants()) {
      return Attempt.failed(cohort.size() + " participants available for the feature statistics,"
          + " participants.min is " + spec.minParticipants());
    }
    long maxExamples = spec.secureAggregation().maxExamples();
    try {
      StatisticsLayout.requireCohort(cohort.size(), maxExamples);
    } catch (IllegalArgumentException e) {
      return Attempt.failed(e.getMessage());
    }
    SecureInput.Statistics input = SecureInput.statistics(jobId, dispatcher.binding(), maxExamples);
    SecureRound session = new SecureRound(jobId, spec, dispatcher, log, store, 0, attempt);
    return securedFeatureStats(input, session, session.run(cohort, input));
  }

  /** The normalisation from a statistics session's unmasked sum, or why there is none. */
  private Attempt<Normalization> securedFeatureStats(SecureInput.Statistics input, SecureRound session,
      SecureRound.Result secure) {
    long maxExamples = spec.secureAggregation().maxExamples();
    excludeUnlessRevealed(session);
    if (secure.failure() != null) {
      return Attempt.failed("feature statistics: " + secure.failure());
    }
    try {
      FeatureStats total = ReportedValues.securedFeatureStats(input.decode(secure, maxExamples),
          StatisticsLayout.columnsOf(dispatcher.binding()));
      return Attempt.ok(normalizationOf(total));
    } catch (IllegalArgumentException | InvalidReportException e) {
      return Attempt.failed("the unmasked sum of the feature statistics is not a valid aggregate: "
          + e.getMessage());
    } catch (IllegalStateException e) {
      return Attempt.failed("the federation's feature statistics cannot standardise the features: " + e.getMessage());
    }
  }

  /**
   * The features' standardisation from the federation's statistics; for a regression task the
   * last column is the clipped label, whose mean and standard deviation become {@link #labelScale}.
   */
  private Normalization normalizationOf(FeatureStats total) {
    int features = spec.schema().numericColumns().size();
    if (total.numFeatures() == 0) {
      return new Normalization(new double[0], new double[0]);
    }
    Normalization all = total.toNormalization();
    if (task.kind() == TaskKind.REGRESSION) {
      labelScale = new LabelScale(all.mean()[features], all.std()[features]);
    }
    return new Normalization(java.util.Arrays.copyOf(all.mean(), features),
        java.util.Arrays.copyOf(all.std(), features));
  }


  private Attempt<Void> trainRound(int round, int attempt) throws InterruptedException {
    if (continuing(round, attempt)) {
      return continueSecureTrainRound(round, attempt);
    }
    long started = federation.clock().millis();
    List<ParticipantInfo> available = new ArrayList<>(federation.registry().available(spec.datasetName()));
    available.removeIf(participant -> excludedThisRound.contains(participant.id()));
    List<FitInstruction> cohort = strategy.configureFit(round, available);
    if (cohort.size() < spec.minParticipants()) {
      return Attempt.failed(cohort.size() + " participants available for the cohort, participants.min is "
          + spec.minParticipants());
    }
    ModelVersion base = current;
    log.roundOpened(round, attempt, cohort.stream().map(FitInstruction::participantId).toList());
    if (spec.secureAggregation().enabled()) {
      return secureTrainRound(round, attempt, cohort, base, started);
    }
    BaseModel baseModel = baseModel(base);
    Aggregation aggregation = strategy.beginFit(round, baseModel);
    RoundGate gate = new RoundGate(
        (id, update, header) -> aggregation.accept(update, header.getNumExamples()));
    List<String> ids = cohort.stream().map(FitInstruction::participantId).toList();
    List<TaskOutcome> outcomes = dispatcher.run(ids, round, attempt, "train",
        dispatcher.deadlineAfter(spec.roundDeadline()), gate,
        id -> Task.newBuilder().setTrain(trainTask(cohort.get(ids.indexOf(id)), base)));
    List<FitResult> results = new ArrayList<>();
    List<Failure> failures = new ArrayList<>();
    Map<String, String> contributions = new LinkedHashMap<>();
    for (TaskOutcome outcome : outcomes) {
      if (outcome instanceof TaskOutcome.Fitted fitted) {
        results.add(new FitResult(fitted.participantId(), fitted.numExamples(), fitted.metrics()));
        contributions.put(fitted.participantId(), fitted.contributionHash());
        log.contribution(round, attempt, fitted.participantId(), fitted.contributionHash());
      } else {
        failures.add(dispatcher.report(round, attempt, "train", outcome));
      }
    }
    FitOutcome fit = strategy.aggregateFit(round, baseModel, aggregation, results, failures);
    if (!fit.isCommitted()) {
      return Attempt.failed(fit.rejection());
    }
    // a plain round's aggregate is the new model itself: its hash is taken as it is stored
    return commit(round, attempt, cohort.size(), started, fit.model(), contributions,
        null, fit.totalExamples(), fit.trainLoss(), null, null);
  }

  /** A training round under secure aggregation: one session over the cohort, its mean committed. */
  private Attempt<Void> secureTrainRound(int round, int attempt, List<FitInstruction> cohort, ModelVersion base,
      long started) throws InterruptedException {
    Map<String, TrainTask> trains = new LinkedHashMap<>();
    cohort.forEach(instruction -> trains.put(instruction.participantId(), trainTask(instruction, base)));
    SecureInput.Training input;
    try {
      input = SecureInput.training(base.hash(), base.dimension(), trains, dispatcher.binding(),
          spec.secureAggregation().maxExamples());
    } catch (IllegalArgumentException e) {
      return Attempt.failed(e.getMessage());
    }
    SecureRound session = new SecureRound(jobId, spec, dispatcher, log, store, round, attempt);
    return securedTrainRound(round, attempt, base, started, input, session,
        session.run(List.copyOf(trains.keySet()), input));
  }

  /** Commits a secure training round's unmasked mean, or says why it cannot. */
  private Attempt<Void> securedTrainRound(int round, int attempt, ModelVersion base, long started,
      SecureInput.Training input, SecureRound session, SecureRound.Result secure) {
    excludeUnlessRevealed(session);
    if (secure.failure() != null) {
      return Attempt.failed(secure.failure());
    }
    FixedPoint.Decoded decoded;
    try {
      decoded = input.decode(secure, spec.secureAggregation().maxExamples());
    } catch (IllegalArgumentException e) {
      return Attempt.failed("the unmasked sum is not a valid aggregate: " + e.getMessage());
    }
    FitOutcome fit = strategy.aggregateSecureFit(round, baseModel(base), input.meanDelta(decoded),
        decoded.totalExamples(), input.layout().meanLoss(decoded, secure.parameters().clip()), secure.results(),
        secure.failures());
    if (!fit.isCommitted()) {
      return Attempt.failed(fit.rejection());
    }
    return commit(round, attempt, secure.cohortSize(), started, fit.model(), secure.contributions(),
        secure.aggregateHash(), fit.totalExamples(), fit.trainLoss(), secure.parameters().neighbours(),
        secure.parameters().threshold());
  }

  /**
   * Leaves the members a session excluded for misbehaviour out of the step's retries, unless the
   * session revealed a sum: then a retry over a smaller cohort would reveal the excluded sites'
   * inputs as the difference of two sums.
   */
  private void excludeUnlessRevealed(SecureRound session) {
    if (!session.sumRevealed()) {
      excludedThisRound.addAll(session.excluded().keySet());
    }
  }

  // ---- Carrying on an interrupted secure session after a restart (SecureRound#carryOn) ----

  /**
   * The job's stored secure session that the interrupted round carries on: the one of its last
   * attempt, past stage 2 (a masked input may have left a site, which would refuse a new session
   * of the round), about the model the round trains from. Null if none: the round then runs again
   * under a new attempt with fresh keys.
   */
  private SecureSessionTranscript continuableSession(int lastAttempt) {
    if (!spec.secureAggregation().enabled()) {
      return null;
    }
    SecureSessionTranscript transcript = SecureTranscripts.continuable(store, jobId, resumedRound, lastAttempt)
        .orElse(null);
    boolean sameInput = transcript != null && (transcript.hasTraining()
        ? checkpoint.started() && transcript.getTraining().getBaseModel().equals(checkpoint.committedModel())
        : !checkpoint.started() && resumedRound == 0);
    return sameInput ? transcript : null;
  }

  private boolean continuing(int round, int attempt) {
    return continued != null && continued.getRound() == round && continued.getAttempt() == attempt;
  }

  private Attempt<Normalization> continueSecureFeatureStats(int attempt) throws InterruptedException {
    SecureSessionTranscript transcript = continued;
    continued = null;
    SecureInput.Statistics input = SecureInput.statistics(jobId, dispatcher.binding(),
        spec.secureAggregation().maxExamples());
    trainRows.clear();
    SecureRound session = new SecureRound(jobId, spec, dispatcher, log, store, 0, attempt);
    return securedFeatureStats(input, session, session.carryOn(transcript, input, log.contributions(0, attempt),
        federation.revocations()));
  }

  private Attempt<Void> continueSecureTrainRound(int round, int attempt) throws InterruptedException {
    SecureSessionTranscript transcript = continued;
    continued = null;
    long started = federation.clock().millis();
    SecureInput.Training input;
    try {
      input = (SecureInput.Training) SecureTranscripts.input(transcript, jobId, dispatcher.binding(),
          spec.secureAggregation().maxExamples());
    } catch (IllegalArgumentException e) {
      store.clearSecureSession(jobId);
      return Attempt.failed("the secure session kept from before the restart cannot be carried on: "
          + e.getMessage());
    }
    SecureRound session = new SecureRound(jobId, spec, dispatcher, log, store, round, attempt);
    return securedTrainRound(round, attempt, current, started, input, session,
        session.carryOn(transcript, input, log.contributions(round, attempt), federation.revocations()));
  }

  /** The round's base model for the strategy: read from the store in chunks, or whole, as it asks. */
  private static BaseModel baseModel(ModelVersion version) {
    return new BaseModel() {
      @Override
      public int dimension() {
        return version.dimension();
      }

      @Override
      public float[] parameters() {
        return version.parameters();
      }

      @Override
      public WordSource words() {
        return version.words();
      }
    };
  }

  private TrainTask trainTask(FitInstruction instruction, ModelVersion base) {
    return TrainTask.newBuilder().setModelHash(base.hash())
        .setLocalEpochs(instruction.localEpochs()).setBatchSize(instruction.batchSize())
        .setLearningRate(instruction.learningRate()).setSeed(instruction.seed())
        .setNormalization(normalizationProto())
        .setUpdateClipNorm(spec.robustAggregation().clipNorm()).setProximalMu(spec.proximalMu())
        .setLocalBatchNorm(localBatchNorm()).build();
  }

  /**
   * Commits a round: store the model version, then sign and force the round-closed record (log
   * before acknowledging), and only then make the version current and announce it.
   */
  private Attempt<Void> commit(int round, int attempt, int cohortSize, long started, WordSource parameters,
      Map<String, String> contributions, String aggregateHash, long totalExamples, double trainLoss,
      Integer neighbours, Integer threshold) {
    HashedWords hashed = new HashedWords(parameters);
    ModelVersion version = federation.store().put(configurationJson, hashed);
    if (aggregateHash == null) {
      aggregateHash = hashed.hex();
    }
    JobCheckpoint.Prepared prepared = new JobCheckpoint.Prepared(round, version.hash());
    store.save(jobId, checkpoint.withPrepared(prepared), round, strategy.state(), checkpoint.committedRound());
    checkpoint = checkpoint.withPrepared(prepared);
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("train_loss", trainLoss);
    metrics.put("total_examples", (double) totalExamples);
    log.roundClosed(round, attempt, cohortSize, contributions, aggregateHash, version.hash(), metrics,
        spec.secureAggregation(), neighbours, threshold);
    checkpoint = checkpoint.committingPrepared();
    current = version;
    federation.metrics().roundCommitted(jobId, cohortSize, federation.clock().millis() - started);
    events.publish(round, RoundEvent.newBuilder().setCommitted(RoundCommitted.newBuilder()
        .addAllParticipants(contributions.keySet()).setTotalExamples(totalExamples).setTrainLoss(trainLoss)
        .setModelHash(current.hash())
        .setSeconds((federation.clock().millis() - started) / 1000.0)));
    return Attempt.ok(null);
  }

  private void evaluate(int round) throws InterruptedException {
    List<String> ids = strategy.configureEvaluate(round, federation.registry().available(spec.datasetName()));
    if (ids.isEmpty()) {
      return;
    }
    ModelVersion model = current;
    List<EvaluateResult> results = new ArrayList<>();
    List<Failure> failures = new ArrayList<>();
    long examples = 0;
    for (TaskOutcome outcome : dispatcher.run(ids, round, 1, "eval",
        dispatcher.deadlineAfter(spec.roundDeadline()), null,
        id -> Task.newBuilder().setEvaluate(EvaluateTask.newBuilder().setModelHash(model.hash())
            .setNormalization(normalizationProto()).setHistogramBins(histogramBins())
            .setLocalBatchNorm(localBatchNorm())))) {
      if (outcome instanceof TaskOutcome.Evaluated evaluated) {
        try {
          EvaluateResult result = checkedEvaluation(evaluated);
          examples = ReportedValues.addCount(examples, result.numExamples(),
              "examples evaluated in round " + round);
          results.add(result);
        } catch (InvalidReportException e) {
          failures.add(dispatcher.reject(round, 1, "eval", evaluated.participantId(), e.getMessage()));
        }
      } else {
        failures.add(dispatcher.report(round, 1, "eval", outcome));
      }
    }
    EvaluationSummary summary = strategy.aggregateEvaluate(round, results, failures);
    log.evaluation(round, summary);
    // an evaluation no site answered says nothing about the model, as the ledger rules agree
    if (best != null && summary.participants() > 0
        && best.offer(round, summary.metrics().get(selection().metric()))) {
      bestEvaluated = new RoundModel(round, model.hash());
    }
    EvaluationDone.Builder done = EvaluationDone.newBuilder()
        .setParticipants(summary.participants()).setNumExamples(summary.numExamples())
        .setLoss(summary.loss()).setAccuracy(summary.accuracy()).setRocAuc(summary.rocAuc())
        .setPrAuc(summary.prAuc()).putAllMetrics(summary.metrics().values())
        .setBestRound(best == null ? 0 : best.round());
    for (long[] row : summary.metrics().confusion()) {
      for (long count : row) {
        done.addConfusion(count);
      }
    }
    events.publish(round, RoundEvent.newBuilder().setEvaluated(done));
  }

  /** Score histogram bins per class of a classifier's evaluation (ignored by a regressor). */
  private int histogramBins() {
    return task instanceof ClassificationTask classification ? classification.bins() : federation.histogramBins();
  }

  /** A site's evaluation, once every reported count, sum and loss passed the task's rules. */
  private EvaluateResult checkedEvaluation(TaskOutcome.Evaluated evaluated) throws InvalidReportException {
    EvaluationResult r = evaluated.result();
    return ReportedValues.evaluation(evaluated.participantId(), r.getNumExamples(), r.getLossSum(),
        r.getCountsList().stream().mapToLong(Long::longValue).toArray(),
        r.getSumsList().stream().mapToDouble(Double::doubleValue).toArray(), task, spec.maxExamplesPerSite(),
        trainRows.getOrDefault(evaluated.participantId(), -1L));
  }

  private io.factoryfl.proto.v1.Normalization normalizationProto() {
    io.factoryfl.proto.v1.Normalization.Builder proto = io.factoryfl.proto.v1.Normalization.newBuilder();
    for (double mean : normalization.mean()) {
      proto.addMean(mean);
    }
    for (double std : normalization.std()) {
      proto.addStd(std);
    }
    if (task.kind() == TaskKind.REGRESSION) {
      proto.setLabelMean(labelScale.mean()).setLabelStd(labelScale.std());
    }
    return proto.build();
  }

  private List<ParticipantInfo> capped(List<ParticipantInfo> available) {
    return available.subList(0, Math.min(available.size(), spec.maxParticipants()));
  }

  private static List<String> idsOf(List<ParticipantInfo> participants) {
    return participants.stream().map(ParticipantInfo::id).toList();
  }

  private static long[] toArray(List<Long> values) {
    return values.stream().mapToLong(Long::longValue).toArray();
  }

  static DatasetBinding binding(JobSpec spec) {
    FeatureSchema schema = spec.schema();
    DatasetBinding.Builder binding = DatasetBinding.newBuilder().setName(spec.datasetName())
        .addAllNumericFeatures(schema.numericColumns()).setLabelColumn(schema.labelColumn())
        .addAllLabelClasses(schema.labelClasses()).setTask(spec.task().kind().key())
        .setMissingValues(schema.missingValues().key());
    LabelClip clip = spec.task().clip();
    if (clip.min() != null) {
      binding.setHasLabelClipMin(true).setLabelClipMin(clip.min());
    }
    if (clip.max() != null) {
      binding.setHasLabelClipMax(true).setLabelClipMax(clip.max());
    }
    if (spec.task().kind() == TaskKind.REGRESSION) {
      binding.setRegressionLoss(spec.task().regressionLoss());
    }
    for (FeatureSchema.CategoricalColumn column : schema.categoricalColumns()) {
      binding.addCategoricalFeatures(CategoricalFeature.newBuilder().setColumn(column.column())
          .addAllCategories(column.categories()));
    }
    spec.sequence().ifPresent(sequence -> binding.setSequenceGroup(sequence.group())
        .setSequenceOrder(sequence.order()).setSequenceWindow(sequence.window())
        .setSequenceEvalRows(sequence.evalRows().key()));
    spec.images().ifPresent(images -> binding.setImages(imageBinding(images)));
    return binding.build();
  }

  /** FedBN: the sites keep their own batch-normalisation values ({@code model.batch_norm: "local"}). */
  private boolean localBatchNorm() {
    return spec.model().batchNorm() == io.factoryfl.core.job.ModelSpec.BatchNorm.LOCAL;
  }

  private static ImageBinding imageBinding(ImageSpec images) {
    ImageSpec.Augmentation augmentation = images.augmentation();
    return ImageBinding.newBuilder().setHeight(images.height()).setWidth(images.width())
        .setChannels(images.channels()).addAllMean(images.normalization().mean())
        .addAllStd(images.normalization().std()).setResize(images.resize())
        .setHorizontalFlip(augmentation.horizontalFlip()).setVerticalFlip(augmentation.verticalFlip())
        .setRotationDegrees(augmentation.rotationDegrees()).setBrightness(augmentation.brightness()).build();
  }
}
