package io.factoryfl.core.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

/**
 * Writes a global model as a standard DL4J model zip (configuration + parameters), loadable with
 * {@code MultiLayerNetwork.load(file, false)}. Written to a temporary file and renamed, so an
 * interrupted write never leaves a truncated model under the final name.
 */
public final class ModelFile {
  private ModelFile() {}

  public static void write(ModelDefinition model, float[] parameters, Path target) throws IOException {
    Path parent = target.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path temp = Files.createTempFile(parent, target.getFileName().toString(), ".tmp");
    try {
      MultiLayerNetwork network = model.newNetwork(parameters);
      ModelSerializer.writeModel(network, temp.toFile(), false);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
