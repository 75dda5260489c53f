package io.factoryfl.coordinator.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link JobStore} keeps. Each implementation extends this class with its
 * factory; a durable one also says how to reopen the same store, and then every test's data must
 * read back the same after a reopen.
 */
abstract class JobStoreContract {
  private CoordinatorStore store;

  /** A new, empty store. */
  abstract CoordinatorStore open() throws Exception;

  /** Whether what the store holds survives closing and reopening it. */
  abstract boolean durable();

  /** The same store opened again after {@code closed} was closed (durable stores only). */
  abstract CoordinatorStore reopen(CoordinatorStore closed) throws Exception;

  @BeforeEach
  void openStore() throws Exception {
    store = open();
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  private JobStore jobs() {
    return store.jobs();
  }

  /** The jobs as read now and, for a durable store, after closing and reopening it. */
  private List<List<StoredJob>> readBack() throws Exception {
    List<StoredJob> now = jobs().load();
    if (!durable()) {
      return List.of(now);
    }
    store.close();
    store = reopen(store);
    return List.of(now, jobs().load());
  }

  private static JobSubmission submission(String id, long millis) {
    return new JobSubmission(id, "name of " + id, "{\"name\":\"" + id + "\"}", "hash-" + id, "engineer-1",
        Instant.ofEpochMilli(millis));
  }

  @Test
  void newJobs_areListedInSubmissionOrderWithTheSubmittedCheckpoint() throws Exception {
    jobs().create(submission("job-b", 2_000));
    jobs().create(submission("job-a", 1_000));
    jobs().create(submission("job-c", 3_000));
    for (List<StoredJob> loaded : readBack()) {
      assertEquals(List.of("job-b", "job-a", "job-c"), loaded.stream().map(j -> j.submission().jobId()).toList());
      assertEquals(submission("job-a", 1_000), loaded.get(1).submission());
      JobCheckpoint checkpoint = loaded.get(0).checkpoint();
      assertEquals(JobCheckpoint.State.PENDING, checkpoint.state());
      assertEquals(JobCheckpoint.submitted(), checkpoint.withState(JobCheckpoint.State.PENDING, ""));
      assertTrue(loaded.get(0).events().isEmpty());
    }
  }

  @Test
  void aJobIdIsRecordedOnce() {
    jobs().create(submission("job-1", 1));
    StoreException e = assertThrows(StoreException.class, () -> jobs().create(submission("job-1", 2)));
    assertTrue(e.getMessage().contains("job-1") && e.getMessage().contains("exists already"), e.getMessage());
    assertEquals(1, jobs().load().size());
  }

  @Test
  void aSavedCheckpoint_readsBackField_forField() throws Exception {
    jobs().create(submission("job-1", 1));
    JobCheckpoint checkpoint = JobCheckpoint.submitted().withState(JobCheckpoint.State.RUNNING, "round 3 of 10")
        .withStart(new double[] {300.5, -2}, new double[] {1.25, 4}, 62.5, 31.0, Map.of("plant-a", 1_600L,
            "plant-b", 802L), "model-0")
        .withPrepared(new JobCheckpoint.Prepared(1, "model-1")).committingPrepared()
        .withEvaluated(1, new JobCheckpoint.Best(1, "model-1", 0.8125, 1, 0))
        .withPrepared(new JobCheckpoint.Prepared(2, "model-2"))
        .withEnding(new JobCheckpoint.Ending(JobCheckpoint.State.CANCELLED, "cancelled by engineer-1"));
    jobs().save("job-1", checkpoint);
    for (List<StoredJob> loaded : readBack()) {
      JobCheckpoint read = loaded.get(0).checkpoint();
      assertEquals(JobCheckpoint.State.RUNNING, read.state());
      assertEquals("round 3 of 10", read.message());
      assertArrayEquals(new double[] {300.5, -2}, read.featureMean());
      assertArrayEquals(new double[] {1.25, 4}, read.featureStd());
      assertEquals(62.5, read.labelMean());
      assertEquals(31.0, read.labelStd());
      assertEquals(Map.of("plant-a", 1_600L, "plant-b", 802L), read.trainRows());
      assertEquals(1, read.committedRound());
      assertEquals("model-1", read.committedModel());
      assertEquals(new JobCheckpoint.Prepared(2, "model-2"), read.prepared());
      assertEquals(1, read.evaluatedRound());
      assertEquals(new JobCheckpoint.Best(1, "model-1", 0.8125, 1, 0), read.best());
      assertEquals(new JobCheckpoint.Ending(JobCheckpoint.State.CANCELLED, "cancelled by engineer-1"), read.ending());
    }
  }

  @Test
  void aBestRoundWithoutAValue_keepsNaN() throws Exception {
    jobs().create(submission("job-1", 1));
    jobs().save("job-1", JobCheckpoint.submitted().withStart(new double[0], new double[0], 0, 1, Map.of(), "m0")
        .withEvaluated(0, new JobCheckpoint.Best(0, null, Double.NaN, 0, 0)));
    for (List<StoredJob> loaded : readBack()) {
      JobCheckpoint.Best best = loaded.get(0).checkpoint().best();
      assertTrue(Double.isNaN(best.value()));
      assertNull(best.model());
      assertNull(loaded.get(0).checkpoint().prepared());
    }
  }

  @Test
  void strategyArrays_areKeptByRound_andOlderRoundsForgotten() throws Exception {
    jobs().create(submission("job-1", 1));
    JobCheckpoint checkpoint = JobCheckpoint.submitted();
    jobs().save("job-1", checkpoint, 1, Map.of("momentum", new float[] {1, 2, 3}), 0);
    jobs().save("job-1", checkpoint, 2, Map.of("momentum", new float[] {4, 5, 6},
        "adam.v", new float[] {Float.MIN_VALUE, -0f, Float.MAX_VALUE}), 1);
    assertArrayEquals(new float[] {1, 2, 3}, jobs().arrays("job-1", 1).get("momentum"));
    jobs().save("job-1", checkpoint, 3, Map.of("momentum", new float[] {7, 8, 9}), 2);
    jobs().save("job-1", checkpoint, 3, Map.of("momentum", new float[] {10, 11, 12}), 2);
    readBack();
    assertTrue(jobs().arrays("job-1", 1).isEmpty(), "round 1 is before keepFrom 2");
    Map<String, float[]> round2 = jobs().arrays("job-1", 2);
    assertEquals(2, round2.size());
    assertArrayEquals(new float[] {Float.MIN_VALUE, -0f, Float.MAX_VALUE}, round2.get("adam.v"));
    assertArrayEquals(new float[] {10, 11, 12}, jobs().arrays("job-1", 3).get("momentum"),
        "saving a round again replaces its arrays");
    assertTrue(jobs().arrays("job-1", 4).isEmpty());
  }

  @Test
  void events_areAppendedInSequence_andReadBackInOrder() throws Exception {
    jobs().create(submission("job-1", 1));
    jobs().create(submission("job-2", 2));
    for (int i = 1; i <= 5; i++) {
      jobs().appendEvent("job-1", i, ("event " + i).getBytes(StandardCharsets.UTF_8));
    }
    jobs().appendEvent("job-2", 1, new byte[] {0, -1, 7});
    StoreException gap = assertThrows(StoreException.class, () -> jobs().appendEvent("job-1", 7, new byte[1]));
    assertTrue(gap.getMessage().contains("event 7 of job job-1 is not the next one (6)"), gap.getMessage());
    assertThrows(StoreException.class, () -> jobs().appendEvent("job-1", 5, new byte[1]));
    for (List<StoredJob> loaded : readBack()) {
      List<byte[]> events = loaded.get(0).events();
      assertEquals(5, events.size());
      for (int i = 0; i < 5; i++) {
        assertEquals("event " + (i + 1), new String(events.get(i), StandardCharsets.UTF_8));
      }
      assertArrayEquals(new byte[] {0, -1, 7}, loaded.get(1).events().get(0));
    }
  }

  @Test
  void writesAboutAnUnknownJob_areRefusedNamingIt() {
    StoreException save = assertThrows(StoreException.class,
        () -> jobs().save("job-none", JobCheckpoint.submitted()));
    assertTrue(save.getMessage().contains("no job job-none"), save.getMessage());
    StoreException event = assertThrows(StoreException.class,
        () -> jobs().appendEvent("job-none", 1, new byte[1]));
    assertTrue(event.getMessage().contains("no job job-none"), event.getMessage());
    assertTrue(jobs().load().isEmpty());
  }

  @Test
  void aFailedWrite_changesNothing() throws Exception {
    jobs().create(submission("job-1", 1));
    jobs().save("job-1", JobCheckpoint.submitted(), 1, Map.of("m", new float[] {1}), 0);
    jobs().appendEvent("job-1", 1, new byte[] {1});
    assertThrows(StoreException.class, () -> jobs().appendEvent("job-1", 3, new byte[] {3}));
    assertThrows(StoreException.class, () -> jobs().create(submission("job-1", 5)));
    for (List<StoredJob> loaded : readBack()) {
      assertEquals(1, loaded.size());
      assertEquals(1, loaded.get(0).events().size());
      assertEquals(submission("job-1", 1), loaded.get(0).submission());
    }
    assertArrayEquals(new float[] {1}, jobs().arrays("job-1", 1).get("m"));
  }

  @Test
  void aJobsOpenSecureSession_isReplacedByTheNext_andForgottenWhenCleared() throws Exception {
    jobs().create(submission("job-1", 1));
    jobs().create(submission("job-2", 2));
    assertTrue(jobs().secureSession("job-1").isEmpty());
    jobs().saveSecureSession("job-1", new byte[] {1, 2, 3});
    jobs().saveSecureSession("job-1", new byte[] {4, 0, -1, 7});
    jobs().saveSecureSession("job-2", new byte[] {9});
    readBack();
    assertArrayEquals(new byte[] {4, 0, -1, 7}, jobs().secureSession("job-1").orElseThrow(),
        "a job has one open session: the last saved");
    jobs().clearSecureSession("job-1");
    jobs().clearSecureSession("job-1");
    readBack();
    assertTrue(jobs().secureSession("job-1").isEmpty());
    assertArrayEquals(new byte[] {9}, jobs().secureSession("job-2").orElseThrow(), "another job's session stays");
    StoreException unknown = assertThrows(StoreException.class,
        () -> jobs().saveSecureSession("job-none", new byte[] {1}));
    assertTrue(unknown.getMessage().contains("no job job-none"), unknown.getMessage());
    assertTrue(jobs().secureSession("job-none").isEmpty());
  }
}
