package io.factoryfl.participant.session;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.factoryfl.proto.v1.Task;
import io.factoryfl.proto.v1.TrainTask;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How a secure round's stage-3 task differs from the advertise-keys task that bound the session:
 * the names of the fields that differ, the per-site shuffle seed excepted (or {@code statistics}
 * when one asks for feature statistics and the other for training). Compared field by field
 * from the descriptors, so a field added to {@code TrainTask} or {@code DatasetBinding} later is
 * compared too.
 */
final class TrainingDifference {
  private TrainingDifference() {}

  /** The differing fields, e.g. {@code [train.learning_rate, dataset.label_column]}; empty if none. */
  static List<String> between(Task advertised, Task masked) {
    List<String> out = new ArrayList<>();
    if (!advertised.getJobId().equals(masked.getJobId())) {
      out.add("job_id");
    }
    if (advertised.getRound() != masked.getRound()) {
      out.add("round");
    }
    if (advertised.getSecaggAdvertise().hasStatistics() != masked.getSecaggMaskedInput().hasStatistics()) {
      out.add("statistics");
    }
    TrainTask bound = advertised.getSecaggAdvertise().getTrain().toBuilder().clearSeed().build();
    TrainTask asked = masked.getSecaggMaskedInput().getTrain().toBuilder().clearSeed().build();
    compare("train", bound, asked, out);
    compare("dataset", advertised.getDataset(), masked.getDataset(), out);
    return out;
  }

  private static void compare(String prefix, Message a, Message b, List<String> out) {
    int before = out.size();
    for (FieldDescriptor field : a.getDescriptorForType().getFields()) {
      if (!Objects.equals(a.getField(field), b.getField(field))) {
        out.add(prefix + "." + field.getName());
      }
    }
    if (out.size() == before && !a.equals(b)) {
      out.add(prefix + " (fields this site does not know)");
    }
  }
}
