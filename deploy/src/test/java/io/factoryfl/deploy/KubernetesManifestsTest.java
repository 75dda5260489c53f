package io.factoryfl.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Renders deploy/kubernetes with {@code kubectl kustomize} (offline; no cluster) and checks what
 * the deployment relies on. Skipped, saying so, where kubectl is not installed.
 */
class KubernetesManifestsTest {
  private static final Path KUSTOMIZE = Path.of("..", "deploy", "kubernetes").toAbsolutePath().normalize();
  private static List<JsonNode> example;

  @BeforeAll
  static void render() throws Exception {
    Assumptions.assumeTrue(kubectl() != null, "kubectl is not installed here, so the Kubernetes"
        + " manifests are not rendered; install kubectl (client only) to check them");
    example = rendered("overlays/example");
  }

  @Test
  void coordinatorRunsTwoReplicasWhoseReadinessIsTheActiveOne() {
    JsonNode deployment = object("Deployment", "factoryfl-coordinator");
    assertEquals(2, deployment.at("/spec/replicas").asInt());
    assertEquals("Recreate", deployment.at("/spec/strategy/type").asText(),
        "a standby is never ready, so a rolling update could not finish");
    JsonNode container = deployment.at("/spec/template/spec/containers/0");
    assertEquals("/readyz", container.at("/readinessProbe/httpGet/path").asText());
    assertEquals("/healthz", container.at("/livenessProbe/httpGet/path").asText());
    assertEquals("metrics", container.at("/readinessProbe/httpGet/port").asText());
    assertEquals(9464, port(container, "metrics"));
    assertEquals(7443, port(container, "grpc"));
    List<String> args = texts(container.get("args"));
    assertTrue(args.contains("serve") && args.contains("--metrics-port=9464")
        && args.contains("--port=7443") && args.contains("--store=$(FACTORYFL_STORE)"), args.toString());
    assertEquals("url", env(container, "FACTORYFL_STORE").at("/valueFrom/secretKeyRef/key").asText());
  }

  @Test
  void serviceRoutesGrpcToTheCoordinatorPods() {
    JsonNode service = object("Service", "factoryfl-coordinator");
    assertEquals("factoryfl-coordinator", service.at("/spec/selector/app.kubernetes.io~1name").asText());
    assertEquals("grpc", service.at("/spec/ports/0/targetPort").asText());
    assertEquals(7443, service.at("/spec/ports/0/port").asInt());
  }

  @Test
  void everyPodRunsAsNonRootOnAReadOnlyRootWithResourceLimits() {
    for (String name : List.of("factoryfl-coordinator", "factoryfl-participant")) {
      JsonNode pod = object("Deployment", name).at("/spec/template/spec");
      assertTrue(pod.at("/securityContext/runAsNonRoot").asBoolean(), name);
      assertEquals(65532, pod.at("/securityContext/runAsUser").asInt(), name);
      JsonNode container = pod.at("/containers/0");
      assertTrue(container.at("/securityContext/readOnlyRootFilesystem").asBoolean(), name);
      assertFalse(container.at("/securityContext/allowPrivilegeEscalation").asBoolean(true), name);
      assertEquals("ALL", container.at("/securityContext/capabilities/drop/0").asText(), name);
      for (String resource : List.of("cpu", "memory")) {
        assertFalse(container.at("/resources/requests/" + resource).isMissingNode(), name + " " + resource);
        assertFalse(container.at("/resources/limits/" + resource).isMissingNode(), name + " " + resource);
      }
      assertTrue(mountPaths(container).contains("/tmp"), name + ": JavaCPP unpacks into a writable /tmp");
    }
  }

  @Test
  void participantProbesItsMetricsPortAndKeepsOneIdentity() {
    JsonNode deployment = object("Deployment", "factoryfl-participant");
    assertEquals(1, deployment.at("/spec/replicas").asInt(), "one pod per site certificate");
    JsonNode container = deployment.at("/spec/template/spec/containers/0");
    assertEquals(9465, port(container, "metrics"));
    assertEquals("/healthz", container.at("/livenessProbe/httpGet/path").asText());
    assertTrue(texts(container.get("args")).contains("--metrics-address=0.0.0.0"),
        "the kubelet probes the pod's address, not 127.0.0.1");
  }

