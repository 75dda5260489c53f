package io.factoryfl.participant.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.secagg.ThreatModel;
import java.time.DayOfWeek;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SitePolicyTest {
  static final String EXAMPLE = """
      {"datasets": ["ai4i"], "models": {"templates": ["mlp"], "max_parameters": 1000000},
       "secure_aggregation": {"required": true, "min_cohort": 3, "max_corruption": 0.1, "max_dropout": 0.3},
       "training_windows": [{"days": ["SAT","SUN"], "from": "00:00", "to": "24:00"},
                            {"days": ["MON","TUE","WED","THU","FRI"], "from": "22:00", "to": "06:00"}],
       "timezone": "Europe/Berlin", "max_cpu_threads": 2, "max_rounds_per_job": 100}
      """;

  private static String rejection(String json) {
    return assertThrows(InvalidPolicyException.class, () -> SitePolicy.parse(json, "site-policy.json"))
        .getMessage();
  }

  @Test
  void parse_readsEveryFieldOfTheDocumentedExample() {
    SitePolicy policy = SitePolicy.parse(EXAMPLE, "site-policy.json");

    assertEquals(Optional.of(Set.of("ai4i")), policy.datasets());
    assertEquals(Set.of("mlp"), policy.modelTemplates());
    assertEquals(1_000_000, policy.maxParameters());
    assertTrue(policy.secureAggregationRequired());
    assertEquals(3, policy.minCohort());
    assertEquals(List.of(
        new TrainingWindow(EnumSet.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY), LocalTime.MIDNIGHT,
            LocalTime.MIDNIGHT),
        new TrainingWindow(EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY), LocalTime.of(22, 0),
            LocalTime.of(6, 0))), policy.trainingWindows());
    assertEquals(Optional.of(ZoneId.of("Europe/Berlin")), policy.timezone());
    assertEquals(2, policy.maxCpuThreads());
    assertEquals(100, policy.maxRoundsPerJob());
    assertEquals("Sat-Sun all day, Mon-Fri 22:00-06:00 Europe/Berlin",
        policy.describeWindows(ZoneId.of("Europe/Berlin")));
  }

  @Test
  void parse_emptyObjectGivesTheSafeDefaults() {
    SitePolicy policy = SitePolicy.parse("{}", "site-policy.json");

    assertEquals(SitePolicy.defaults(), policy);
    assertTrue(policy.secureAggregationRequired());
    assertEquals(3, policy.minCohort());
    assertTrue(policy.exposes("any-dataset-in-the-catalogue"));
    assertTrue(policy.trainingWindows().isEmpty());
    assertEquals(Set.of("mlp", "lstm", "cnn1d", "cnn"), policy.modelTemplates(), "the default allows every built-in template");
    assertEquals(10_000_000, policy.maxParameters());
    assertEquals(1000, policy.maxRoundsPerJob());
    assertEquals(Math.max(1, Runtime.getRuntime().availableProcessors() / 2), policy.maxCpuThreads());
  }

  @Test
  void parse_secureAggregationThreatModelAndExplicitFloors() {
    SitePolicy policy = SitePolicy.parse("{\"secure_aggregation\": {\"max_corruption\": 0.2,"
        + " \"max_dropout\": 0.1, \"min_neighbours\": 12, \"min_threshold\": 9}}", "p.json");
    SecureAggregationRules rules = policy.secureAggregation();

    assertEquals(new ThreatModel(0.2, 0.1), rules.threatModel());
    assertEquals(12, rules.minNeighbours());
    assertEquals(9, rules.minThreshold());
    assertTrue(rules.required());
    assertEquals(3, rules.minCohort());
  }

  @Test
  void secureAggregationMinimums_deriveFromTheThreatModelPerCohortSize() {
    SecureAggregationRules defaults = SitePolicy.defaults().secureAggregation();
    assertEquals(ThreatModel.DEFAULT, defaults.threatModel());
    // docs/secure-aggregation.md table, gamma 0.1, delta 0.3
    assertEquals(9, defaults.requiredNeighbours(10));
    assertEquals(6, defaults.requiredThreshold(10, 9));
    assertEquals(99, defaults.requiredNeighbours(100));
    assertEquals(55, defaults.requiredThreshold(100, 99));
    assertEquals(294, defaults.requiredNeighbours(500));
    assertEquals(173, defaults.requiredThreshold(500, 294));
    // a larger k needs a larger t: 2t - k - 1 must still cover the 50 colluders
    assertEquals(201, defaults.requiredThreshold(500, 350));

    // explicit floors only raise: derived k is 20 and t at k = 30 is 16 (gamma 0, delta 0.1, n = 500)
    SecureAggregationRules floors = SitePolicy.parse("{\"secure_aggregation\": {\"min_neighbours\": 30,"
        + " \"min_threshold\": 9, \"max_dropout\": 0.1, \"max_corruption\": 0}}", "p.json").secureAggregation();
    assertEquals(30, floors.requiredNeighbours(500));
    assertEquals(16, floors.requiredThreshold(500, 30));
    assertEquals(9, floors.requiredThreshold(500, 12));
  }

  @Test
  void parse_rejectsFractionsOutsideZeroToHalf() {
    assertEquals("site-policy.json: secure_aggregation.max_corruption was 0.5; expected a fraction of the"
        + " cohort from 0 to below 0.5, such as 0.1",
        rejection("{\"secure_aggregation\": {\"max_corruption\": 0.5}}"));
    assertEquals("site-policy.json: secure_aggregation.max_dropout was \"0.3\"; expected a fraction of the"
        + " cohort from 0 to below 0.5, such as 0.1",
        rejection("{\"secure_aggregation\": {\"max_dropout\": \"0.3\"}}"));
    assertEquals("site-policy.json: secure_aggregation.min_threshold was 1; expected a whole number from 2 to"
        + " 100000", rejection("{\"secure_aggregation\": {\"min_threshold\": 1}}"));
  }

  @Test
  void parse_emptyDatasetListExposesNothing() {
    assertFalse(SitePolicy.parse("{\"datasets\": []}", "p.json").exposes("ai4i"));
  }

  @Test
  void parse_acceptsFullDayNamesInAnyCase() {
    SitePolicy policy = SitePolicy.parse(
        "{\"training_windows\": [{\"days\": [\"monday\", \"Tue\"], \"from\": \"08:00\", \"to\": \"12:00\"}]}",
        "p.json");

    assertEquals(EnumSet.of(DayOfWeek.MONDAY, DayOfWeek.TUESDAY), policy.trainingWindows().get(0).days());
  }

  @Test
  void parse_windowWithoutDaysAppliesEveryDay() {
    SitePolicy policy = SitePolicy.parse(
        "{\"training_windows\": [{\"from\": \"22:00\", \"to\": \"06:00\"}]}", "p.json");

    assertEquals(EnumSet.allOf(DayOfWeek.class), policy.trainingWindows().get(0).days());
  }

  @Test
  void parse_rejectsMisspeltFieldRatherThanFallingBackToItsDefault() {
    assertEquals("site-policy.json: unknown field 'secure_agregation'; allowed: [datasets,"
        + " limits, max_cpu_threads, max_rounds_per_job, models, protected_columns,"
        + " secure_aggregation, timezone, training_windows]", rejection("{\"secure_agregation\": {\"required\": false}}"));
    assertEquals("site-policy.json: unknown field 'models.max_params'; allowed: [max_bytes,"
        + " max_parameters, templates]", rejection("{\"models\": {\"max_params\": 5}}"));
  }

  @Test
  void parse_rejectsUnknownTemplateNamingFileFieldAndValue() {
    assertEquals("site-policy.json: models.templates was \"resnet\"; known templates: [mlp, lstm, cnn1d, cnn]",
        rejection("{\"models\": {\"templates\": [\"mlp\", \"resnet\"]}}"));
  }

  @Test
  void parse_rejectsBadDayNamingItsPosition() {
    assertEquals("site-policy.json: training_windows[1].days[0] was \"Mo\"; expected one of MON,"
        + " TUE, WED, THU, FRI, SAT, SUN", rejection("""
        {"training_windows": [{"from": "00:00", "to": "24:00"},
                              {"days": ["Mo"], "from": "22:00", "to": "06:00"}]}"""));
  }

  @Test
  void parse_rejectsTimesOutOfRange() {
    assertEquals("site-policy.json: training_windows[0].from was \"25:00\"; expected a time"
        + " \"HH:mm\" between \"00:00\" and \"23:59\"",
        rejection("{\"training_windows\": [{\"from\": \"25:00\", \"to\": \"06:00\"}]}"));
    assertEquals("site-policy.json: training_windows[0].from was \"24:00\"; expected a time"
        + " \"HH:mm\" between \"00:00\" and \"23:59\"",
        rejection("{\"training_windows\": [{\"from\": \"24:00\", \"to\": \"06:00\"}]}"));
    assertEquals("site-policy.json: training_windows[0].to was \"6:00\"; expected a time"
        + " \"HH:mm\" between \"00:00\" and \"24:00\"",
        rejection("{\"training_windows\": [{\"from\": \"22:00\", \"to\": \"6:00\"}]}"));
    assertEquals("site-policy.json: training_windows[0].to is required (\"HH:mm\")",
        rejection("{\"training_windows\": [{\"from\": \"22:00\"}]}"));
  }

  @Test
  void parse_rejectsWindowThatStartsWhereItEnds() {
    assertEquals("site-policy.json: training_windows[0].to was \"08:00\"; equals from; use"
        + " \"from\": \"00:00\", \"to\": \"24:00\" for a whole day",
        rejection("{\"training_windows\": [{\"from\": \"08:00\", \"to\": \"08:00\"}]}"));
  }

  @Test
  void parse_rejectsEmptyWindowListAsAmbiguous() {
    assertTrue(rejection("{\"training_windows\": []}").startsWith(
        "site-policy.json: training_windows was []; an empty list would forbid all training"));
  }

  @Test
  void parse_rejectsUnknownTimezone() {
    assertEquals("site-policy.json: timezone was \"Berlin\"; expected a region id such as"
        + " \"Europe/Berlin\" or \"UTC\"", rejection("{\"timezone\": \"Berlin\"}"));
  }

  @Test
  void parse_rejectsNumbersOutOfRange() {
    assertEquals("site-policy.json: secure_aggregation.min_cohort was 0; expected a whole number"
        + " from 1 to 100000", rejection("{\"secure_aggregation\": {\"min_cohort\": 0}}"));
    assertEquals("site-policy.json: max_cpu_threads was 1.5; expected a whole number from 1 to 4096",
        rejection("{\"max_cpu_threads\": 1.5}"));
    assertEquals("site-policy.json: max_rounds_per_job was \"100\"; expected a whole number from 1"
        + " to 2147483647", rejection("{\"max_rounds_per_job\": \"100\"}"));
  }

  @Test
  void parse_rejectsRequiredThatIsNotABoolean() {
    assertEquals("site-policy.json: secure_aggregation.required was \"yes\"; expected true or false",
        rejection("{\"secure_aggregation\": {\"required\": \"yes\"}}"));
  }

  @Test
  void parse_rejectsDuplicateKeySoTheLaterOneCannotHideTheFirst() {
    assertTrue(rejection("{\"datasets\": [\"ai4i\"], \"datasets\": []}")
        .startsWith("site-policy.json is not valid JSON at line 1"), "duplicate key must be refused");
  }

  @Test
  void parse_rejectsBrokenJsonWithItsLine() {
    assertTrue(rejection("{\n\"datasets\": [\n").startsWith("site-policy.json is not valid JSON at line"));
    assertTrue(rejection("[]").startsWith("site-policy.json: a site policy must be a JSON object"));
  }
}
