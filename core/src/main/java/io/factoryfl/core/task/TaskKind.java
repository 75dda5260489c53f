package io.factoryfl.core.task;

import java.util.Arrays;
import java.util.Optional;

/** What a job learns from its label: its spec key and how the label is encoded and scored. */
public enum TaskKind {
  /** Two label classes; the last is the positive one. */
  BINARY("binary"),
  /** Three or more label classes. */
  MULTICLASS("multiclass"),
  /** A real-valued label. */
  REGRESSION("regression");

  private final String key;

  TaskKind(String key) {
    this.key = key;
  }

  /** The job spec's name for it. */
  public String key() {
    return key;
  }

  /** The kind whose spec key is {@code key}, if any. */
  public static Optional<TaskKind> byKey(String key) {
    return Arrays.stream(values()).filter(kind -> kind.key.equals(key)).findFirst();
  }

  /** The classification kind {@code classes} label classes imply: binary for 2, multi-class above. */
  public static TaskKind ofClasses(int classes) {
    return classes == 2 ? BINARY : MULTICLASS;
  }

  /** Whether the label is one of a fixed list of classes. */
  public boolean isClassification() {
    return this != REGRESSION;
  }
}
