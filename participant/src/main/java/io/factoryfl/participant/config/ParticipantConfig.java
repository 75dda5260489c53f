package io.factoryfl.participant.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factoryfl.core.security.IssuedIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A participant node's configuration, read from a JSON file that plant IT writes:
 *
 * <pre>{@code
 * {
 *   "coordinator": "coordinator.example.com:7443",
 *   "tls": {"certificate": "site.pem", "private_key": "site-key.pem", "ca": "ca.pem",
 *           "signing_key": "site-signing-key.pem"},
 *   "datasets": {
 *     "ai4i": {"path": "data/ai4i-train.csv", "eval_path": "data/ai4i-eval.csv",
 *              "columns": {"Torque [Nm]": "torque_nm"}}
 *   },
 *   "poll_wait_seconds": 20,
 *   "reconnect_max_seconds": 30,
 *   "receipts": "receipts.jsonl",
 *   "policy": "site-policy.json"
 * }
 * }</pre>
 *
 * Relative paths are resolved against the directory of the config file. The site's identity is
 * the subject of its certificate, not anything written here. {@code coordinator} may list several
 * addresses separated by commas, an active coordinator and its standbys
 * ({@code "coordinator-a.example.com:7443,coordinator-b.example.com:7443"}): the node then fails
 * over to the next address whenever the current one does not answer.
 *
 * <p>{@code tls.signing_key} (optional) is the Ed25519 identity signing key bound into the
 * certificate, used for secure aggregation. When absent it defaults to the certificate path with
 * its {@code .pem} ending replaced by {@code -signing-key.pem} (what {@code ca issue} writes) if
 * that file is readable, else {@link #signingKey()} is null.
 *
 * <p>{@code receipts} is the local receipt log where the site keeps the coordinator's signed
 * receipts for its contributions (default {@code receipts.jsonl} beside the config; created on
 * first use). {@code policy} is the site policy file plant IT controls (optional; see {@code
 * io.factoryfl.participant.policy}); it is re-read when it changes.
 *
 * @param signingKey the identity signing key file, or null if the site has none
 * @param receipts the receipt log file
 * @param policy the site policy file, or null for none
 */
public record ParticipantConfig(
    String coordinator, Path certificate, Path privateKey, Path ca,
    Map<String, DatasetEntry> datasets, Duration pollWait, Path signingKey, Path receipts,
    Path policy, Duration reconnectMax) {
  /** The longest wait between two attempts to reach the coordinator, when the config names none. */
  public static final Duration DEFAULT_RECONNECT_MAX = Duration.ofSeconds(30);

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Set<String> TOP = Set.of("coordinator", "tls", "datasets", "poll_wait_seconds", "receipts", "policy",
      "reconnect_max_seconds");
  private static final Set<String> TLS = Set.of("certificate", "private_key", "ca", "signing_key");
  private static final Set<String> DATASET = Set.of("path", "eval_path", "columns", "kind", "listing",
      "eval_listing");

  public ParticipantConfig {
    datasets = Map.copyOf(datasets);
  }

  /** Reads and validates a config file. */
  public static ParticipantConfig load(Path file) {
    JsonNode root;
    try {
      root = MAPPER.readTree(Files.readString(file));
    } catch (JsonProcessingException e) {
      throw new InvalidConfigException(file + " is not valid JSON at line "
          + e.getLocation().getLineNr() + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new InvalidConfigException("cannot read participant config " + file + ": " + e.getMessage());
    }
    Path base = file.toAbsolutePath().getParent();
    String where = file.toString();
    checkFields(root, TOP, where, "");
    String coordinator = text(root, "coordinator", where);
    if (!coordinator.matches("[^\\s:,]+:\\d{1,5}(,[^\\s:,]+:\\d{1,5})*")) {
      throw new InvalidConfigException(where + ": coordinator was '" + coordinator
          + "'; expected HOST:PORT, for example coordinator.example.com:7443, or several separated by"
          + " commas for an active coordinator and its standbys (coordinator-a:7443,coordinator-b:7443)");
    }
    JsonNode tls = object(root, "tls", where);
    checkFields(tls, TLS, where, "tls.");
    Map<String, DatasetEntry> datasets = new LinkedHashMap<>();
    JsonNode catalogue = object(root, "datasets", where);
    Iterator<Map.Entry<String, JsonNode>> entries = catalogue.fields();
    while (entries.hasNext()) {
      Map.Entry<String, JsonNode> entry = entries.next();
      String field = "datasets." + entry.getKey();
      JsonNode node = entry.getValue();
      if (!node.isObject()) {
        throw new InvalidConfigException(where + ": " + field + " must be an object with \"path\"");
      }
      checkFields(node, DATASET, where, field + ".");
      Map<String, String> columns = new LinkedHashMap<>();
      if (node.has("columns")) {
        node.get("columns").fields().forEachRemaining(c -> columns.put(c.getKey(), c.getValue().asText()));
      }
      Path path = existing(base, text(node, "path", where + ": " + field), field + ".path", where);
      Path evalPath = node.has("eval_path")
          ? existing(base, text(node, "eval_path", where + ": " + field), field + ".eval_path", where)
          : null;
      String kind = node.has("kind") ? text(node, "kind", where + ": " + field) : DatasetEntry.Kind.CSV.key();
      if (kind.equals(DatasetEntry.Kind.IMAGES.key())) {
        datasets.put(entry.getKey(), DatasetEntry.images(entry.getKey(), path, optional(base, node, "listing", field,
            where), evalPath, optional(base, node, "eval_listing", field, where), columns));
        continue;
      }
      if (!kind.equals(DatasetEntry.Kind.CSV.key()) || node.has("listing") || node.has("eval_listing")) {
        throw new InvalidConfigException(where + ": " + field + (kind.equals(DatasetEntry.Kind.CSV.key())
            ? " is a CSV table; \"listing\" and \"eval_listing\" belong to \"kind\": \"images\""
            : ".kind was '" + kind + "'; must be \"csv\" (the default) or \"images\""));
      }
      datasets.put(entry.getKey(), new DatasetEntry(entry.getKey(), path, evalPath, columns));
    }
    int wait = root.has("poll_wait_seconds") ? root.get("poll_wait_seconds").asInt(-1) : 20;
    if (wait < 1 || wait > 30) {
      throw new InvalidConfigException(where + ": poll_wait_seconds was "
          + root.get("poll_wait_seconds") + "; must be an integer between 1 and 30");
    }
    int reconnect = root.has("reconnect_max_seconds") ? root.get("reconnect_max_seconds").asInt(-1)
        : (int) DEFAULT_RECONNECT_MAX.toSeconds();
    if (reconnect < 1 || reconnect > 3600 || (root.has("reconnect_max_seconds")
        && !root.get("reconnect_max_seconds").isIntegralNumber())) {
      throw new InvalidConfigException(where + ": reconnect_max_seconds was "
          + root.get("reconnect_max_seconds") + "; must be an integer between 1 and 3600 (the longest wait"
          + " between two attempts to reach the coordinator)");
    }
    Path certificate =
        existing(base, text(tls, "certificate", where + ": tls"), "tls.certificate", where);
    Path signingKey = tls.has("signing_key")
        ? existing(base, text(tls, "signing_key", where + ": tls"), "tls.signing_key", where)
        : defaultSigningKey(certificate);
    Path receipts = base.resolve(root.has("receipts") ? text(root, "receipts", where)
        : "receipts.jsonl").normalize();
    Path policy = root.has("policy") ? existing(base, text(root, "policy", where), "policy", where) : null;
    return new ParticipantConfig(coordinator, certificate,
        existing(base, text(tls, "private_key", where + ": tls"), "tls.private_key", where),
        existing(base, text(tls, "ca", where + ": tls"), "tls.ca", where),
        datasets, Duration.ofSeconds(wait), signingKey, receipts, policy, Duration.ofSeconds(reconnect));
  }

  /** {@code site.pem} -> {@code site-signing-key.pem} beside it, if that file is readable. */
  private static Path defaultSigningKey(Path certificate) {
    String file = certificate.getFileName().toString();
    if (!file.endsWith(".pem")) {
      return null;
    }
    Path candidate = certificate.resolveSibling(
        file.substring(0, file.length() - ".pem".length()) + IssuedIdentity.SIGNING_KEY_SUFFIX);
    return Files.isReadable(candidate) ? candidate : null;
  }

  private static void checkFields(JsonNode node, Set<String> known, String where, String prefix) {
    node.fieldNames().forEachRemaining(name -> {
      if (!known.contains(name)) {
        throw new InvalidConfigException(where + ": unknown field '" + prefix + name + "'; allowed: "
            + known.stream().sorted().toList());
      }
    });
  }

  private static JsonNode object(JsonNode node, String field, String where) {
    JsonNode value = node.get(field);
    if (value == null || !value.isObject()) {
      throw new InvalidConfigException(where + ": '" + field + "' is required and must be an object");
    }
    return value;
  }

  private static String text(JsonNode node, String field, String where) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual() || value.asText().isBlank()) {
      throw new InvalidConfigException(where + ": '" + field + "' is required and must be a string");
    }
    return value.asText();
  }

  private static Path optional(Path base, JsonNode node, String name, String field, String where) {
    return node.has(name) ? existing(base, text(node, name, where + ": " + field), field + "." + name, where) : null;
  }

  private static Path existing(Path base, String value, String field, String where) {
    Path path = base.resolve(value).normalize();
    if (!Files.isReadable(path)) {
      throw new InvalidConfigException(where + ": " + field + " points to " + path
          + ", which does not exist or is not readable");
    }
    return path;
  }
}
