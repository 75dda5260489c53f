package io.factoryfl.participant.session;

import io.factoryfl.core.data.FeatureSchema;
import io.factoryfl.core.data.FeatureStats;
import io.factoryfl.core.data.Normalization;
import io.factoryfl.core.aggregate.L2Clip;
import io.factoryfl.core.params.ParameterCodec;
import io.factoryfl.core.secagg.SecAggException;
import io.factoryfl.participant.data.DatasetCatalogue;
import io.factoryfl.participant.data.EncodedData;
import io.factoryfl.participant.data.TabularEncoder;
import io.factoryfl.participant.policy.PolicyCheck;
import io.factoryfl.participant.policy.PolicyDecision;
import io.factoryfl.participant.train.EvaluationOutcome;
import io.factoryfl.participant.train.LocalEvaluator;
import io.factoryfl.participant.train.LocalTrainer;
import io.factoryfl.participant.train.TrainingOutcome;
import io.factoryfl.participant.train.TrainingSettings;
import io.factoryfl.proto.v1.EvaluateTask;
import io.factoryfl.proto.v1.EvaluationResult;
import io.factoryfl.proto.v1.FleetGrpc;
import io.factoryfl.proto.v1.Task;
import io.factoryfl.proto.v1.TaskRefusal;
import io.factoryfl.proto.v1.TaskResult;
import io.factoryfl.proto.v1.TrainTask;
import io.factoryfl.proto.v1.UpdateHeader;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Runs one task at the site and sends back its result. What leaves the site is exactly: feature
 * counts, sums and sums of squares; model parameters with the example count and the mean training
 * loss; evaluation counts and score histograms; or a refusal reason. Never a row, a path or a
 * column the job did not name.
 */
final class TaskRunner {
  private static final Logger LOG = Logger.getLogger(TaskRunner.class.getName());
  static final long TRANSFER_TIMEOUT_SECONDS = 600;
  static final long REPORT_TIMEOUT_SECONDS = 30;

  private final DatasetCatalogue catalogue;
  private final SecureSessions secure;
  private final PolicyCheck policy;
  private final ModelCache models = new ModelCache();

  /**
   * @param secure this site's secure-aggregation sessions, or null if it has no signing key
   * @param policy the site policy every task is checked against before any data is touched
   */
  TaskRunner(DatasetCatalogue catalogue, SecureSessions secure, PolicyCheck policy) {
    this.catalogue = catalogue;
    this.secure = secure;
    this.policy = policy;
  }

  /** Runs the task; local failures are reported to the coordinator as a refusal with the reason. */
  void run(Task task, String sessionId, FleetGrpc.FleetBlockingStub blocking, FleetGrpc.FleetStub async)
      throws InterruptedException {
    TaskResult.Builder result = TaskResult.newBuilder().setSessionId(sessionId)
        .setTaskId(task.getTaskId()).setJobId(task.getJobId()).setRound(task.getRound());
    PolicyDecision decision = policy.check(task);
    if (!decision.allowed()) {
      LOG.warning("task " + task.getTaskId() + " refused by site policy: " + decision.reason());
      blocking.withDeadlineAfter(REPORT_TIMEOUT_SECONDS, TimeUnit.SECONDS).reportResult(
          result.setRefusal(TaskRefusal.newBuilder().setReason(decision.reason())).build());
      return;
    }
    try {
      switch (task.getKindCase()) {
        case FEATURE_STATS -> result.setFeatureStats(featureStats(task));
        case EVALUATE -> result.setEvaluation(evaluate(task, sessionId, blocking));
        case TRAIN -> {
          train(task, task.getTrain(), sessionId, blocking, async, null);
          return;
        }
        case SECAGG_MASKED_INPUT -> {
          train(task, task.getSecaggMaskedInput().getTrain(), sessionId, blocking, async,
              task.getSecaggMaskedInput().getSessionTag());
          return;
        }
        case SECAGG_ADVERTISE -> {
          // Check the model now, so a site never joins a cohort it would leave at stage 3.
          require(policy.checkModel(models.get(blocking, sessionId,
              task.getSecaggAdvertise().getModelHash(), TRANSFER_TIMEOUT_SECONDS).definition().json()));
          result.setSecaggKeys(secure().advertise(task));
        }
        case SECAGG_SHARE_KEYS -> result.setSecaggShares(secure().shareKeys(task));
        case SECAGG_CONSISTENCY -> result.setSecaggSignature(secure().signSurvivors(task));
        case SECAGG_UNMASK -> result.setSecaggReveal(secure().unmask(task));
        default -> result.setRefusal(TaskRefusal.newBuilder()
            .setReason("this participant does not know task kind " + task.getKindCase()));
      }
    } catch (IllegalArgumentException | IllegalStateException | SecAggException e) {
      LOG.warning("task " + task.getTaskId() + " failed at this site: " + e.getMessage());
      result.clearOutcome().setRefusal(TaskRefusal.newBuilder().setReason(e.getMessage()));
    }
    blocking.withDeadlineAfter(REPORT_TIMEOUT_SECONDS, TimeUnit.SECONDS).reportResult(result.build());
  }

