package io.factoryfl.participant.session;

import io.factoryfl.core.data.FeatureSchema;
import io.factoryfl.core.data.FeatureStats;
import io.factoryfl.core.data.Normalization;
import io.factoryfl.core.aggregate.L2Clip;
import io.factoryfl.core.params.ParameterCodec;
import io.factoryfl.core.secagg.StatisticsLayout;
import io.factoryfl.core.task.EvaluationSums;
import io.factoryfl.core.task.LabelClip;
import io.factoryfl.core.task.LabelScale;
import io.factoryfl.core.task.RegressionTask;
import io.factoryfl.core.task.TaskFamily;
import io.factoryfl.core.data.SequenceSpec;
import io.factoryfl.core.data.ImageSpec;
import io.factoryfl.core.model.BatchNormParameters;
import io.factoryfl.participant.data.CsvTable;
import io.factoryfl.participant.data.DatasetCatalogue;
import io.factoryfl.participant.metrics.ParticipantMetrics;
import io.factoryfl.participant.data.SequenceWindows;
import io.factoryfl.participant.data.EncodedData;
import io.factoryfl.participant.data.ImageBatches;
import io.factoryfl.participant.data.ImageListing;
import io.factoryfl.participant.data.SiteDataException;
import io.factoryfl.participant.data.TabularEncoder;
import io.factoryfl.participant.policy.PolicyCheck;
import io.factoryfl.participant.policy.PolicyDecision;
import io.factoryfl.participant.train.LocalEvaluator;
import io.factoryfl.participant.train.LocalTrainer;
import io.factoryfl.participant.train.TrainingOutcome;
import io.factoryfl.participant.train.TrainingSettings;
import io.factoryfl.proto.v1.EvaluateTask;
import io.factoryfl.proto.v1.EvaluationResult;
import io.factoryfl.proto.v1.FleetGrpc;
import io.factoryfl.proto.v1.Task;
import io.factoryfl.proto.v1.TaskResult;
import io.factoryfl.proto.v1.TrainTask;
import io.factoryfl.proto.v1.UpdateHeader;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one task at the site and sends back its result. What leaves the site is exactly: feature
 * counts, sums and sums of squares; model parameters with the example count and the mean training
 * loss; evaluation counts and score histograms; or a refusal code with a message. Never a row, a path or a
 * column the job did not name.
 */
final class TaskRunner {
  private static final Logger LOG = LoggerFactory.getLogger(TaskRunner.class);
  static final long TRANSFER_TIMEOUT_SECONDS = 600;
  static final long REPORT_TIMEOUT_SECONDS = 30;

  private final DatasetCatalogue catalogue;
  private final LocalBatchNorm batchNorm = new LocalBatchNorm();
  private final SecureSessions secure;
  private final PolicyCheck policy;
  private final ModelCache models;
  private final ParticipantMetrics metrics;

  /**
   * @param secure this site's secure-aggregation sessions, or null if it has no signing key
   * @param policy the site policy every task is checked against before any data is touched
   */
  TaskRunner(DatasetCatalogue catalogue, SecureSessions secure, PolicyCheck policy, ParticipantMetrics metrics) {
    this.metrics = metrics;
    this.catalogue = catalogue;
    this.secure = secure;
    this.policy = policy;
    this.models = new ModelCache(policy);
  }

  /**
   * Runs the task and reports its result. A refusal or any failure here is reported as a
   * {@code TaskRefusal} built by {@link Refusals}: a code and a message without local detail.
   * Nothing a coordinator sends can end this method with anything but a report or a gRPC error
   * of the report itself.
   */
  void run(Task task, String sessionId, FleetGrpc.FleetBlockingStub blocking, FleetGrpc.FleetStub async)
      throws InterruptedException {
    TaskResult.Builder result = TaskResult.newBuilder().setSessionId(sessionId)
        .setTaskId(task.getTaskId()).setJobId(task.getJobId()).setRound(task.getRound());
    try {
      require(policy.check(task));
      TaskChecks.binding(task.getDataset());
      switch (task.getKindCase()) {
        case FEATURE_STATS -> result.setFeatureStats(featureStats(task));
        case EVALUATE -> result.setEvaluation(evaluate(task, sessionId, blocking));
        case TRAIN -> {
          train(task, task.getTrain(), sessionId, blocking, async, null);
          return;
        }
        case SECAGG_MASKED_INPUT -> {
          java.util.Optional<int[]> sent = secure().sentBefore(task);
          if (sent.isPresent()) {
            // The coordinator restarted and carries the session on: the same input, not a second one.
            uploadAgain(task, sessionId, sent.get(), async);
            return;
          }
          secure().requireAdvertised(task);
          if (task.getSecaggMaskedInput().hasStatistics()) {
            secureStatistics(task, sessionId, blocking, async);
          } else {
            train(task, task.getSecaggMaskedInput().getTrain(), sessionId, blocking, async,
                task.getSecaggMaskedInput().getSessionTag());
          }
          return;
        }
        case SECAGG_ADVERTISE -> {
          // Check the model and the columns now, so a site never joins a cohort it would leave at
          // stage 3.
          if (!task.getSecaggAdvertise().hasStatistics()) {
            require(policy.checkModel(models.get(blocking, sessionId,
                task.getSecaggAdvertise().getModelHash(), TRANSFER_TIMEOUT_SECONDS).definition().json()));
          }
          require(policy.checkColumns(catalogue.localSchema(task.getDataset())));
          result.setSecaggKeys(secure().advertise(task));
        }
        case SECAGG_SHARE_KEYS -> result.setSecaggShares(secure().shareKeys(task));
        case SECAGG_CONSISTENCY -> result.setSecaggSignature(secure().signSurvivors(task));
        case SECAGG_UNMASK -> result.setSecaggReveal(secure().unmask(task));
        default -> throw TaskRefusedException.invalidTask(
            "this participant does not know task kind " + task.getKindCase());
      }
    } catch (StatusRuntimeException e) {
      throw e;
    } catch (RuntimeException e) {
      result.clearOutcome().setRefusal(Refusals.of(task, e));
    }
    report(task, result.build(), blocking);
  }

