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
        + " (datasets)", policy.check(Tasks.featureStats("press-line")));
    assertAllowed(policy.check(Tasks.featureStats("ai4i")));
    assertFalse(policy.exposes("press-line"));
  }

  @Test
  void check_withoutDatasetsField_allowsEveryCatalogueDataset() {
    assertAllowed(check("{}", SATURDAY_NOON_BERLIN).check(Tasks.featureStats("press-line")));
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
    assertAllowed(policy.check(Tasks.featureStats("ai4i")));
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
  void allowAll_allowsWhatAnEnforcingDefaultPolicyRefuses() {
    PolicyCheck open = PolicyCheck.allowAll();

    assertAllowed(open.check(Tasks.train("anything", 5000)));
    assertAllowed(open.checkModel("{}"));
    assertTrue(open.exposes("anything"));
    assertTrue(open.maxCpuThreads() >= 1);
  }

  @Test
  void refusalReasons_areSingleLines() {
    PolicyDecision decision = PolicyDecision.refuse("first line\nsecond  line");

    assertEquals("site policy: first line second line", decision.reason());
    assertEquals(PolicyDecision.MAX_REASON_CHARS,
        PolicyDecision.refuse("x".repeat(1000)).reason().length());
  }
}
