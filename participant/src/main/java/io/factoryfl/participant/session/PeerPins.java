package io.factoryfl.participant.session;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.factoryfl.core.io.AtomicFiles;
import io.factoryfl.core.security.KeyContinuity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The identity signing keys this site has seen its peers use, by name: trust on first use,
 * kept durably, so that whoever holds the CA key (a coordinator in development mode, or a
 * compromised CA) cannot later swap a peer's key for one of its own. A later key for a pinned
 * name is accepted only if the certificate carries the pinned key's endorsement of it
 * ({@link KeyContinuity}), which the peer makes when it renews; the pin then moves to the new
 * key.
 *
 * <p><b>On disk</b>: a JSON file next to the site's receipt log ({@link #besideReceipts}),
 * replaced atomically, and written before anything the site sends relies on a new or moved pin:
 * <pre>{@code
 * {"version": 1, "pins": {"plant-b": {"key": "sha256:<hex of the Ed25519 SubjectPublicKeyInfo>",
 *                                     "since": "2026-06-01T12:00:00Z"}}}
 * }</pre>
 * If a site really lost its key and enrolled again, its peers' operators remove its entry after
 * checking with that site; the refusal message says so (without the local path, since it is
 * reported to the coordinator). Thread-safe.
 */
final class PeerPins {

  /** Appended to the receipt log's name (without its extension) to name the pins file. */
  static final String SUFFIX = ".peer-pins.json";
  private static final int VERSION = 1;
  private static final int MAX_FILE_BYTES = 16 << 20;
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** One pinned key. */
  record Pin(String key, Instant since) {
    Pin {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(since, "since");
    }
  }

  private final Path file;
  private final Clock clock;
  private final Map<String, Pin> pins;
  /** Pins admitted since the last {@link #keep}, with the pin each replaced (empty: none). */
  private final Map<String, Optional<Pin>> unsaved = new java.util.HashMap<>();

  private PeerPins(Path file, Clock clock, Map<String, Pin> pins) {
    this.file = file;
    this.clock = clock;
    this.pins = pins;
  }

  /** The pins file of a site whose receipt log is {@code receiptLog}: {@code NAME.peer-pins.json}. */
  static Path besideReceipts(Path receiptLog) {
    return Site.besideReceiptLog(receiptLog, SUFFIX);
  }

  /**
   * Loads the pins in {@code file}; a missing file pins nothing yet.
   *
   * @throws IOException naming the file if it cannot be read or is damaged (a damaged file is
   *     never silently replaced: that would forget every pin)
   */
  static PeerPins open(Path file, Clock clock) throws IOException {
    Map<String, Pin> pins = new TreeMap<>();
    try {
      if (Files.size(file) > MAX_FILE_BYTES) {
        throw new IOException(file + " is larger than " + MAX_FILE_BYTES + " bytes; it is not a"
            + " pins file");
      }
      JsonNode root = JSON.readTree(Files.readAllBytes(file));
      if (root == null || root.path("version").asInt(-1) != VERSION
          || !root.path("pins").isObject()) {
        throw new IOException(file + " is not a version " + VERSION + " peer pins file");
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = root.get("pins").fields(); it.hasNext();) {
        Map.Entry<String, JsonNode> entry = it.next();
        String key = entry.getValue().path("key").asText("");
        if (!key.startsWith("sha256:")) {
          throw new IOException(file + ": the pin of '" + entry.getKey() + "' has no key");
        }
        pins.put(entry.getKey(), new Pin(key, Instant.parse(entry.getValue().path("since")
            .asText(Instant.EPOCH.toString()))));
      }
    } catch (NoSuchFileException e) {
      // nothing pinned yet
    } catch (JsonProcessingException | java.time.DateTimeException e) {
      throw new IOException(file + " is damaged (" + e.getMessage() + "); repair or remove it"
          + " (removing it forgets every pinned peer key)", e);
    }
    return new PeerPins(file, clock, pins);
  }

  /** Where the pins are kept. */
  Path file() {
    return file;
  }

  /** The pin of {@code name}, if any. */
  synchronized Optional<Pin> pinOf(String name) {
    return Optional.ofNullable(pins.get(name));
  }

  /**
   * Accepts {@code key} for {@code name} if it is the pinned key, pins it if {@code name} has
   * no pin yet, or moves the pin if {@code continuity} (from the peer's certificate) shows that
   * the pinned key endorsed it. A new or moved pin is written by {@link #keep}, which the site
   * calls before anything it sends depends on the pin: once per stage, not once per peer (a
   * cohort of 1,000 brings 400 new peers at once).
   *
   * @throws IllegalArgumentException if {@code name} is pinned to another key and the change is
   *     not announced; the message names both fingerprints and what to do
   */
  synchronized void admit(String name, PublicKey key, List<KeyContinuity.Link> continuity) {
    String fingerprint = KeyContinuity.fingerprint(key);
    Pin pin = pins.get(name);
    if (pin != null && pin.key().equals(fingerprint)) {
      return;
    }
    if (pin != null && !KeyContinuity.descends(name, pin.key(), continuity, key)) {
      throw new IllegalArgumentException("peer '" + name + "' came with identity key "
          + fingerprint + ", but this site pinned " + pin.key() + " for it on " + pin.since()
          + " and the new certificate carries no endorsement by the pinned key: someone who can"
          + " have certificates issued (the coordinator holding the CA key?) may be"
          + " impersonating '" + name + "'. If '" + name + "' really lost its key and enrolled"
          + " again, check with its operator and then remove its entry from this site's peer"
          + " pins file (NAME" + SUFFIX + " beside the receipt log)");
    }
    unsaved.putIfAbsent(name, Optional.ofNullable(pin));
    pins.put(name, new Pin(fingerprint, clock.instant()));
  }

  /**
   * Writes the pins admitted since the last call; a no-op if there are none. If the file cannot be
   * written the new pins are forgotten (nothing relied on them yet) and the error says so.
   *
   * @throws UncheckedIOException naming the file and how many new pins could not be written
   */
  synchronized void keep() {
    if (unsaved.isEmpty()) {
      return;
    }
    try {
      save();
      unsaved.clear();
    } catch (IOException e) {
      int count = unsaved.size();
      unsaved.forEach((name, previous) -> {
        if (previous.isPresent()) {
          pins.put(name, previous.get());
        } else {
          pins.remove(name);
        }
      });
      unsaved.clear();
      throw new UncheckedIOException("cannot record the identity keys of " + count + " peer(s) in "
          + file + ": " + e.getMessage(), e);
    }
  }

  private void save() throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", VERSION);
    ObjectNode all = root.putObject("pins");
    pins.forEach((name, pin) -> all.putObject(name).put("key", pin.key())
        .put("since", pin.since().toString()));
    AtomicFiles.write(file, JSON.writeValueAsBytes(root), null);
  }

  @Override
  public String toString() {
    return "PeerPins[" + file + "]";
  }
}