  /** Reports a failure before an upload as the task's refusal ({@link Refusals}: code and safe text). */
  private void refuse(Task task, String sessionId, RuntimeException failure,
      FleetGrpc.FleetBlockingStub blocking) {
    report(task, TaskResult.newBuilder().setSessionId(sessionId).setTaskId(task.getTaskId())
        .setJobId(task.getJobId()).setRound(task.getRound()).setRefusal(Refusals.of(task, failure))
        .build(), blocking);
  }

  private void report(Task task, TaskResult result, FleetGrpc.FleetBlockingStub blocking) {
    blocking.withDeadlineAfter(REPORT_TIMEOUT_SECONDS, TimeUnit.SECONDS).reportResult(result);
    if (result.hasRefusal()) {
      metrics.refused(task.getKindCase(), result.getRefusal().getCode());
    } else {
      metrics.taskFinished(task.getKindCase(), ParticipantMetrics.Outcome.COMPLETED);
    }
  }

  /** Counts, sums and sums of squares of the job's numeric features only: never of the label. */
  private FeatureStats localStats(Task task) {
    LabelClip clip = TaskChecks.task(task.getDataset(), 1) instanceof RegressionTask regression
        ? regression.clip() : LabelClip.NONE;
    return TabularEncoder.stats(
        catalogue.table(task.getDataset().getName(), DatasetCatalogue.Split.TRAIN), localSchema(task), clip);
  }

  /** The statistics in the clear, for a plain job. */
  private io.factoryfl.proto.v1.FeatureStats featureStats(Task task) {
    FeatureStats stats = localStats(task);
    io.factoryfl.proto.v1.FeatureStats.Builder proto =
        io.factoryfl.proto.v1.FeatureStats.newBuilder().setCount(stats.count());
    for (double sum : stats.sum()) {
      proto.addSum(sum);
    }
    for (double square : stats.sumOfSquares()) {
      proto.addSumOfSquares(square);
    }
    if (stats.hasMissing()) {
      for (double present : stats.present()) {
        proto.addPresent(present);
      }
    }
    return proto.build();
  }

  /** Hands a policy refusal to the refusal path (logged, reported with its code and reason). */
  private static void require(PolicyDecision decision) {
    if (!decision.allowed()) {
      throw TaskRefusedException.policy(decision);
    }
  }

  /** The job's schema in this site's column names, after the protected-columns rule. */
  private FeatureSchema localSchema(Task task) {
    FeatureSchema schema = catalogue.localSchema(task.getDataset());
    require(policy.checkColumns(schema));
    return schema;
  }

  private SecureSessions secure() {
    if (secure == null) {
      throw new TaskRefusedException(io.factoryfl.proto.v1.RefusalCode.SECURE_AGGREGATION,
          "this site has no identity signing key configured (tls.signing_key), so it cannot take"
              + " part in secure aggregation");
    }
    return secure;
  }

