package io.factoryfl.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code simulate --processes} through the simulator's command line: every factory's participant
 * is its own operating-system process (the participant binary, found the way the simulation jar
 * finds it, here on this build's class path) that dials the in-process coordinator over mutual
 * TLS; a crash fault is a real SIGKILL of one of them; and none outlives the simulation.
 */
class ProcessFederationEndToEndTest {
  private static final List<String> FACTORIES = List.of("factory-1", "factory-2", "factory-3", "factory-4");
  private static final Pattern KILLED = Pattern.compile("killed pid (\\d+) \\(SIGKILL\\)");

  @TempDir
  Path out;

  /**
   * One run for both (each participant process costs a JVM and an ND4J start): 4 factories with
   * secure aggregation (participants.min 3), factory-2 killed when handed its round-2 task and
   * started again 2 s later; round 2 commits with the 3 factories left.
   */
  @Test
  @Timeout(300)
  void eachFactoryIsItsOwnProcess_aCrashIsASigkillOfOne_andNoneOutlivesTheSimulation() throws Exception {
    String output = simulate("--processes", "--factories", "4", "--rounds", "3", "--faults", "crash:factory-2@2:2",
        "--out", out.toString());

    JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    assertTrue(summary.get("secure_aggregation").asBoolean(), output);
    JsonNode rounds = summary.get("rounds");
    assertEquals(3, rounds.size(), "the job succeeded with every round\n" + output);
    assertEquals(4, rounds.get(0).get("participants").asInt(), output);
    assertEquals(3, rounds.get(1).get("participants").asInt(), "round 2 without the killed factory\n" + output);
    assertTrue(output.contains("round 2: dropped factory-2"), output);

    List<Long> pids = new ArrayList<>();
    for (String factory : FACTORIES) {
      Path site = out.resolve("sites").resolve(factory);
      assertTrue(Files.readString(site.resolve(ParticipantProcess.LOG))
          .contains("participant '" + factory + "' dialling"), factory + " ran the participant binary");
      pids.add(pid(site));
    }
    String log = Files.readString(out.resolve("sites/factory-2").resolve(ParticipantProcess.LOG));
    Matcher killed = KILLED.matcher(log);
    assertTrue(killed.find(), log);
    assertTrue(log.indexOf("(start 2)") > killed.end(), "started again after the kill:\n" + log);
    pids.add(Long.parseLong(killed.group(1)));
    assertEquals(5, new HashSet<>(pids).size(), "one process per factory, and a new one after the kill: " + pids);
    assertFalse(pids.contains(ProcessHandle.current().pid()), pids.toString());
    pids.forEach(pid -> assertFalse(alive(pid), "participant process " + pid + " outlived the simulation"));
  }

  @Test
  @Timeout(120)
  void aParticipantProcessThatCannotStart_failsTheSimulationWithItsExitCodeAndLogTail() throws Exception {
    Path policy = Files.writeString(out.resolve("broken-policy.json"), "{ not json");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    int code = SimulationMain.run(new String[] {"--processes", "--factories", "2", "--rounds", "1",
        "--policy", "factory-2=" + policy, "--out", out.resolve("run").toString()}, stream, stream);
    String output = bytes.toString(StandardCharsets.UTF_8);

    assertEquals(1, code, output);
    assertTrue(output.contains("simulation failed: the participant process of factory-2 (pid "), output);
    assertTrue(output.contains("exited with code 1 before registering with the coordinator"), output);
    assertTrue(output.contains("participant failed: "), "the end of its log is shown\n" + output);
    assertFalse(output.contains("Exception"), output);
    long pid = pid(out.resolve("run/sites/factory-1"));
    assertFalse(alive(pid), "factory-1's process " + pid + " outlived the failed simulation");
  }

  private static String simulate(String... args) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    int code = SimulationMain.run(args, stream, stream);
    String output = bytes.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, output);
    return output;
  }

  private static long pid(Path site) throws IOException {
    return Long.parseLong(Files.readString(site.resolve(ParticipantProcess.PID)).strip());
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }
}