  @Test
  void everyReferencedSecretAndConfigMapIsGeneratedAndHoldsNoPrivateKey() {
    Set<String> generated = new HashSet<>();
    for (JsonNode object : example) {
      String kind = object.get("kind").asText();
      if (kind.equals("Secret") || kind.equals("ConfigMap")) {
        generated.add(kind + "/" + object.at("/metadata/name").asText());
      }
      if (kind.equals("Secret")) {
        object.path("data").forEach(value -> assertFalse(
            new String(Base64.getMimeDecoder().decode(value.asText()), StandardCharsets.UTF_8)
                .contains("PRIVATE KEY"),
            "a committed example Secret holds a private key: " + object.at("/metadata/name")));
      }
    }
    List<String> referenced = new ArrayList<>();
    for (String name : List.of("factoryfl-coordinator", "factoryfl-participant")) {
      JsonNode pod = object("Deployment", name).at("/spec/template/spec");
      pod.path("volumes").forEach(volume -> {
        if (volume.has("secret")) {
          referenced.add("Secret/" + volume.at("/secret/secretName").asText());
        }
        if (volume.has("configMap")) {
          referenced.add("ConfigMap/" + volume.at("/configMap/name").asText());
        }
      });
      pod.at("/containers/0/env").forEach(variable -> {
        if (variable.at("/valueFrom/secretKeyRef").isObject()) {
          referenced.add("Secret/" + variable.at("/valueFrom/secretKeyRef/name").asText());
        }
        if (variable.at("/valueFrom/configMapKeyRef").isObject()) {
          referenced.add("ConfigMap/" + variable.at("/valueFrom/configMapKeyRef/name").asText());
        }
      });
    }
    assertEquals(5, referenced.size(), referenced.toString());
    assertTrue(generated.containsAll(referenced), "referenced " + referenced + ", generated " + generated);
  }

  @Test
  void basesRenderOnTheirOwn() throws Exception {
    assertTrue(rendered("coordinator").stream().anyMatch(o -> o.get("kind").asText().equals("Deployment")));
    assertTrue(rendered("participant").stream().anyMatch(o -> o.get("kind").asText().equals("Deployment")));
  }

  @Test
  void simulatedParticipantsAreAnIndexedJob_eachPodPickingItsSiteByItsIndex() throws Exception {
    List<JsonNode> objects = rendered("simulation");
    assertEquals(1, objects.size());
    JsonNode job = objects.get(0);
    assertEquals("Job", job.get("kind").asText());
    assertEquals("Indexed", job.at("/spec/completionMode").asText());
    assertEquals(job.at("/spec/completions").asInt(), job.at("/spec/parallelism").asInt(),
        "every simulated site runs at once");
    JsonNode pod = job.at("/spec/template/spec");
    assertTrue(pod.at("/securityContext/runAsNonRoot").asBoolean());
    JsonNode container = pod.at("/containers/0");
    assertTrue(texts(container.get("args")).contains("--config=/etc/factoryfl/sites/site-$(JOB_COMPLETION_INDEX).json"),
        container.get("args").toString());
    assertEquals("metadata.annotations['batch.kubernetes.io/job-completion-index']",
        env(container, "JOB_COMPLETION_INDEX").at("/valueFrom/fieldRef/fieldPath").asText());
    assertTrue(container.at("/securityContext/readOnlyRootFilesystem").asBoolean());
    assertFalse(container.at("/resources/limits/memory").isMissingNode());
    assertTrue(mountPaths(container).containsAll(List.of("/etc/factoryfl/sites", "/etc/factoryfl/tls", "/data",
        "/var/lib/factoryfl", "/tmp")), mountPaths(container).toString());
  }

  private static JsonNode object(String kind, String name) {
    return example.stream()
        .filter(o -> o.get("kind").asText().equals(kind) && o.at("/metadata/name").asText().equals(name))
        .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name + " rendered"));
  }

  private static int port(JsonNode container, String name) {
    for (JsonNode port : container.get("ports")) {
      if (port.get("name").asText().equals(name)) {
        return port.get("containerPort").asInt();
      }
    }
    throw new AssertionError("no port named " + name);
  }

  private static JsonNode env(JsonNode container, String name) {
    for (JsonNode variable : container.get("env")) {
      if (variable.get("name").asText().equals(name)) {
        return variable;
      }
    }
    throw new AssertionError("no environment variable " + name);
  }

  private static Set<String> mountPaths(JsonNode container) {
    Set<String> paths = new HashSet<>();
    container.path("volumeMounts").forEach(mount -> paths.add(mount.get("mountPath").asText()));
    return paths;
  }

  private static List<String> texts(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(value -> values.add(value.asText()));
    return values;
  }

  private static List<JsonNode> rendered(String directory) throws IOException, InterruptedException {
    Process kubectl = new ProcessBuilder(kubectl().toString(), "kustomize",
        KUSTOMIZE.resolve(directory).toString()).start();
    byte[] yaml = kubectl.getInputStream().readAllBytes();
    String errors = new String(kubectl.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(kubectl.waitFor(2, TimeUnit.MINUTES), "kubectl kustomize did not end");
    assertEquals(0, kubectl.exitValue(), "kubectl kustomize " + directory + " failed: " + errors);
    List<JsonNode> objects = new ArrayList<>();
    try (MappingIterator<JsonNode> documents = new YAMLMapper().readerFor(JsonNode.class).readValues(yaml)) {
      documents.forEachRemaining(objects::add);
    }
    return objects;
  }

  private static Path kubectl() {
    for (String directory : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path candidate = Path.of(directory, "kubectl");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }
}
