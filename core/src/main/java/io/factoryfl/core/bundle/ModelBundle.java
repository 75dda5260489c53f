package io.factoryfl.core.bundle;

import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.core.params.ModelHash;
import io.factoryfl.core.params.ParameterCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.util.ModelSerializer;

/**
 * A job's model as one file a plant can deploy: a zip with
 *
 * <pre>
 * factoryfl-bundle.json   the {@link BundleCard}: columns, standardisation, task, provenance
 * configuration.json      the DL4J MultiLayerConfiguration
 * parameters.f32          the parameters, little-endian float32
 * dl4j-model.zip          the same network as a standard DL4J model zip, for MultiLayerNetwork.load
 * </pre>
 *
 * Reading checks every size against a bound before allocating and checks that configuration and
 * parameters hash to the card's model hash, so a bundle that was altered or cut short is refused,
 * never scored with. Written to a temporary file and renamed, so an interrupted write leaves no
 * partial bundle under the final name.
 */
public record ModelBundle(BundleCard card, ModelDefinition definition, float[] parameters) {
  static final String CARD = "factoryfl-bundle.json";
  static final String CONFIGURATION = "configuration.json";
  static final String PARAMETERS = "parameters.f32";
  static final String DL4J = "dl4j-model.zip";
  private static final int MAX_CARD_BYTES = 1 << 20;
  private static final int MAX_CONFIGURATION_BYTES = 16 << 20;

  public ModelBundle {
    Objects.requireNonNull(card, "card");
    Objects.requireNonNull(definition, "definition");
    Objects.requireNonNull(parameters, "parameters");
    if (parameters.length != definition.numParameters()) {
      throw new IllegalArgumentException("the model has " + definition.numParameters() + " parameters, got "
          + parameters.length);
    }
    String hash = ModelHash.of(definition.json(), parameters);
    if (!hash.equals(card.modelHash())) {
      throw new IllegalArgumentException("the model hashes to " + hash + " but the card names model "
          + card.modelHash());
    }
    parameters = parameters.clone();
  }

  @Override
  public float[] parameters() {
    return parameters.clone();
  }

  /** Writes the bundle to {@code target} (atomically). */
  public void write(Path target) throws IOException {
    Path parent = target.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path temp = Files.createTempFile(parent, target.getFileName().toString(), ".tmp");
    try {
      try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(temp))) {
        entry(zip, CARD, card.toJson().getBytes(StandardCharsets.UTF_8));
        entry(zip, CONFIGURATION, definition.json().getBytes(StandardCharsets.UTF_8));
        entry(zip, PARAMETERS, ParameterCodec.encode(parameters));
        zip.putNextEntry(new ZipEntry(DL4J));
        ByteArrayOutputStream dl4j = new ByteArrayOutputStream();
        ModelSerializer.writeModel(definition.newNetwork(parameters), dl4j, false);
        zip.write(dl4j.toByteArray());
        zip.closeEntry();
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /**
   * Reads and checks a bundle.
   *
   * @throws IllegalArgumentException naming what is missing, too large, or does not match the
   *     card's model hash
   * @throws IOException if the file cannot be read
   */
  public static ModelBundle read(Path file) throws IOException {
    String card = null;
    String configuration = null;
    byte[] parameters = null;
    try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(file))) {
      for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
        switch (entry.getName()) {
          case CARD -> card = new String(bounded(zip, MAX_CARD_BYTES, CARD), StandardCharsets.UTF_8);
          case CONFIGURATION -> configuration =
              new String(bounded(zip, MAX_CONFIGURATION_BYTES, CONFIGURATION), StandardCharsets.UTF_8);
          case PARAMETERS -> {
            if (configuration == null) {
              throw new IllegalArgumentException(file + ": " + PARAMETERS + " comes before " + CONFIGURATION
                  + "; this is not a bundle written by `job model`");
            }
            long count = ModelDefinition.fromJson(configuration).numParameters();
            parameters = exactly(zip, Math.multiplyExact(count, (long) Float.BYTES), file);
          }
          default -> {
            // dl4j-model.zip is for DL4J users; FactoryFL reads the checked parts.
          }
        }
      }
    } catch (java.util.zip.ZipException e) {
      throw new IllegalArgumentException(file + " is not a model bundle (not a zip file: " + e.getMessage() + ")");
    }
    if (card == null || configuration == null || parameters == null) {
      throw new IllegalArgumentException(file + " is not a complete model bundle: it needs " + CARD + ", "
          + CONFIGURATION + " and " + PARAMETERS + " (write one with `factoryfl job model JOB --out FILE`)");
    }
    try {
      return new ModelBundle(BundleCard.fromJson(card), ModelDefinition.fromJson(configuration),
          ParameterCodec.decode(parameters));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  private static void entry(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
    zip.putNextEntry(new ZipEntry(name));
    zip.write(bytes);
    zip.closeEntry();
  }

  private static byte[] bounded(InputStream in, int max, String name) throws IOException {
    byte[] bytes = in.readNBytes(max + 1);
    if (bytes.length > max) {
      throw new IllegalArgumentException(name + " is larger than " + max + " bytes");
    }
    return bytes;
  }

  private static byte[] exactly(InputStream in, long bytes, Path file) throws IOException {
    if (bytes > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(file + ": a model of " + bytes / Float.BYTES
          + " parameters is too large to score here");
    }
    byte[] data = in.readNBytes((int) bytes);
    if (data.length != bytes || in.read() != -1) {
      throw new IllegalArgumentException(file + ": " + PARAMETERS + " does not hold exactly the " + bytes / Float.BYTES
          + " parameters the configuration declares (cut short or altered)");
    }
    return data;
  }
}
