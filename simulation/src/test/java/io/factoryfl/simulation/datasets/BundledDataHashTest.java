package io.factoryfl.simulation.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.factoryfl.core.params.ContentHash;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The bundled data files are the published ones, byte for byte (hashes of /work/shared/data). */
class BundledDataHashTest {
  private static final Map<String, String> PUBLISHED = new TreeMap<>(Map.of(
      "ai4i2020.csv", "ec4ed737b27c4e65730e3b875626ddb4db005d79733f0fc1f59d72db467cd670",
      "cmapss-fd003/nasa-readme.txt", "4f5270554b775c67e73aff383c5436fd329d6e4cc3d3a116913276fae511269b",
      "cmapss-fd003/plants.csv", "d522d9164fef32c9effdda57bd819bd85efb28d65f03c4e680323865cc84cb65",
      "cmapss-fd003/test_FD003.csv", "a7b7eeec4383122247fee8a004d8dca654812098324f9993ba2deb5c04600723",
      "cmapss-fd003/train_FD003.csv", "3dde59ffa9f1c52e224412dd8f5e8373b3a6e1b6adab80f07bd2e40a136fc828",
      "secom/plants.csv", "ca9b8952611ae87feec8b31226b6c1610358d45f001adca50558672420ecb81c",
      "secom/secom.csv", "0eda18580365a4923ffb4129e5dd64720bffa189f6fc4479734423af45911c70"));

  @Test
  void everyBundledFile_hashesToItsPublishedSha256() {
    Map<String, String> actual = new TreeMap<>();
    for (String path : PUBLISHED.keySet()) {
      actual.put(path, ContentHash.of(BundledFiles.bytes(path)));
    }
    assertEquals(PUBLISHED, actual);
  }

  @Test
  void sha256sumsBesideTheFiles_listsExactlyThePublishedHashes() {
    Map<String, String> listed = new TreeMap<>();
    String sums = new String(BundledFiles.bytes("SHA256SUMS"), StandardCharsets.UTF_8);
    for (String line : sums.split("\n")) {
      String[] parts = line.split("  ", 2);
      listed.put(parts[1], parts[0]);
    }
    assertEquals(PUBLISHED, listed);
  }
}