  private io.factoryfl.proto.v1.FeatureStats featureStats(Task task) {
    FeatureSchema schema = catalogue.localSchema(task.getDataset());
    FeatureStats stats = TabularEncoder.stats(
        catalogue.table(task.getDataset().getName(), DatasetCatalogue.Split.TRAIN), schema);
    io.factoryfl.proto.v1.FeatureStats.Builder proto =
        io.factoryfl.proto.v1.FeatureStats.newBuilder().setCount(stats.count());
    for (double sum : stats.sum()) {
      proto.addSum(sum);
    }
    for (double square : stats.sumOfSquares()) {
      proto.addSumOfSquares(square);
    }
    return proto.build();
  }

  /** Hands a policy refusal to the refusal path (logged, reported with its reason). */
  private static void require(PolicyDecision decision) {
    if (!decision.allowed()) {
      throw new IllegalStateException(decision.reason());
    }
  }

  private SecureSessions secure() {
    if (secure == null) {
      throw new IllegalStateException("this site has no identity signing key configured"
          + " (tls.signing_key), so it cannot take part in secure aggregation");
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
      L2Clip.fromTask(train.getUpdateClipNorm()); // refuse a bogus clip norm before any work
      ModelCache.CachedModel model =
          models.get(blocking, sessionId, train.getModelHash(), TRANSFER_TIMEOUT_SECONDS);
      require(policy.checkModel(model.definition().json()));
      EncodedData data = encode(task, DatasetCatalogue.Split.TRAIN, train.getNormalization());
      TrainingOutcome outcome = LocalTrainer.train(model.definition(), model.parameters(), data,
          new TrainingSettings(train.getLocalEpochs(), train.getBatchSize(), train.getLearningRate(),
              train.getSeed()));
      header.putMetrics("train_loss", outcome.trainLoss());
      if (secureTag == null) {
        words = ParameterCodec.toWords(outcome.parameters());
        header.setNumExamples(outcome.numExamples());
      } else {
        float[] delta = outcome.parameters().clone();
        for (int i = 0; i < delta.length; i++) {
          delta[i] -= model.parameters()[i];
        }
        L2Clip.clipInPlace(delta, L2Clip.fromTask(train.getUpdateClipNorm()));
        int[] encoded = secure().encode(secureTag, delta, outcome.numExamples(),
            new java.util.SplittableRandom(train.getSeed()));
        words = secure().mask(secureTag, task.getSecaggMaskedInput().getSharesList(), encoded);
        header.setMasked(true).setNumExamples(0);
      }
    } catch (IllegalArgumentException | IllegalStateException | SecAggException e) {
      LOG.warning("training task " + task.getTaskId() + " failed at this site: " + e.getMessage());
      blocking.withDeadlineAfter(REPORT_TIMEOUT_SECONDS, TimeUnit.SECONDS).reportResult(
          TaskResult.newBuilder().setSessionId(sessionId).setTaskId(task.getTaskId())
              .setJobId(task.getJobId()).setRound(task.getRound())
              .setRefusal(TaskRefusal.newBuilder().setReason(e.getMessage())).build());
      return;
    }
    header.setNumParameters(words.length).setSha256(ParameterCodec.hashWords(words));
    try {
      UpdateUploader.upload(async, header.build(), words, TRANSFER_TIMEOUT_SECONDS)
          .get(TRANSFER_TIMEOUT_SECONDS + 5, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException status) {
        throw status;
      }
      throw new IllegalStateException("upload failed: " + e.getCause(), e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("upload of task " + task.getTaskId() + " got no answer within "
          + TRANSFER_TIMEOUT_SECONDS + " s");
    }
  }

  private EvaluationResult evaluate(Task task, String sessionId, FleetGrpc.FleetBlockingStub blocking) {
    EvaluateTask evaluate = task.getEvaluate();
    ModelCache.CachedModel model =
        models.get(blocking, sessionId, evaluate.getModelHash(), TRANSFER_TIMEOUT_SECONDS);
    require(policy.checkModel(model.definition().json()));
    EncodedData data = encode(task, DatasetCatalogue.Split.EVAL, evaluate.getNormalization());
    EvaluationOutcome outcome = LocalEvaluator.evaluate(model.definition(), model.parameters(), data,
        evaluate.getHistogramBins());
    EvaluationResult.Builder result = EvaluationResult.newBuilder()
        .setNumExamples(outcome.numExamples()).setLossSum(outcome.lossSum())
        .setCorrect(outcome.correct());
    for (long count : outcome.histogram().positives()) {
      result.addPositiveHistogram(count);
    }
    for (long count : outcome.histogram().negatives()) {
      result.addNegativeHistogram(count);
    }
    return result.build();
  }

  private EncodedData encode(Task task, DatasetCatalogue.Split split,
      io.factoryfl.proto.v1.Normalization normalization) {
    FeatureSchema schema = catalogue.localSchema(task.getDataset());
    Normalization local = new Normalization(
        normalization.getMeanList().stream().mapToDouble(Double::doubleValue).toArray(),
        normalization.getStdList().stream().mapToDouble(Double::doubleValue).toArray());
    return TabularEncoder.encode(catalogue.table(task.getDataset().getName(), split), schema, local);
  }
}