  /**
   * Trains and uploads: the parameters as they are, or under secure aggregation the clipped,
   * fixed-point, example-weighted delta from the base model, masked.
   */
  private void train(Task task, TrainTask train, String sessionId, FleetGrpc.FleetBlockingStub blocking,
      FleetGrpc.FleetStub async, String secureTag) throws InterruptedException {
    UpdateHeader.Builder header = UpdateHeader.newBuilder().setSessionId(sessionId)
        .setTaskId(task.getTaskId()).setJobId(task.getJobId()).setRound(task.getRound())
        .setBaseModelHash(train.getModelHash());
    int[] words;
    try {
      TaskChecks.training(train);
      ModelCache.CachedModel model =
          models.get(blocking, sessionId, train.getModelHash(), TRANSFER_TIMEOUT_SECONDS);
      require(policy.checkModel(model.definition().json()));
      TrainingSettings settings = new TrainingSettings(train.getLocalEpochs(), train.getBatchSize(),
          train.getLearningRate(), train.getSeed(), train.getProximalMu());
      BatchNormParameters ownBatchNorm = train.getLocalBatchNorm() ? model.definition().batchNormParameters() : null;
      float[] start = ownBatchNorm == null ? model.parameters()
          : batchNorm.personalise(task.getJobId(), ownBatchNorm, model.parameters());
      java.util.Optional<ImageSpec> images = TaskChecks.images(task.getDataset());
      TrainingOutcome outcome;
      if (images.isPresent()) {
        // streamed from the site's image folder: shuffled and augmented here, from the task's seed
        ImageBatches batches = ImageBatches.training(images(task, DatasetCatalogue.Split.TRAIN),
            images.get(), task.getDataset().getName(), train.getBatchSize(), train.getSeed());
        outcome = metrics.timeTraining(() -> LocalTrainer.train(model.definition(), start, batches, settings));
      } else {
        EncodedData data = encode(task, DatasetCatalogue.Split.TRAIN, train.getNormalization(),
            TaskChecks.task(task.getDataset(), 1));
        outcome = metrics.timeTraining(() -> LocalTrainer.train(model.definition(), start, data, settings));
      }
      // FedBN: this site's batch-normalisation values stay here; the global model's go back for them
      float[] trained = ownBatchNorm == null ? outcome.parameters()
          : batchNorm.keep(task.getJobId(), ownBatchNorm, outcome.parameters(), model.parameters());
      if (secureTag == null) {
        header.putMetrics("train_loss", outcome.trainLoss());
        words = ParameterCodec.toWords(trained);
        header.setNumExamples(outcome.numExamples());
      } else {
        float[] delta = trained.clone();
        for (int i = 0; i < delta.length; i++) {
          delta[i] -= model.parameters()[i];
        }
        L2Clip.clipInPlace(delta, L2Clip.fromTask(train.getUpdateClipNorm()));
        // The loss travels masked inside the vector (MaskedLayout), never as a header metric.
        int[] encoded = secure().encode(secureTag, delta, outcome.trainLoss(), outcome.numExamples());
        words = secure().mask(secureTag, task.getSecaggMaskedInput().getSharesList(), encoded);
        header.setMasked(true).setNumExamples(0);
      }
    } catch (StatusRuntimeException e) {
      throw e;
    } catch (RuntimeException e) {
      refuse(task, sessionId, e, blocking);
      return;
    }
    upload(task, header, words, async);
  }

  /**
   * Round 0 of a secure job: this site's feature statistics, encoded as exact integer limbs and
   * masked, uploaded like a masked update; the coordinator learns only the cohort's sum.
   */
  private void secureStatistics(Task task, String sessionId, FleetGrpc.FleetBlockingStub blocking,
      FleetGrpc.FleetStub async) throws InterruptedException {
    String tag = task.getSecaggMaskedInput().getSessionTag();
    UpdateHeader.Builder header = UpdateHeader.newBuilder().setSessionId(sessionId)
        .setTaskId(task.getTaskId()).setJobId(task.getJobId()).setRound(task.getRound())
        .setBaseModelHash(StatisticsLayout.subject(task.getJobId())).setMasked(true).setNumExamples(0);
    int[] words;
    try {
      FeatureStats stats = localStats(task);
      if (stats.count() < 1) {
        throw new SiteDataException(SiteDataException.Kind.INVALID, "the training split of dataset '"
            + task.getDataset().getName() + "' has no rows", "the training split has no rows");
      }
      int[] encoded;
      try {
        encoded = secure().encodeStatistics(tag, stats, StatisticsLayout.columnsOf(task.getDataset()));
      } catch (ArithmeticException e) {
        throw new SiteDataException(SiteDataException.Kind.INVALID, e.getMessage(), e.getMessage());
      }
      words = secure().mask(tag, task.getSecaggMaskedInput().getSharesList(), encoded);
    } catch (StatusRuntimeException e) {
      throw e;
    } catch (RuntimeException e) {
      refuse(task, sessionId, e, blocking);
      return;
    }
    upload(task, header, words, async);
  }

