package io.factoryfl.simulation;

import io.factoryfl.coordinator.admin.AdminClient;
import io.factoryfl.proto.v1.ParticipantStatus;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The participant processes of {@code simulate --processes}, one per factory
 * ({@link ParticipantProcess}), each dialling the coordinator over mutual TLS like a deployed site.
 * Plays {@code crash:} faults as a real SIGKILL of the factory's process when the coordinator hands
 * it the fault's training task ({@link CrashOnTask}), starting it again from the same site
 * directory after the fault's seconds. A process that exits by itself is reported with its exit
 * code and the end of its log. Every process, and anything it started, is ended when the fleet
 * closes, or by a shutdown hook when the simulator is interrupted (Ctrl-C, SIGTERM); only a SIGKILL
 * of the simulator itself leaves them running.
 */
final class ProcessFleet implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessFleet.class);
  /** How long a process may take to stop by itself (SIGTERM) before it gets SIGKILL. */
  private static final long STOP_GRACE_MILLIS = 3_000;

  private final ParticipantCommand command;
  private final CrashOnTask crashes;
  private final List<ParticipantProcess> processes = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService faults = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "process-faults");
    thread.setDaemon(true);
    return thread;
  });
  private final Thread hook = new Thread(this::stopAll, "participant-processes-shutdown");
  private volatile boolean closing;
  /** Set once every process registered: an exit before that is {@link #awaitRegistered}'s to report. */
  private volatile boolean registered;

  private ProcessFleet(ParticipantCommand command, List<Fault> faults) {
    this.command = command;
    this.crashes = new CrashOnTask(faults, this::crash);
  }

  /**
   * A fleet with no process yet, whose shutdown hook is already registered.
   *
   * @throws IllegalArgumentException for a fault a process cannot play ({@link ParticipantProcesses#checkFaults})
   */
  static ProcessFleet create(ParticipantProcesses options, List<Fault> faults) {
    ParticipantProcesses.checkFaults(faults);
    ProcessFleet fleet = new ProcessFleet(ParticipantCommand.of(options), faults);
    Runtime.getRuntime().addShutdownHook(fleet.hook);
    return fleet;
  }

  /** The coordinator's interceptor: {@code authentication}, then the trigger of the crash faults. */
  ServerInterceptor watching(ServerInterceptor authentication) {
    return crashes.after(authentication);
  }

  /** Starts {@code factory}'s participant process from its site config file. */
  void start(String factory, Path config) throws IOException {
    ParticipantProcess process = new ParticipantProcess(factory, config, command);
    processes.add(process);
    process.start();
    reportExit(process);
  }

  /**
   * Waits until every process's participant has registered with the coordinator.
   *
   * @throws IllegalStateException when a process exited first (its exit code and the end of its
   *     log), or after {@code timeout} (naming the factories still missing and their logs)
   */
  void awaitRegistered(AdminClient admin, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String unanswered = null;
    try {
      while (true) {
        for (ParticipantProcess process : processes) {
          if (!process.alive()) {
            ParticipantProcess.Exit exit = process.onExit().join();
            throw new IllegalStateException("the participant process of " + process.factory() + " (pid "
                + exit.pid() + ") exited with " + exit.meaning() + " before registering with the coordinator;"
                + " the end of " + process.log() + ":" + process.logTail());
          }
        }
        Set<String> live = new HashSet<>();
        try {
          admin.participants().stream().filter(ParticipantStatus::getAlive)
              .forEach(participant -> live.add(participant.getParticipantId()));
        } catch (StatusRuntimeException e) {
          // the in-process coordinator on a machine busy starting JVMs: ask again until the deadline
          unanswered = e.getStatus().getCode().toString();
        }
        List<ParticipantProcess> missing = processes.stream().filter(p -> !live.contains(p.factory())).toList();
        if (missing.isEmpty()) {
          registered = true;
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(missing.size() + " of " + processes.size() + " participant processes"
              + " did not register with the coordinator within " + timeout.toSeconds() + " s (the machine may be"
              + " overloaded: fewer --factories, or see the logs"
              + (unanswered == null ? "" : "; the simulator's calls to the coordinator failed with " + unanswered)
              + "); the end of " + missing.get(0).log() + ":"
              + missing.get(0).logTail());
        }
        Thread.sleep(200);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the participant processes to register");
    }
  }

  private void reportExit(ParticipantProcess process) {
    process.onExit().thenAccept(exit -> {
      if (!exit.planned() && registered && !closing) {
        LOG.warn("the participant process of {} (pid {}) exited with {}; the federation goes on without it."
            + " The end of {}:{}", process.factory(), exit.pid(), exit.meaning(), process.log(), process.logTail());
      }
    });
  }

  /** A crash fault is due: SIGKILL now (off the gRPC thread), and a restart after its seconds. */
  private void crash(String factory, Fault fault) {
    ParticipantProcess process = processes.stream().filter(p -> p.factory().equals(factory)).findFirst()
        .orElse(null);
    if (process == null || closing) {
      return;
    }
    String text = "crash:" + factory + "@" + fault.round() + (fault.seconds() > 0 ? ":" + fault.seconds() : "");
    faults.execute(() -> {
      try {
        process.kill("on its round-" + fault.round() + " task (--faults " + text + ")");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (fault.seconds() > 0) {
        faults.schedule(() -> restart(process, text), fault.seconds(), TimeUnit.SECONDS);
      }
    });
  }

  private void restart(ParticipantProcess process, String fault) {
    if (closing) {
      return;
    }
    try {
      process.start();
      reportExit(process);
    } catch (IOException e) {
      LOG.warn("could not start the participant process of {} again after --faults {}: {}",
          process.factory(), fault, e.getMessage());
    }
  }

  /** Ends every process: SIGTERM, then SIGKILL after a grace period; descendants included. */
  private void stopAll() {
    closing = true;
    faults.shutdownNow();
    List<Thread> stopping = new ArrayList<>();
    for (ParticipantProcess process : processes) {
      Thread thread = new Thread(() -> {
        try {
          process.stop(STOP_GRACE_MILLIS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "stop-" + process.factory());
      thread.start();
      stopping.add(thread);
    }
    for (Thread thread : stopping) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() {
    stopAll();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run: it stops the same processes
    }
  }
}
