package io.factoryfl.participant.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.model.MlpTemplate;
import io.factoryfl.proto.v1.Task;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyCheckTest {
  // Berlin is UTC+1 in early March 2025; 2025-03-04 is a Tuesday.
  private static final Clock TUESDAY_AFTERNOON_BERLIN =
      Clock.fixed(Instant.parse("2025-03-04T13:05:00Z"), ZoneOffset.UTC);
  private static final Clock TUESDAY_NIGHT_BERLIN =
      Clock.fixed(Instant.parse("2025-03-04T00:30:00Z"), ZoneOffset.UTC);
  private static final Clock MONDAY_EARLY_BERLIN =
      Clock.fixed(Instant.parse("2025-03-03T02:00:00Z"), ZoneOffset.UTC);
  private static final Clock SATURDAY_NOON_BERLIN =
      Clock.fixed(Instant.parse("2025-03-08T11:00:00Z"), ZoneOffset.UTC);

  /** 4 inputs, 8 hidden, 2 outputs: 4*8 + 8 + 8*2 + 2 = 58 parameters. */
  private static final String MLP_58 = MlpTemplate.configurationJson(4, List.of(8), 2, 0.01, 1);

  private static PolicyCheck check(String json, Clock clock) {
    SitePolicy policy = SitePolicy.parse(json, "site-policy.json");
    return PolicyCheck.enforcing(() -> policy, clock);
  }

  private static PolicyCheck example(Clock clock) {
    return check(SitePolicyTest.EXAMPLE, clock);
  }

  private static void assertRefused(String reason, PolicyDecision decision) {
    assertFalse(decision.allowed(), "expected a refusal: " + reason);
    assertEquals(reason, decision.reason());
  }

  private static void assertAllowed(PolicyDecision decision) {
    assertTrue(decision.allowed(), () -> "expected allowed, was refused: " + decision.reason());
  }

  @Test
  void check_refusesDatasetTheSiteDoesNotExpose() {
    PolicyCheck policy = example(SATURDAY_NOON_BERLIN);

    assertRefused("site policy: dataset 'press-line' is not exposed to federated jobs at this site"
        + " (datasets)", policy.check(Tasks.evaluate("press-line", 1)));
    assertAllowed(policy.check(Tasks.evaluate("ai4i", 1)));
    assertFalse(policy.exposes("press-line"));
  }

  @Test
  void check_plainFeatureStatistics_onlyWhereSecureAggregationIsNotRequired() {
    assertRefused("site policy: this site requires secure aggregation; the job asks for its feature"
        + " statistics in the clear (secure_aggregation.required)",
        check("{}", TUESDAY_AFTERNOON_BERLIN).check(Tasks.featureStats("ai4i")));
    assertAllowed(check("{\"secure_aggregation\": {\"required\": false}}", TUESDAY_AFTERNOON_BERLIN)
        .check(Tasks.featureStats("ai4i")));
  }

  @Test
  void check_withoutDatasetsField_allowsEveryCatalogueDataset() {
    assertAllowed(check("{}", SATURDAY_NOON_BERLIN).check(Tasks.evaluate("press-line", 1)));
  }

  @Test
  void check_refusesRoundsBeyondTheLimitPerJob() {
    PolicyCheck policy = example(SATURDAY_NOON_BERLIN);

    assertRefused("site policy: round 101 of job 'job-1' is beyond this site's limit of 100 rounds"
        + " per job (max_rounds_per_job)", policy.check(Tasks.maskedInput("ai4i", 101)));
    assertRefused("site policy: round 101 of job 'job-1' is beyond this site's limit of 100 rounds"
        + " per job (max_rounds_per_job)", policy.check(Tasks.evaluate("ai4i", 101)));
    assertAllowed(policy.check(Tasks.maskedInput("ai4i", 100)));
  }

  @Test
  void check_refusesPlainFedAvgTrainingWhenSecureAggregationIsRequired() {
    assertRefused("site policy: this site requires secure aggregation; the job runs plain FedAvg"
        + " (secure_aggregation.required)", example(SATURDAY_NOON_BERLIN).check(Tasks.train("ai4i", 1)));
    assertRefused("site policy: this site requires secure aggregation; the job runs plain FedAvg"
        + " (secure_aggregation.required)", check("{}", SATURDAY_NOON_BERLIN).check(Tasks.train("ai4i", 1)));
  }

  @Test
  void check_allowsPlainFedAvgTrainingWhenTheSiteDoesNotRequireSecureAggregation() {
    assertAllowed(check("{\"secure_aggregation\": {\"required\": false}}", SATURDAY_NOON_BERLIN)
        .check(Tasks.train("ai4i", 1)));
  }

  @Test
  void check_refusesSecureAggregationCohortBelowTheSiteMinimum() {
    PolicyCheck policy = example(SATURDAY_NOON_BERLIN);

    assertRefused("site policy: secure-aggregation cohort of 2 sites is below this site's minimum"
        + " of 3 (secure_aggregation.min_cohort)", policy.check(Tasks.advertise("ai4i", 1, 2)));
    assertAllowed(policy.check(Tasks.advertise("ai4i", 1, 3)));
  }

  @Test
  void check_refusesSecureAggregationSetupsBelowTheDerivedNeighboursAndThreshold() {
    PolicyCheck defaults = PolicyCheck.defaults(SATURDAY_NOON_BERLIN);

    assertAllowed(defaults.check(Tasks.advertise("ai4i", 1, 10, 9, 6)));
    assertRefused("site policy: secure-aggregation setup with k = 4 neighbours in a cohort of 10 is below"
        + " this site's minimum of 9 (derived from secure_aggregation.max_dropout 0.3 and max_corruption"
        + " 0.1)", defaults.check(Tasks.advertise("ai4i", 1, 10, 4, 3)));
    assertRefused("site policy: secure-aggregation setup with threshold t = 5 and k = 9 in a cohort of 10 is"
        + " below this site's minimum of 6 (t = 5 keeps a site's two secrets apart against only 0 colluding"
        + " neighbours; this site assumes up to 1 (secure_aggregation.max_corruption 0.1))",
        defaults.check(Tasks.advertise("ai4i", 1, 10, 9, 5)));
  }

  @Test
  void check_explicitFloorsRefuseWhatTheThreatModelWouldAllow() {
    PolicyCheck policy = check("{\"secure_aggregation\": {\"max_corruption\": 0, \"min_threshold\": 7}}",
        SATURDAY_NOON_BERLIN);

    assertRefused("site policy: secure-aggregation setup with threshold t = 6 and k = 9 in a cohort of 10 is"
        + " below this site's minimum of 7 (secure_aggregation.min_threshold)",
        policy.check(Tasks.advertise("ai4i", 1, 10, 9, 6)));
    assertAllowed(policy.check(Tasks.advertise("ai4i", 1, 10, 9, 7)));
  }

  @Test
  void check_refusesTrainingOutsideTheWindowsNamingThemAndTheLocalTime() {
    PolicyCheck policy = example(TUESDAY_AFTERNOON_BERLIN);

    assertRefused("site policy: outside the site's training windows (Sat-Sun all day, Mon-Fri"
        + " 22:00-06:00 Europe/Berlin); now Tue 14:05", policy.check(Tasks.maskedInput("ai4i", 1)));
    assertRefused("site policy: outside the site's training windows (Sat-Sun all day, Mon-Fri"
        + " 22:00-06:00 Europe/Berlin); now Tue 14:05", policy.check(Tasks.advertise("ai4i", 1, 5)));
  }

  @Test
  void check_allowsTrainingAfterMidnightOfAWeekdayNightShift() {
    assertAllowed(example(TUESDAY_NIGHT_BERLIN).check(Tasks.maskedInput("ai4i", 1)));
  }

  @Test
  void check_allowsTrainingAllDayAtTheWeekend() {
    assertAllowed(example(SATURDAY_NOON_BERLIN).check(Tasks.maskedInput("ai4i", 1)));
  }

  @Test
  void check_mondayBeforeDawnIsNotPartOfAnyWindow() {
    // Monday 03:00 would be Sunday's night shift, and the policy has none.
    assertRefused("site policy: outside the site's training windows (Sat-Sun all day, Mon-Fri"
        + " 22:00-06:00 Europe/Berlin); now Mon 03:00",
        example(MONDAY_EARLY_BERLIN).check(Tasks.maskedInput("ai4i", 1)));
  }

  @Test
  void check_evaluationAndStatisticsAndLaterSecureStagesIgnoreTheWindows() {
    PolicyCheck policy = example(TUESDAY_AFTERNOON_BERLIN);

    assertAllowed(policy.check(Tasks.evaluate("ai4i", 3)));
    assertAllowed(policy.check(Tasks.base("ai4i", 3).setSecaggUnmask(
        io.factoryfl.proto.v1.SecAggUnmask.newBuilder().setSessionTag("tag")).build()));
  }

  @Test
  void check_windowsWithoutTimezoneUseTheClockZone() {
    String policy = "{\"training_windows\": [{\"from\": \"14:00\", \"to\": \"15:00\"}],"
        + " \"secure_aggregation\": {\"required\": false}}";
    Task task = Tasks.train("ai4i", 1);
    Instant instant = Instant.parse("2025-03-04T13:05:00Z");

    assertAllowed(check(policy, Clock.fixed(instant, ZoneId.of("Europe/Berlin"))).check(task));
    assertRefused("site policy: outside the site's training windows (daily 14:00-15:00 UTC);"
        + " now Tue 13:05", check(policy, Clock.fixed(instant, ZoneId.of("UTC"))).check(task));
  }

  @Test
  void checkModel_allowsAnMlpWithinTheParameterLimit() {
    assertAllowed(example(TUESDAY_AFTERNOON_BERLIN).checkModel(MLP_58));
    assertAllowed(check("{\"models\": {\"max_parameters\": 58}}", TUESDAY_AFTERNOON_BERLIN)
        .checkModel(MLP_58));
  }

  @Test
  void checkModel_refusesModelAboveMaxParameters() {
    assertRefused("site policy: model has 58 parameters, above this site's limit of 57"
        + " (models.max_parameters)",
        check("{\"models\": {\"max_parameters\": 57}}", TUESDAY_AFTERNOON_BERLIN).checkModel(MLP_58));
  }

  @Test
  void checkModel_refusesLayerTypesOutsideTheAllowedTemplates() {
    String recurrent = MLP_58.replace("org.deeplearning4j.nn.conf.layers.DenseLayer",
        "org.deeplearning4j.nn.conf.layers.LSTM");

    assertRefused("site policy: model layers [LSTM, OutputLayer] match none of this site's allowed"
        + " templates [mlp] (models.templates; mlp = DenseLayer layers then one OutputLayer)",
        example(TUESDAY_AFTERNOON_BERLIN).checkModel(recurrent));
  }

  @Test
  void checkModel_withNoTemplatesAllowed_refusesEveryModel() {
    PolicyDecision decision = check("{\"models\": {\"templates\": []}}", TUESDAY_AFTERNOON_BERLIN)
        .checkModel(MLP_58);

    assertRefused("site policy: model layers [DenseLayer, OutputLayer] match none of this site's"
        + " allowed templates [] (models.templates)", decision);
  }

  @Test
  void checkModel_refusesConfigurationItCannotRead() {
    PolicyCheck policy = example(TUESDAY_AFTERNOON_BERLIN);

    assertRefused("site policy: the model configuration cannot be checked: it is not a DL4J"
        + " MultiLayerConfiguration (no \"confs\" list of layers)", policy.checkModel("{\"vertices\": {}}"));
    assertFalse(policy.checkModel("not json\n at all").allowed());
    assertFalse(policy.checkModel("").allowed());
  }

  @Test
  void maxCpuThreads_comesFromThePolicy() {
    assertEquals(2, example(TUESDAY_AFTERNOON_BERLIN).maxCpuThreads());
  }

  @Test
  void defaults_withoutAPolicyFile_requireSecureAggregationAndCohortsOfThree() {
    PolicyCheck defaults = PolicyCheck.defaults(SATURDAY_NOON_BERLIN);

    assertRefused("site policy: this site requires secure aggregation; the job runs plain FedAvg"
        + " (secure_aggregation.required)", defaults.check(Tasks.train("ai4i", 1)));
    assertRefused("site policy: secure-aggregation cohort of 1 sites is below this site's minimum"
        + " of 3 (secure_aggregation.min_cohort)", defaults.check(Tasks.advertise("ai4i", 1, 1)));
    assertAllowed(defaults.check(Tasks.advertise("ai4i", 1, 3)));
  }

  @Test
  void check_refusesSizesAboveTheTaskLimitsBeforeAnythingIsAllocated() {
    PolicyCheck defaults = PolicyCheck.defaults(SATURDAY_NOON_BERLIN);

    assertRefused("site policy: evaluation asks for 400000000 histogram bins; this site allows 2"
        + " to 100000 (limits.max_histogram_bins)", defaults.check(Tasks.base("ai4i", 1)
            .setEvaluate(io.factoryfl.proto.v1.EvaluateTask.newBuilder().setHistogramBins(400_000_000))
            .build()));
    assertRefused("site policy: the task asks for 1000000 local epochs; this site allows 1 to 100"
        + " (limits.max_local_epochs)", defaults.check(Tasks.base("ai4i", 1)
            .setSecaggMaskedInput(io.factoryfl.proto.v1.SecAggMaskedInput.newBuilder()
                .setTrain(Tasks.training().setLocalEpochs(1_000_000))).build()));
    assertRefused("site policy: the task asks for batch size 0; this site allows 1 to 65536"
        + " (limits.max_batch_size)", check("{\"secure_aggregation\": {\"required\": false}}",
            SATURDAY_NOON_BERLIN).check(Tasks.base("ai4i", 1).setTrain(Tasks.training()
                .setBatchSize(0)).build()));
    assertRefused("site policy: the secure-aggregation task lists 20001 cohort; this site takes"
        + " part in cohorts of at most 10000 (limits.max_cohort)",
        defaults.check(Tasks.advertise("ai4i", 1, 20_001)));
  }

  @Test
  void check_refusesAFeatureVectorWiderThanMaxFeatures() {
    PolicyCheck narrow = check("{\"limits\": {\"max_features\": 3}}", SATURDAY_NOON_BERLIN);
    Task wide = Tasks.base("ai4i", 0).setDataset(io.factoryfl.proto.v1.DatasetBinding.newBuilder()
        .setName("ai4i").addNumericFeatures("a").addCategoricalFeatures(
            io.factoryfl.proto.v1.CategoricalFeature.newBuilder().setColumn("t")
                .addCategories("L").addCategories("M").addCategories("H")))
        .setFeatureStats(io.factoryfl.proto.v1.FeatureStatsTask.getDefaultInstance()).build();

    assertRefused("site policy: the job's features encode to 4 inputs; this site allows at most 3"
        + " (limits.max_features)", narrow.check(wide));
  }

  @Test
  void checkDownload_refusesAnnouncedSizesAboveTheLimitsBeforeReceivingParameters() {
    PolicyCheck small = check("{\"models\": {\"max_parameters\": 100, \"max_bytes\": 100000}}",
        SATURDAY_NOON_BERLIN);

    assertRefused("site policy: the model download announces 500000000 parameters, above this"
        + " site's limit of 100 (models.max_parameters)", small.checkDownload(MLP_58, 500_000_000L));
    assertRefused("site policy: the model download announces -1 parameters, above this site's"
        + " limit of 100 (models.max_parameters)", small.checkDownload(MLP_58, -1));
    assertAllowed(small.checkDownload(MLP_58, 58));
    PolicyCheck tinyBytes = check("{\"models\": {\"max_bytes\": 10}}", SATURDAY_NOON_BERLIN);
    assertFalse(tinyBytes.checkDownload(MLP_58, 58).allowed());
    assertTrue(tinyBytes.checkDownload(MLP_58, 58).reason().endsWith("(models.max_bytes)"));
  }

  @Test
  void checkColumns_refusesProtectedColumnsNamingOnlyTheJobsField() {
    PolicyCheck policy = check("{\"protected_columns\": [\"operator_badge\"]}", SATURDAY_NOON_BERLIN);
    io.factoryfl.core.data.FeatureSchema asFeature = new io.factoryfl.core.data.FeatureSchema(
        List.of("torque", "operator_badge"), List.of(), "failure", List.of("0", "1"));
    io.factoryfl.core.data.FeatureSchema asLabel = new io.factoryfl.core.data.FeatureSchema(
        List.of("torque"), List.of(), "operator_badge", List.of("0", "1"));

    assertRefused("site policy: dataset.numeric_features[1] names a column this site protects from"
        + " federated jobs (protected_columns)", policy.checkColumns(asFeature));
    assertRefused("site policy: dataset.label names a column this site protects from federated"
        + " jobs (protected_columns)", policy.checkColumns(asLabel));
    assertAllowed(policy.checkColumns(new io.factoryfl.core.data.FeatureSchema(
        List.of("torque"), List.of(), "failure", List.of("0", "1"))));
  }

  @Test
  void refusalReasons_areSingleLines() {
    PolicyDecision decision = PolicyDecision.refuse("first line\nsecond  line");

    assertEquals("site policy: first line second line", decision.reason());
    assertEquals(PolicyDecision.MAX_REASON_CHARS,
        PolicyDecision.refuse("x".repeat(1000)).reason().length());
  }
}
