package io.factoryfl.coordinator.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link JobCheckpoint} as the store writes it: one JSON object, e.g.
 *
 * <pre>
 * {"version":1,"state":"RUNNING","message":"","feature_mean":[300.0,310.0],"feature_std":[2.0,1.5],
 *  "label_mean":0.0,"label_std":1.0,"train_rows":{"plant-a":1600},"committed_round":4,
 *  "committed_model":"9c1d...","prepared":{"round":5,"model":"e0b4..."},"evaluated_round":4,
 *  "best":{"round":3,"model":"77aa...","value":0.91,"last_offered":4,"since_best":1},
 *  "ending":{"state":"SUCCEEDED","message":"completed 5 rounds"}}
 * </pre>
 *
 * Absent or null fields take the values of a new job; a non-finite metric value is written as
 * null. Unknown fields are ignored, so a newer coordinator's checkpoint reads in an older one.
 */
final class CheckpointJson {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final int VERSION = 1;

  private CheckpointJson() {}

  static String write(JobCheckpoint checkpoint) {
    ObjectNode node = JSON.createObjectNode();
    node.put("version", VERSION);
    node.put("state", checkpoint.state().name());
    node.put("message", checkpoint.message());
    if (checkpoint.featureMean() != null) {
      double[] mean = checkpoint.featureMean();
      double[] std = checkpoint.featureStd();
      var means = node.putArray("feature_mean");
      var stds = node.putArray("feature_std");
      for (int i = 0; i < mean.length; i++) {
        means.add(mean[i]);
        stds.add(std[i]);
      }
    }
    node.put("label_mean", checkpoint.labelMean());
    node.put("label_std", checkpoint.labelStd());
    ObjectNode rows = node.putObject("train_rows");
    checkpoint.trainRows().entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> rows.put(e.getKey(), e.getValue()));
    node.put("committed_round", checkpoint.committedRound());
    node.put("committed_model", checkpoint.committedModel());
    if (checkpoint.prepared() != null) {
      node.putObject("prepared").put("round", checkpoint.prepared().round())
          .put("model", checkpoint.prepared().model());
    }
    node.put("evaluated_round", checkpoint.evaluatedRound());
    JobCheckpoint.Best best = checkpoint.best();
    if (best != null) {
      ObjectNode b = node.putObject("best").put("round", best.round()).put("model", best.model())
          .put("last_offered", best.lastOffered()).put("since_best", best.sinceBest());
      if (Double.isFinite(best.value())) {
        b.put("value", best.value());
      } else {
        b.putNull("value");
      }
    }
    if (checkpoint.ending() != null) {
      node.putObject("ending").put("state", checkpoint.ending().state().name())
          .put("message", checkpoint.ending().message());
    }
    return node.toString();
  }

  /**
   * @param where names the record in the message of a damaged one, e.g. "job job-1f2e in DIR"
   * @throws StoreException naming {@code where} if the text is not a checkpoint
   */
  static JobCheckpoint read(String text, String where) {
    try {
      JsonNode node = JSON.readTree(text);
      if (node == null || !node.isObject()) {
        throw new StoreException("the checkpoint of " + where + " is not a JSON object");
      }
      double[] mean = doubles(node.get("feature_mean"));
      double[] std = doubles(node.get("feature_std"));
      Map<String, Long> rows = new LinkedHashMap<>();
      node.path("train_rows").fields().forEachRemaining(e -> rows.put(e.getKey(), e.getValue().asLong()));
      JsonNode p = node.get("prepared");
      JobCheckpoint.Prepared prepared = p == null || p.isNull() ? null
          : new JobCheckpoint.Prepared(p.path("round").asInt(), p.path("model").asText());
      JsonNode b = node.get("best");
      JobCheckpoint.Best best = b == null || b.isNull() ? null
          : new JobCheckpoint.Best(b.path("round").asInt(), text(b.get("model")),
              b.path("value").isNumber() ? b.get("value").asDouble() : Double.NaN, b.path("last_offered").asInt(),
              b.path("since_best").asInt());
      JsonNode e = node.get("ending");
      JobCheckpoint.Ending ending = e == null || e.isNull() ? null
          : new JobCheckpoint.Ending(JobCheckpoint.State.valueOf(e.path("state").asText()), e.path("message").asText(""));
      return new JobCheckpoint(JobCheckpoint.State.valueOf(node.path("state").asText("PENDING")),
          node.path("message").asText(""), mean, std, node.path("label_mean").asDouble(0),
          node.path("label_std").asDouble(1), rows, node.path("committed_round").asInt(),
          text(node.get("committed_model")), prepared, node.path("evaluated_round").asInt(), best, ending);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new StoreException("the checkpoint of " + where + " is damaged (" + e.getMessage().lines().findFirst()
          .orElse("") + "); restore the store from a backup", e);
    }
  }

  private static String text(JsonNode node) {
    return node == null || node.isNull() ? null : node.asText();
  }

  private static double[] doubles(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    double[] values = new double[node.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = node.get(i).asDouble();
    }
    return values;
  }
}
