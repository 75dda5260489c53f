package io.factoryfl.coordinator.task;

import io.factoryfl.proto.v1.Task;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * All tasks that are out in the federation, by task id. The services look tasks up here to bind
 * a result to the task, the participant and the round it belongs to.
 */
public final class TaskBoard {
  private final Map<String, PendingTask> open = new ConcurrentHashMap<>();

  public PendingTask open(String participantId, Task task, RoundGate gate) {
    PendingTask pending = new PendingTask(participantId, task, gate);
    open.put(task.getTaskId(), pending);
    pending.outcome().whenComplete((result, error) -> open.remove(task.getTaskId()));
    return pending;
  }

  /**
   * Finds an open task and checks it was sent to the caller.
   *
   * @throws TaskBindingException if the task is unknown, settled or someone else's
   */
  public PendingTask claim(String taskId, String callerId) {
    PendingTask task = open.get(taskId);
    if (task == null) {
      throw new TaskBindingException(
          "task '" + taskId + "' is not open: it is unknown, already answered, or its round has closed");
    }
    if (!task.participantId().equals(callerId)) {
      throw new TaskBindingException(
          "task '" + taskId + "' was not sent to participant '" + callerId + "'");
    }
    return task;
  }
}
