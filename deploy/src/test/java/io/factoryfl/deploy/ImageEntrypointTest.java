package io.factoryfl.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unpacks the image tarballs that {@code -Pimage} built (docker-save format) and runs their
 * entrypoints in the unpacked root file system (see {@link ImageSandbox}). Without {@code -Pimage}
 * the tarballs were not built in this run and the tests are skipped, saying so.
 */
class ImageEntrypointTest {
  private static final String APP_USER = "65532:65532";
  private static final String DATA = "/var/lib/factoryfl";

  @TempDir Path work;

  @Test
  void coordinatorImageRunsAsNonRootWithTheLauncherDefaultsAndPrintsItsUsage() throws Exception {
    ContainerImage image = unpacked("coordinator");
    assertEquals(APP_USER, image.user());
    assertEquals(DATA, image.workingDir());
    assertEquals("1", image.env().get("OMP_NUM_THREADS"), "OMP_NUM_THREADS as in ./factoryfl");
    assertTrue(image.env().getOrDefault("JDK_JAVA_OPTIONS", "").contains("-Xmx"),
        "the heap comes from JDK_JAVA_OPTIONS: " + image.env());
    ImageSandbox sandbox = sandbox(image);

    ImageSandbox.Result usage = sandbox.run(null);

    assertEquals(0, usage.exitCode(), usage.stderr());
    assertTrue(usage.stdout().contains("Usage: factoryfl-coordinator COMMAND"), usage.stdout());
    assertTrue(usage.stdout().contains("serve    run the coordinator"), usage.stdout());
  }