  /** Uploads again the masked input this site sent earlier in the task's session. */
  private void uploadAgain(Task task, String sessionId, int[] words, FleetGrpc.FleetStub async)
      throws InterruptedException {
    String base = task.getSecaggMaskedInput().hasStatistics() ? StatisticsLayout.subject(task.getJobId())
        : task.getSecaggMaskedInput().getTrain().getModelHash();
    upload(task, UpdateHeader.newBuilder().setSessionId(sessionId).setTaskId(task.getTaskId())
        .setJobId(task.getJobId()).setRound(task.getRound()).setBaseModelHash(base).setMasked(true)
        .setNumExamples(0), words, async);
  }

  private void upload(Task task, UpdateHeader.Builder header, int[] words, FleetGrpc.FleetStub async)
      throws InterruptedException {
    header.setNumParameters(words.length).setSha256(ParameterCodec.hashWords(words));
    try {
      UpdateUploader.upload(async, header.build(), words, TRANSFER_TIMEOUT_SECONDS)
          .get(TRANSFER_TIMEOUT_SECONDS + 5, TimeUnit.SECONDS);
      metrics.taskFinished(task.getKindCase(), ParticipantMetrics.Outcome.COMPLETED);
    } catch (ExecutionException e) {
      metrics.taskFinished(task.getKindCase(), ParticipantMetrics.Outcome.FAILED);
      if (e.getCause() instanceof StatusRuntimeException status) {
        throw status;
      }
      // The round sees the task time out; this site keeps serving.
      LOG.warn("upload of task " + task.getTaskId() + " failed",
          e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      metrics.taskFinished(task.getKindCase(), ParticipantMetrics.Outcome.FAILED);
      LOG.warn("upload of task " + task.getTaskId() + " got no answer within "
          + TRANSFER_TIMEOUT_SECONDS + " s");
    }
  }

  private EvaluationResult evaluate(Task task, String sessionId, FleetGrpc.FleetBlockingStub blocking) {
    EvaluateTask evaluate = task.getEvaluate();
    TaskFamily family = TaskChecks.task(task.getDataset(), evaluate.getHistogramBins());
    ModelCache.CachedModel model =
        models.get(blocking, sessionId, evaluate.getModelHash(), TRANSFER_TIMEOUT_SECONDS);
    require(policy.checkModel(model.definition().json()));
    java.util.Optional<ImageSpec> images = TaskChecks.images(task.getDataset());
    float[] parameters = evaluate.getLocalBatchNorm()
        ? batchNorm.personalise(task.getJobId(), model.definition().batchNormParameters(), model.parameters())
        : model.parameters();
    EvaluationSums sums = images.isPresent()
        ? LocalEvaluator.evaluate(model.definition(), parameters, ImageBatches.forScoring(
            images(task, DatasetCatalogue.Split.EVAL), images.get(), task.getDataset().getName()), family)
        : LocalEvaluator.evaluate(model.definition(), parameters,
            encode(task, DatasetCatalogue.Split.EVAL, evaluate.getNormalization(), family), family);
    EvaluationResult.Builder result = EvaluationResult.newBuilder()
        .setNumExamples(sums.numExamples()).setLossSum(sums.lossSum());
    for (long count : sums.counts()) {
      result.addCounts(count);
    }
    for (double sum : sums.sums()) {
      result.addSums(sum);
    }
    return result.build();
  }

  /** The images of a split of the task's image dataset, checked against the job's classes. */
  private ImageListing images(Task task, DatasetCatalogue.Split split) {
    localSchema(task); // the protected-columns rule covers the label column of a listing CSV too
    return catalogue.images(task.getDataset().getName(), split, task.getDataset().getLabelColumn(),
        task.getDataset().getLabelClassesList());
  }

  private EncodedData encode(Task task, DatasetCatalogue.Split split,
      io.factoryfl.proto.v1.Normalization normalization, TaskFamily family) {
    Normalization local = TaskChecks.normalization(normalization, task.getDataset());
    LabelScale scale = TaskChecks.labelScale(normalization, family);
    LabelClip clip = family instanceof RegressionTask regression ? regression.clip() : LabelClip.NONE;
    FeatureSchema schema = localSchema(task);
    CsvTable table = catalogue.table(task.getDataset().getName(), split);
    EncodedData rows = TabularEncoder.encode(table, schema, local, clip, scale);
    java.util.Optional<SequenceSpec> sequence = TaskChecks.sequence(task.getDataset());
    if (sequence.isEmpty()) {
      return rows;
    }
    SequenceSpec windows = catalogue.localSequence(task.getDataset().getName(), sequence.get());
    require(policy.checkSequenceColumns(windows.group(), windows.order()));
    return SequenceWindows.of(table, rows, windows,
        split == DatasetCatalogue.Split.EVAL && windows.evalRows() == SequenceSpec.EvalRows.LAST);
  }
}
