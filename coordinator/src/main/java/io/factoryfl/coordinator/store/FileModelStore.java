package io.factoryfl.coordinator.store;

import io.factoryfl.core.io.AtomicFiles;
import io.factoryfl.core.params.ContentHash;
import io.factoryfl.core.params.ModelHash;
import io.factoryfl.core.params.ParameterCodec;
import io.factoryfl.core.params.WordSource;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Content-addressed model versions in files of a data directory.
 *
 * <p>Layout under the store directory: {@code models/<hash>.params} holds the parameters as
 * little-endian float32 and {@code models/<hash>.json} the DL4J configuration; the hash is {@link
 * ModelHash} of both. Files are written to a temporary name, forced to disk, then atomically
 * renamed, so a crash never leaves a truncated model under a real hash.
 *
 * <p>Disks and people still damage files, so the store checks them against their hash: every
 * stored model when it opens (a corrupt one is logged with the file and what to do, and listed
 * in {@link #corruptAtStart()}), each model it loads before serving it (a corrupt one throws
 * {@link CorruptModelException}, a DATA_LOSS status naming the hash), and an existing model
 * that is committed again (a corrupt or missing file is rewritten from the committed content).
 *
 * <p>Memory: a model that fits the cache ({@link RecentModels}) is loaded and kept; a larger one is
 * checked by streaming its file and then handed out as a version that reads its file chunk by chunk
 * ({@link ModelVersion#bytes}), and {@link #put(String, WordSource)} writes a model as it is
 * produced. A model changed on disk after its check is caught by the sites, which verify the hash
 * of every model they download.
 */
public final class FileModelStore implements ModelStore {
  private static final Logger LOG = LoggerFactory.getLogger(FileModelStore.class);
  private static final Pattern FILE = Pattern.compile("([0-9a-f]{64})\\.(params|json)");
  /** A configuration is a few KiB; anything near this is not one. */
  private static final long MAX_CONFIGURATION_BYTES = 16L << 20;
  /** The largest parameter file a float[] can hold. */
  private static final long MAX_PARAMETER_BYTES = (long) (Integer.MAX_VALUE - 8) / Float.BYTES
      * Float.BYTES;

  private final Path directory;
  private final StoreFailures failures;
  private final List<CorruptModel> corruptAtStart;
  private final RecentModels cache;

  /**
   * Opens (creating if needed) the store under {@code directory} and checks every stored model
   * against its hash, logging each corrupt one.
   */
  public FileModelStore(Path directory) {
    this(directory, RecentModels.DEFAULT_BYTES);
  }

  /** As {@link #FileModelStore(Path)}, keeping models of up to {@code cacheBytes} in memory. */
  FileModelStore(Path directory, long cacheBytes) {
    this.cache = new RecentModels(cacheBytes);
    this.directory = directory.resolve("models");
    this.failures = new StoreFailures("model store in " + this.directory, this.directory.toString());
    try {
      Files.createDirectories(this.directory);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create model store directory " + this.directory, e);
    }
    this.corruptAtStart = List.copyOf(checkAll());
    for (CorruptModel corrupt : corruptAtStart) {
      LOG.error("model store " + this.directory + ": " + corrupt.description() + ". To repair: "
          + corrupt.remedy());
    }
    if (!corruptAtStart.isEmpty()) {
      LOG.error("model store " + this.directory + ": " + corruptAtStart.size()
          + " corrupt model(s) found at start; jobs and downloads that need them fail with"
          + " DATA_LOSS until they are repaired");
    }
  }

  @Override
  public List<CorruptModel> corruptAtStart() {
    return corruptAtStart;
  }

  /** As {@link ModelStore#put}; a version whose files are damaged or missing is written again. */
  @Override
  public synchronized ModelVersion put(String configurationJson, float[] parameters) {
    if (!cache.fits(parameters.length)) {
      return put(configurationJson, WordSource.ofFloats(parameters));
    }
    String hash = ModelHash.of(configurationJson, parameters);
    ModelVersion version = new ModelVersion(hash, configurationJson, parameters);
    Path params = directory.resolve(hash + ".params");
    CorruptModel damage = Files.exists(params) ? check(hash) : null;
    if (!Files.exists(params) || damage != null) {
      try {
        writeAtomically(directory.resolve(hash + ".json"),
            configurationJson.getBytes(StandardCharsets.UTF_8));
        writeAtomically(params, ParameterCodec.encode(parameters));
      } catch (IOException e) {
        throw failures.failed("store model " + hash, e);
      }
      if (damage != null) {
        LOG.warn("model store " + directory + ": rewrote model " + hash + " as it was"
            + " committed again; its stored files were corrupt (" + damage.file() + " "
            + damage.problem() + ")");
      }
    }
    cache.put(version);
    return version;
  }

  /**
   * As {@link ModelStore#put(String, WordSource)}: the parameters go to a temporary file while
   * they are hashed, which then becomes the version's file (or is dropped if the version is stored
   * already and intact).
   */
  @Override
  public synchronized ModelVersion put(String configurationJson, WordSource parameters) {
    if (cache.fits(parameters.length())) {
      return put(configurationJson, parameters.toFloats());
    }
    Path temporary;
    String parameterHash;
    try {
      temporary = Files.createTempFile(directory, "incoming-", ".tmp");
      ContentHash digest = new ContentHash();
      try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.allocate(WordSource.CHUNK_WORDS * Integer.BYTES)
            .order(ByteOrder.LITTLE_ENDIAN);
        parameters.forEachChunk((offset, words, count) -> {
          buffer.clear();
          buffer.asIntBuffer().put(words, 0, count);
          buffer.limit(count * Integer.BYTES);
          digest.update(buffer.array(), 0, buffer.limit());
          try {
            while (buffer.hasRemaining()) {
              out.write(buffer);
            }
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
        out.force(true);
      }
      parameterHash = digest.hex();
    } catch (IOException | UncheckedIOException e) {
      throw failures.failed("store a model", e instanceof UncheckedIOException u ? u.getCause() : (IOException) e);
    }
    String hash = ModelHash.of(configurationJson, parameterHash);
    Path params = directory.resolve(hash + ".params");
    try {
      if (Files.exists(params) && check(hash) == null) {
        Files.deleteIfExists(temporary);
      } else {
        writeAtomically(directory.resolve(hash + ".json"), configurationJson.getBytes(StandardCharsets.UTF_8));
        Files.move(temporary, params, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw failures.failed("store model " + hash, e);
    }
    return onFile(hash, configurationJson, (int) parameters.length());
  }

  /** A version that reads its parameters from its file when asked. */
  private ModelVersion onFile(String hash, String configurationJson, int dimension) {
    Path params = directory.resolve(hash + ".params");
    return new ModelVersion(hash, configurationJson, dimension, (from, count) -> {
      ByteBuffer bytes = ByteBuffer.allocate(count * Float.BYTES);
      try (FileChannel in = FileChannel.open(params, StandardOpenOption.READ)) {
        while (bytes.hasRemaining()) {
          if (in.read(bytes, from * Float.BYTES + bytes.position()) < 0) {
            throw new CorruptModelException(new CorruptModel(hash, "models/" + hash + ".params",
                "ended before parameter " + (from + count) + " while it was read"));
          }
        }
      } catch (NoSuchFileException e) {
        throw new CorruptModelException(new CorruptModel(hash, "models/" + hash + ".params",
            "disappeared while it was read; restore the data directory's models/ from a backup"));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read model " + hash + " from " + directory, e);
      }
      return bytes.array();
    });
  }

  @Override
  public synchronized Optional<ModelVersion> get(String hash) {
    Optional<ModelVersion> cached = cache.get(hash);
    if (cached.isPresent()) {
      return cached;
    }
    if (!FILE.matcher(hash + ".params").matches()) {
      return Optional.empty();
    }
    Path params = directory.resolve(hash + ".params");
    if (!Files.exists(params)) {
      return Optional.empty();
    }
    CorruptModel damage = check(hash);
    if (damage != null) {
      LOG.error("model store " + directory + ": " + damage.description() + ". To repair: "
          + damage.remedy());
      throw new CorruptModelException(damage);
    }
    try {
      long size = Files.size(params);
      if (!cache.fits(size / Float.BYTES)) {
        // checked above by streaming; read chunk by chunk when needed
        return Optional.of(onFile(hash, Files.readString(directory.resolve(hash + ".json"), StandardCharsets.UTF_8),
            (int) (size / Float.BYTES)));
      }
      float[] parameters = ParameterCodec.decode(Files.readAllBytes(params));
      String config = Files.readString(directory.resolve(hash + ".json"), StandardCharsets.UTF_8);
      String actual = ModelHash.of(config, parameters);
      if (!actual.equals(hash)) {
        // changed between the check and the read
        throw new CorruptModelException(new CorruptModel(hash, "models/" + hash + ".params",
            "changed while it was read; its content hashes to " + actual));
      }
      ModelVersion version = new ModelVersion(hash, config, parameters);
      cache.put(version);
      return Optional.of(version);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read model " + hash + " from " + directory, e);
    }
  }

  @Override
  public ModelVersion require(String hash) {
    return get(hash).orElseThrow(() -> new CorruptModelException(new CorruptModel(hash, "models/" + hash
        + ".params", "is missing (a committed model); restore the data directory's models/ from a backup")));
  }

  /** Checks every model in the store; the corrupt ones, ordered by hash. */
  synchronized List<CorruptModel> checkAll() {
    TreeSet<String> hashes = new TreeSet<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
      for (Path file : files) {
        Matcher m = FILE.matcher(file.getFileName().toString());
        if (m.matches()) {
          hashes.add(m.group(1));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list model store directory " + directory, e);
    }
    List<CorruptModel> corrupt = new ArrayList<>();
    for (String hash : hashes) {
      CorruptModel damage = check(hash);
      if (damage != null) {
        corrupt.add(damage);
      }
    }
    return corrupt;
  }

  /**
   * What is wrong with model {@code hash}'s files, or null if they hash to it. Streams the
   * parameters, so a large model is checked without loading it.
   */
  private CorruptModel check(String hash) {
    String paramsName = "models/" + hash + ".params";
    String jsonName = "models/" + hash + ".json";
    Path params = directory.resolve(hash + ".params");
    Path json = directory.resolve(hash + ".json");
    try {
      if (!Files.exists(params)) {
        return new CorruptModel(hash, paramsName, "is missing (its configuration " + jsonName
            + " is there)");
      }
      if (!Files.exists(json)) {
        return new CorruptModel(hash, jsonName, "is missing (its parameters " + paramsName
            + " are there)");
      }
      long jsonSize = Files.size(json);
      if (jsonSize > MAX_CONFIGURATION_BYTES) {
        return new CorruptModel(hash, jsonName, "is " + jsonSize + " bytes, more than any"
            + " model configuration (" + MAX_CONFIGURATION_BYTES + ")");
      }
      long size = Files.size(params);
      if (size % Float.BYTES != 0 || size > MAX_PARAMETER_BYTES) {
        return new CorruptModel(hash, paramsName, "is " + size + " bytes, not a whole number"
            + " of float32 parameters up to " + MAX_PARAMETER_BYTES + " bytes");
      }
      String parameterHash;
      try (InputStream in = Files.newInputStream(params)) {
        ContentHash digest = new ContentHash();
        byte[] buffer = new byte[ParameterCodec.MAX_CHUNK_BYTES];
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          digest.update(buffer, 0, n);
        }
        parameterHash = digest.hex();
      }
      String configuration;
      try {
        configuration = Files.readString(json, StandardCharsets.UTF_8);
      } catch (CharacterCodingException e) {
        return new CorruptModel(hash, jsonName, "is not valid UTF-8");
      }
      String actual = ModelHash.of(configuration, parameterHash);
      if (!actual.equals(hash)) {
        return new CorruptModel(hash, paramsName, "or " + jsonName + " was changed: together"
            + " they hash to " + actual);
      }
      return null;
    } catch (NoSuchFileException e) {
      return new CorruptModel(hash, paramsName, "disappeared while it was checked");
    } catch (IOException e) {
      return new CorruptModel(hash, paramsName, "cannot be read ("
          + e.getClass().getSimpleName() + ")");
    }
  }

  private static void writeAtomically(Path target, byte[] bytes) throws IOException {
    AtomicFiles.write(target, bytes, null);
  }
}
