package io.factoryfl.participant.session;

import io.factoryfl.core.secagg.SecAggException;
import io.factoryfl.core.text.Printable;
import io.factoryfl.participant.data.SiteDataException;
import io.factoryfl.proto.v1.RefusalCode;
import io.factoryfl.proto.v1.Task;
import io.factoryfl.proto.v1.TaskRefusal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that decides what the coordinator hears when a task is refused or fails here: a
 * fixed {@link RefusalCode} and a message with no local path, column, cell value or row. The full
 * detail (with the exception) goes to the site's own log, under the task id the message quotes.
 */
final class Refusals {
  private static final Logger LOG = LoggerFactory.getLogger(Refusals.class);
  static final int MAX_MESSAGE_CHARS = 400;

  private Refusals() {}

  /** The refusal to send for a failure while running {@code task}; logs the detail locally. */
  static TaskRefusal of(Task task, RuntimeException failure) {
    RefusalCode code;
    String message;
    if (failure instanceof TaskRefusedException refused) {
      code = refused.code();
      message = refused.getMessage();
      LOG.warn("task " + task.getTaskId() + " refused (" + code + "): " + message);
    } else if (failure instanceof SiteDataException data) {
      code = data.kind() == SiteDataException.Kind.UNAVAILABLE
          ? RefusalCode.DATA_UNAVAILABLE : RefusalCode.DATA_INVALID;
      message = data.publicMessage() + " (detail in the site's log under task " + task.getTaskId() + ")";
      LOG.warn("task " + task.getTaskId() + " failed on this site's data (" + code + "): "
          + data.getMessage());
    } else if (failure instanceof SecAggException secure) {
      // Protocol messages name peers, stages and counts the coordinator relayed: nothing local.
      code = RefusalCode.SECURE_AGGREGATION;
      message = "secure aggregation stopped at this site: " + secure.getMessage();
      LOG.warn("task " + task.getTaskId() + ": " + message);
    } else {
      code = RefusalCode.SITE_ERROR;
      message = "the task failed at the site; plant IT finds the detail in the participant's log"
          + " under task " + task.getTaskId();
      LOG.warn("task " + task.getTaskId() + " failed at this site", failure);
    }
    return TaskRefusal.newBuilder().setCode(code).setReason(oneLine(message)).build();
  }

  /** Collapses whitespace and control characters and caps the length. */
  static String oneLine(String text) {
    return Printable.oneLine(text, MAX_MESSAGE_CHARS);
  }
}
