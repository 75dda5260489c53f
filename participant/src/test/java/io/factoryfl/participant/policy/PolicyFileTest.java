package io.factoryfl.participant.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class PolicyFileTest {
  private static final Clock SATURDAY = Clock.fixed(Instant.parse("2025-03-08T11:00:00Z"), ZoneOffset.UTC);

  @TempDir Path dir;
  private Path file;
  private Instant mtime = Instant.parse("2025-03-01T00:00:00Z");
  private final Logger log = (Logger) LoggerFactory.getLogger(PolicyFile.class);
  private final ListAppender<ILoggingEvent> capture = new ListAppender<>();

  private List<ILoggingEvent> warnings() {
    return capture.list.stream().filter(event -> event.getLevel().isGreaterOrEqual(Level.WARN)).toList();
  }

  @BeforeEach
  void setUp() {
    file = dir.resolve("site-policy.json");
    capture.start();
    log.addAppender(capture);
  }

  @AfterEach
  void tearDown() {
    log.detachAppender(capture);
  }

  /** Writes the policy and moves its mtime on explicitly: two writes can share a second. */
  private void write(String json) throws Exception {
    Files.writeString(file, json);
    mtime = mtime.plusSeconds(10);
    Files.setLastModifiedTime(file, FileTime.from(mtime));
  }

  @Test
  void edit_takesEffectWithoutRestart() throws Exception {
    write("{\"datasets\": [\"ai4i\"]}");
    PolicyFile policyFile = PolicyFile.load(file);
    PolicyCheck policy = PolicyCheck.enforcing(policyFile, SATURDAY);
    assertTrue(policy.check(Tasks.evaluate("ai4i", 1)).allowed());

    write("{\"datasets\": [\"press-line\"]}");

    PolicyDecision decision = policy.check(Tasks.evaluate("ai4i", 1));
    assertFalse(decision.allowed());
    assertEquals("site policy: dataset 'ai4i' is not exposed to federated jobs at this site (datasets)",
        decision.reason());
    assertTrue(policy.check(Tasks.evaluate("press-line", 1)).allowed());
  }

  @Test
  void edit_canRelaxARuleWithoutRestart() throws Exception {
    write("{}");
    PolicyCheck policy = PolicyCheck.enforcing(PolicyFile.load(file), SATURDAY);
    assertFalse(policy.check(Tasks.train("ai4i", 1)).allowed());

    write("{\"secure_aggregation\": {\"required\": false}, \"max_cpu_threads\": 3}");

    assertTrue(policy.check(Tasks.train("ai4i", 1)).allowed());
    assertEquals(3, policy.maxCpuThreads());
  }

  @Test
  void brokenEdit_keepsTheLastGoodPolicyAndWarnsOnceNamingTheProblem() throws Exception {
    write("{\"datasets\": [\"ai4i\"], \"max_cpu_threads\": 2}");
    PolicyFile policyFile = PolicyFile.load(file);
    PolicyCheck policy = PolicyCheck.enforcing(policyFile, SATURDAY);

    write("{\"datasets\": [\"ai4i\"], \"max_cpu_threads\": 0}");

    assertEquals(2, policy.maxCpuThreads());
    assertTrue(policy.check(Tasks.evaluate("ai4i", 1)).allowed());
    assertFalse(policy.check(Tasks.evaluate("press-line", 1)).allowed());
    assertEquals(1, warnings().size(), "one warning per broken edit, not one per decision");
    assertEquals("site policy edit rejected, keeping the previous policy: " + file
        + ": max_cpu_threads was 0; expected a whole number from 1 to 4096",
        warnings().get(0).getFormattedMessage());

    write("{\"datasets\": [\"ai4i\"], \"max_cpu_threads\": 4}");

    assertEquals(4, policy.maxCpuThreads());
  }

  @Test
  void halfWrittenFile_isNotAppliedAndTheCompletedWriteIsPickedUp() throws Exception {
    write("{\"max_cpu_threads\": 2}");
    PolicyFile policyFile = PolicyFile.load(file);

    // Same mtime, different size: the writer had not finished when the node looked.
    Files.writeString(file, "{\"max_cpu_thr");
    Files.setLastModifiedTime(file, FileTime.from(mtime.plusSeconds(5)));
    assertEquals(2, policyFile.current().maxCpuThreads());
    Files.writeString(file, "{\"max_cpu_threads\": 1}");
    Files.setLastModifiedTime(file, FileTime.from(mtime.plusSeconds(5)));

    assertEquals(1, policyFile.current().maxCpuThreads());
  }

  @Test
  void deletedFile_keepsTheLastGoodPolicyUntilItIsBack() throws Exception {
    write("{\"max_cpu_threads\": 2}");
    PolicyFile policyFile = PolicyFile.load(file);

    Files.delete(file);

    assertEquals(2, policyFile.current().maxCpuThreads());
    assertEquals(2, policyFile.current().maxCpuThreads());
    assertEquals(1, warnings().size());
    assertTrue(warnings().get(0).getFormattedMessage().startsWith("site policy " + file + " cannot be read"));

    write("{\"max_cpu_threads\": 3}");

    assertEquals(3, policyFile.current().maxCpuThreads());
  }

  @Test
  void load_refusesToStartUnderABrokenPolicy() throws Exception {
    write("{\"secure_aggregation\": {\"min_cohort\": -1}}");

    InvalidPolicyException e = assertThrows(InvalidPolicyException.class, () -> PolicyFile.load(file));

    assertEquals(file + ": secure_aggregation.min_cohort was -1; expected a whole number from 1 to"
        + " 100000", e.getMessage());
    assertTrue(assertThrows(InvalidPolicyException.class,
        () -> PolicyFile.load(dir.resolve("missing.json"))).getMessage()
        .startsWith("cannot read site policy " + dir.resolve("missing.json")));
  }

  @Test
  void refusalReasons_neverCarryThePolicyPath() throws Exception {
    write(SitePolicyTest.EXAMPLE);
    PolicyCheck policy = PolicyCheck.enforcing(PolicyFile.load(file),
        Clock.fixed(Instant.parse("2025-03-04T13:05:00Z"), ZoneOffset.UTC));

    for (PolicyDecision decision : List.of(policy.check(Tasks.evaluate("x", 1)),
        policy.check(Tasks.train("ai4i", 1)), policy.check(Tasks.maskedInput("ai4i", 1)),
        policy.check(Tasks.advertise("ai4i", 1, 1)), policy.check(Tasks.evaluate("ai4i", 500)),
        policy.checkModel("{}"))) {
      assertFalse(decision.allowed());
      assertFalse(decision.reason().contains(dir.toString()), decision.reason());
    }
  }
}
