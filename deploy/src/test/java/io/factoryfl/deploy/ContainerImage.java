package io.factoryfl.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An image tarball in docker-save format (manifest.json, the config JSON, one tar per layer), as
 * {@code jib:buildTar} writes it, unpacked into a root file system the way a container runtime
 * lays it out: layers in order, owners and modes kept.
 *
 * @param root the unpacked root file system
 * @param entrypoint the config's Entrypoint
 * @param cmd the config's Cmd (default arguments)
 * @param env the config's Env
 * @param user the config's User ("uid:gid")
 * @param workingDir the config's WorkingDir
 */
record ContainerImage(Path root, List<String> entrypoint, List<String> cmd, Map<String, String> env,
    String user, String workingDir) {

  private static final ObjectMapper JSON = new ObjectMapper();

  ContainerImage {
    entrypoint = List.copyOf(entrypoint);
    cmd = List.copyOf(cmd);
    env = Map.copyOf(env);
  }

  /** Unpacks {@code tarball} into {@code directory} ({@code directory/image} and {@code directory/root}). */
  static ContainerImage unpack(Path tarball, Path directory) throws IOException, InterruptedException {
    Path image = Files.createDirectories(directory.resolve("image"));
    Path root = Files.createDirectories(directory.resolve("root"));
    untar(tarball, image);
    JsonNode manifest = JSON.readTree(image.resolve("manifest.json").toFile()).get(0);
    for (JsonNode layer : manifest.get("Layers")) {
      untar(image.resolve(layer.asText()), root);
      Files.delete(image.resolve(layer.asText()));
    }
    JsonNode config = JSON.readTree(image.resolve(manifest.get("Config").asText()).toFile()).get("config");
    Map<String, String> env = new LinkedHashMap<>();
    for (String entry : strings(config.get("Env"))) {
      int equals = entry.indexOf('=');
      env.put(entry.substring(0, equals), entry.substring(equals + 1));
    }
    return new ContainerImage(root, strings(config.get("Entrypoint")), strings(config.get("Cmd")), env,
        config.path("User").asText(""), config.path("WorkingDir").asText("/"));
  }

  /** The command the runtime starts when given {@code args} ({@code null}: the image's Cmd). */
  List<String> command(List<String> args) {
    List<String> command = new ArrayList<>(entrypoint);
    command.addAll(args == null ? cmd : args);
    return command;
  }

  // GNU tar keeps owners and modes when run as root and knows every entry type a layer can hold
  // (Jib's layers carry libarchive's creation-time keyword, which GNU tar does not know).
  private static void untar(Path tarball, Path into) throws IOException, InterruptedException {
    Process tar = new ProcessBuilder("tar", "--warning=no-unknown-keyword", "-xpf",
        tarball.toString(), "-C", into.toString()).redirectErrorStream(true).start();
    String output = new String(tar.getInputStream().readAllBytes());
    if (tar.waitFor() != 0) {
      throw new IOException("tar could not unpack " + tarball + ": " + output);
    }
  }

  private static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    if (array != null) {
      array.forEach(value -> values.add(value.asText()));
    }
    return values;
  }
}