  /**
   * The coordinator image serves over mutual TLS with certificates it made itself, and trains one
   * round with a site run from the participant image: both load ND4J's native backend, so the
   * system libraries copied into the base image are the ones it needs.
   */
  @Test
  void coordinatorServesAndTrainsWithAParticipantImage() throws Exception {
    ContainerImage coordinatorImage = unpacked("coordinator");
    ContainerImage participantImage = unpacked("participant");
    ImageSandbox coordinator = sandbox(coordinatorImage);
    ImageSandbox participant = sandbox(participantImage);
    int port = freePort();
    try (ImageSandbox.Running serve = serveWithDevelopmentCa(coordinator, port)) {
      succeeds(coordinator, "ca", "issue", "--dir", "ca", "--name", "plant-a", "--role", "participant",
          "--out", "site");
      Path site = participantImage.root().resolve("var/lib/factoryfl/site");
      Files.createDirectories(site);
      for (String file : List.of("plant-a.pem", "plant-a-key.pem", "plant-a-signing-key.pem", "ca.pem")) {
        Files.copy(coordinatorImage.root().resolve("var/lib/factoryfl/site/" + file), site.resolve(file));
      }
      StringBuilder rows = new StringBuilder("x1,x2,y\n");
      for (int i = 0; i < 200; i++) {
        double x1 = (i % 20) / 10.0;
        double x2 = (i % 7) / 3.0;
        rows.append(x1).append(',').append(x2).append(',').append(x1 + x2 > 2 ? 1 : 0).append('\n');
      }
      Files.writeString(site.resolve("train.csv"), rows);
      Files.writeString(site.resolve("policy.json"), "{\"secure_aggregation\": {\"required\": false}}");
      Files.writeString(site.resolve("site.json"), """
          {"coordinator": "localhost:%d",
           "tls": {"certificate": "plant-a.pem", "private_key": "plant-a-key.pem",
                   "signing_key": "plant-a-signing-key.pem", "ca": "ca.pem"},
           "datasets": {"toy": {"path": "train.csv"}},
           "receipts": "/var/lib/factoryfl/receipts.jsonl",
           "policy": "policy.json"}""".formatted(port));
      if (participant.asImageUser()) {
        try (var files = Files.walk(site)) {
          for (Path file : files.toList()) {
            Files.setAttribute(file, "unix:uid", 65532);
            Files.setAttribute(file, "unix:gid", 65532);
          }
        }
      }
      Files.writeString(coordinatorImage.root().resolve("var/lib/factoryfl/spec.json"), """
          {"name": "image-check", "model": {"template": "mlp", "hidden_layers": [4]},
           "dataset": {"name": "toy", "numeric_features": ["x1", "x2"], "label": "y",
                       "label_classes": ["0", "1"]},
           "rounds": 1, "participants": {"min": 1}, "secure_aggregation": {"enabled": false}}""");
      List<String> admin = List.of("--coordinator", "localhost:" + port, "--cert", "eng/engineer.pem",
          "--key", "eng/engineer-key.pem", "--ca", "eng/ca.pem");

      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      }

      try (ImageSandbox.Running node = participant.start(List.of("--config", "site/site.json", "--metrics-port", "0"))) {
        ImageSandbox.Result submitted = coordinator.run(concat(List.of("job", "submit", "spec.json"), admin));
        assertEquals(0, submitted.exitCode(), submitted.stdout() + submitted.stderr());
        String job = submitted.stdout().strip();
        ImageSandbox.Result watched = coordinator.run(concat(List.of("job", "watch", job), admin));

        assertTrue(watched.stdout().contains("ended SUCCEEDED"), "the job trained on ND4J's native"
            + " backend in both images: " + watched.stdout() + watched.stderr()
            + "\nparticipant: " + node.stdout() + node.stderr() + "\ncoordinator: " + serve.stderr());
        ImageSandbox.Result participants = coordinator.run(concat(List.of("job", "participants"), admin));
        assertTrue(participants.stdout().contains("plant-a"), participants.stdout() + participants.stderr());
      }
    }
    if (coordinator.asImageUser()) {
      assertEquals(65532, Files.getAttribute(coordinatorImage.root().resolve("var/lib/factoryfl/data"),
          "unix:uid"), "the coordinator wrote its data as the image's user");
      assertTrue(Files.exists(participantImage.root().resolve("var/lib/factoryfl/receipts.jsonl")),
          "the participant kept its receipt in its data directory");
    }
  }

  @Test
  void participantImageRunsAsNonRootAndPrintsItsUsage() throws Exception {
    ContainerImage image = unpacked("participant");
    assertEquals(APP_USER, image.user());
    assertEquals("1", image.env().get("OMP_NUM_THREADS"));
    ImageSandbox sandbox = sandbox(image);

    ImageSandbox.Result usage = sandbox.run(null);

    assertEquals(0, usage.exitCode(), usage.stderr());
    assertTrue(usage.stdout().contains("Usage: factoryfl participant --config FILE"), usage.stdout());
  }

  // ca init and two certificates (coordinator, engineer) made by the image itself in its data
  // directory (its working directory), then serve with the CA inside (--dev-ca)
  private static ImageSandbox.Running serveWithDevelopmentCa(ImageSandbox sandbox, int port)
      throws IOException, InterruptedException {
    succeeds(sandbox, "ca", "init", "--dir", "ca");
    succeeds(sandbox, "ca", "issue", "--dir", "ca", "--name", "coordinator", "--role", "coordinator",
        "--dns", "localhost", "--out", "coord");
    succeeds(sandbox, "ca", "issue", "--dir", "ca", "--name", "engineer", "--role", "admin",
        "--out", "eng");
    ImageSandbox.Running serve = sandbox.start(List.of("serve",
        "--cert", "coord/coordinator.pem", "--key", "coord/coordinator-key.pem", "--ca", "ca/ca.pem",
        "--ca-dir", "ca", "--dev-ca", "--bind", "127.0.0.1", "--port", String.valueOf(port),
        "--data", DATA + "/data", "--metrics-port", "0"));
    String listening = "coordinator listening on 127.0.0.1:" + port;
    while (!serve.stdout().contains(listening)) {
      if (!serve.process().isAlive()) {
        serve.close();
        throw new AssertionError("serve ended: " + serve.stdout() + serve.stderr());
      }
      serve.process().waitFor(200, TimeUnit.MILLISECONDS);
    }
    return serve;
  }

  private static List<String> concat(List<String> first, List<String> second) {
    List<String> all = new java.util.ArrayList<>(first);
    all.addAll(second);
    return all;
  }

  private ContainerImage unpacked(String module) throws IOException, InterruptedException {
    String property = "factoryfl.image." + module;
    String tarball = System.getProperty(property);
    Assumptions.assumeTrue(tarball != null, "the " + module + " image was not built in this run;"
        + " build and test it with: ./mvnw -B -Pimage verify (docs/operations.md, Packaging)");
    Assumptions.assumeTrue(Files.isRegularFile(Path.of(tarball)), "no image tarball at " + tarball
        + "; the image profile builds it in the package phase of module " + module);
    Assumptions.assumeTrue(System.getProperty("os.name").equals("Linux") && onPath("unshare"),
        "running an image needs Linux and util-linux's unshare (namespaces), not found here");
    return ContainerImage.unpack(Path.of(tarball), work.resolve(module));
  }

  private ImageSandbox sandbox(ContainerImage image) throws IOException, InterruptedException {
    ImageSandbox sandbox = new ImageSandbox(image, work.resolve("logs"));
    if (!sandbox.asImageUser()) {
      // unprivileged: namespaces may be switched off for ordinary users on this host
      ImageSandbox.Result probe = sandbox.run(List.of("--help"));
      Assumptions.assumeTrue(probe.exitCode() == 0 || !probe.stderr().contains("unshare"),
          "not root, and unshare --map-root-user failed (user namespaces disabled?): "
              + probe.stderr());
    }
    return sandbox;
  }

  private static void succeeds(ImageSandbox sandbox, String... args)
      throws IOException, InterruptedException {
    ImageSandbox.Result result = sandbox.run(List.of(args));
    assertEquals(0, result.exitCode(), String.join(" ", args) + ": " + result.stdout() + result.stderr());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static boolean onPath(String program) {
    for (String directory : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(directory, program))) {
        return true;
      }
    }
    return false;
  }
}
