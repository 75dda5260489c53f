package io.factoryfl.coordinator.strategy;

import io.factoryfl.coordinator.registry.ParticipantInfo;
import io.factoryfl.core.aggregate.WeightedSumAccumulator;
import io.factoryfl.core.job.JobSpec;
import io.factoryfl.core.params.WordSource;
import io.factoryfl.core.task.EvaluationSums;
import io.factoryfl.core.task.LabelScale;
import io.factoryfl.core.task.TaskFamily;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Federated averaging (McMahan et al. 2017): the new model is the mean of the cohort's models
 * weighted by their example counts, computed by a streaming {@link WeightedSumAccumulator}.
 *
 * <p>Memory: with the {@link BaseModel} forms the round holds the accumulator (8 bytes per
 * parameter) and nothing else of size d: updates are folded chunk by chunk, the base model is not
 * read in a plain round, and the new model is the accumulator's mean handed out block by block
 * ({@link WeightedSumAccumulator#drainMean}). A secure round streams the base model and adds the
 * decoded mean delta as it goes.
 */
public final class FedAvg implements Strategy {
  private final JobSpec spec;
  private final TaskFamily task;

  /** @param histogramBins score histogram bins of the job's task family ({@code TaskSpec.family}) */
  public FedAvg(JobSpec spec, int histogramBins) {
    this(spec, spec.task().family(spec.schema(), histogramBins));
  }

  /** @param task the job's task family, which scores the merged evaluations */
  public FedAvg(JobSpec spec, TaskFamily task) {
    this.spec = spec;
    this.task = task;
  }

  @Override
  public List<FitInstruction> configureFit(int round, List<ParticipantInfo> available) {
    int wanted = (int) Math.ceil(spec.fractionPerRound() * available.size());
    wanted = Math.min(spec.maxParticipants(), Math.max(spec.minParticipants(), wanted));
    List<ParticipantInfo> cohort = sample(available, Math.min(wanted, available.size()),
        Seeds.mix(spec.seed(), round, 0x5EED_C0507L));
    List<FitInstruction> instructions = new ArrayList<>();
    for (ParticipantInfo participant : cohort) {
      instructions.add(new FitInstruction(participant.id(), spec.localEpochs(), spec.batchSize(),
          spec.learningRate(), Seeds.mix(spec.seed(), round, participant.id().hashCode())));
    }
    return instructions;
  }

  @Override
  public Aggregation beginFit(int round, float[] base) {
    WeightedSumAccumulator accumulator = new WeightedSumAccumulator(base.length);
    return new Weighted(accumulator, spec);
  }

  @Override
  public Aggregation beginFit(int round, BaseModel base) {
    return new Weighted(new WeightedSumAccumulator(base.dimension()), spec);
  }

  /** Each update weighs its example count capped at the job's max_examples_per_site. */
  private record Weighted(WeightedSumAccumulator accumulator, JobSpec spec) implements Aggregation {
    @Override
    public void accept(float[] parameters, long numExamples) {
      accumulator.add(parameters, spec.cappedWeight(numExamples));
    }

    @Override
    public void accept(WordSource parameters, long numExamples) {
      accumulator.add(parameters, spec.cappedWeight(numExamples));
    }
  }

  /** As the float[] form; the new model is drained from the accumulator, readable once. */
  @Override
  public FitOutcome aggregateFit(int round, BaseModel base, Aggregation aggregation,
      List<FitResult> results, List<Failure> failures) {
    String shortfall = shortfall(spec, results, failures);
    if (shortfall != null) {
      return FitOutcome.notCommitted(shortfall);
    }
    WeightedSumAccumulator accumulator = ((Weighted) aggregation).accumulator();
    return FitOutcome.committed(accumulator.drainMean(), trainLoss(spec, results), accumulator.totalWeight());
  }

  /** As the float[] form; the new model is the base model read in chunks plus the decoded delta. */
  @Override
  public FitOutcome aggregateSecureFit(int round, BaseModel base, MeanDelta meanDelta, long totalExamples,
      double trainLoss, List<FitResult> results, List<Failure> failures) {
    if (results.size() < spec.minParticipants()) {
      return aggregateSecureFit(round, new float[0], new float[0], totalExamples, trainLoss, results, failures);
    }
    WordSource baseWords = base.words();
    WordSource next = new WordSource() {
      @Override
      public long length() {
        return baseWords.length();
      }

      @Override
      public void forEachChunk(ChunkConsumer consumer) {
        baseWords.forEachChunk((offset, words, count) -> {
          for (int k = 0; k < count; k++) {
            words[k] = Float.floatToRawIntBits(Float.intBitsToFloat(words[k]) + meanDelta.at((int) offset + k));
          }
          consumer.accept(offset, words, count);
        });
      }
    };
    return FitOutcome.committed(next, trainLoss, totalExamples);
  }

  @Override
  public FitOutcome aggregateFit(int round, float[] base, Aggregation aggregation,
      List<FitResult> results, List<Failure> failures) {
    String shortfall = shortfall(spec, results, failures);
    if (shortfall != null) {
      return FitOutcome.notCommitted(shortfall);
    }
    WeightedSumAccumulator accumulator = ((Weighted) aggregation).accumulator();
    return FitOutcome.committed(accumulator.weightedMean(), trainLoss(spec, results),
        accumulator.totalWeight());
  }

  /** Why a plain round cannot commit (too few usable updates), or null if it can. */
  static String shortfall(JobSpec spec, List<FitResult> results, List<Failure> failures) {
    if (results.size() >= spec.minParticipants()) {
      return null;
    }
    return results.size() + " of the cohort returned a usable update, " + spec.minParticipants()
        + " needed (participants.min); " + failures.size() + " failed";
  }

  /** The sites' reported training losses, weighted by their capped example counts. */
  static double trainLoss(JobSpec spec, List<FitResult> results) {
    double lossSum = 0;
    long lossWeight = 0;
    for (FitResult result : results) {
      Double loss = result.metrics().get("train_loss");
      if (loss != null && Double.isFinite(loss)) {
        long weight = spec.cappedWeight(result.numExamples());
        lossSum += loss * weight;
        lossWeight += weight;
      }
    }
    return lossWeight == 0 ? Double.NaN : lossSum / lossWeight;
  }

  @Override
  public FitOutcome aggregateSecureFit(int round, float[] base, float[] meanDelta, long totalExamples,
      double trainLoss, List<FitResult> results, List<Failure> failures) {
    if (results.size() < spec.minParticipants()) {
      return FitOutcome.notCommitted(results.size() + " masked inputs were unmasked, "
          + spec.minParticipants() + " needed (participants.min); " + failures.size() + " failed");
    }
    float[] next = base.clone();
    for (int i = 0; i < next.length; i++) {
      next[i] += meanDelta[i];
    }
    // The loss came out of the secure sum already example-weighted; no per-site loss exists here.
    return FitOutcome.committed(next, trainLoss, totalExamples);
  }

  @Override
  public List<String> configureEvaluate(int round, List<ParticipantInfo> available) {
    boolean due = spec.evaluateEvery() > 0
        && (round % spec.evaluateEvery() == 0 || round == spec.rounds());
    if (!due) {
      return List.of();
    }
    List<String> ids = new ArrayList<>();
    for (ParticipantInfo participant : available.subList(0, Math.min(available.size(), spec.maxParticipants()))) {
      ids.add(participant.id());
    }
    return ids;
  }

  @Override
  public EvaluationSummary aggregateEvaluate(
      int round, List<EvaluateResult> results, List<Failure> failures) {
    EvaluationSums merged = task.newScoring(LabelScale.IDENTITY).sums();
    for (EvaluateResult result : results) {
      merged = merged.merge(result.sums());
    }
    return new EvaluationSummary(results.size(), task.metrics(merged));
  }

  /** A seeded partial Fisher-Yates shuffle of the (sorted) available list. */
  static List<ParticipantInfo> sample(List<ParticipantInfo> available, int count, long seed) {
    List<ParticipantInfo> pool = new ArrayList<>(available);
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < count; i++) {
      int j = i + random.nextInt(pool.size() - i);
      ParticipantInfo swap = pool.get(i);
      pool.set(i, pool.get(j));
      pool.set(j, swap);
    }
    List<ParticipantInfo> cohort = new ArrayList<>(pool.subList(0, count));
    cohort.sort(java.util.Comparator.comparing(ParticipantInfo::id));
    return cohort;
  }
}
