package io.factoryfl.core.secagg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class NeighbourGraphTest {

  @Test
  void harary_isKRegularSymmetricAndLoopFree() {
    int[][] cases = {{2, 1}, {3, 2}, {10, 3}, {10, 4}, {11, 6}, {500, 51}, {500, 54}, {64, 63}, {65, 64}};
    for (int[] c : cases) {
      NeighbourGraph graph = NeighbourGraph.harary(c[0], c[1], 42);
      assertEquals(c[1], graph.degree());
      for (int u = 0; u < c[0]; u++) {
        List<Integer> row = graph.neighbours(u);
        assertEquals(c[1], new HashSet<>(row).size(), "n=" + c[0] + " k=" + c[1] + " node " + u);
        assertFalse(graph.adjacent(u, u));
        for (int v : row) {
          assertTrue(graph.adjacent(v, u), "asymmetric edge " + u + "-" + v);
        }
      }
    }
  }

  @Test
  void harary_completeGraph_isClassicSecAgg() {
    NeighbourGraph graph = NeighbourGraph.harary(7, 6, 1);
    for (int u = 0; u < 7; u++) {
      for (int v = 0; v < 7; v++) {
        assertEquals(u != v, graph.adjacent(u, v));
      }
    }
  }

  @Test
  void harary_isReproducibleFromTheSeed_andShuffledByIt() {
    assertEquals(NeighbourGraph.harary(100, 10, 5).neighbours(17), NeighbourGraph.harary(100, 10, 5).neighbours(17));
    assertNotEquals(NeighbourGraph.harary(100, 10, 5).neighbours(17), NeighbourGraph.harary(100, 10, 6).neighbours(17));
  }

  @Test
  void harary_oddDegreeOnOddCohort_isRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NeighbourGraph.harary(9, 3, 1));
    assertEquals("no 3-regular graph exists on 9 nodes (both odd); choose an even degree", e.getMessage());
  }

  @Test
  void seedFor_dependsOnRound() {
    assertNotEquals(NeighbourGraph.seedFor(Federation.session("j", 1, 5)),
        NeighbourGraph.seedFor(Federation.session("j", 2, 5)));
  }

  @Test
  void theRingHeldGraph_hasTheFingerprintOfTheStoredAdjacencyLists() {
    // The graph keeps only its ring (O(n) memory) and computes rows when asked. The session id binds
    // the fingerprint of the full adjacency lists, so it must not change: these values were printed
    // by the implementation that stored every row (before 2026-12-02), for the same graphs.
    String[] pinned = {
        "2 1 3df45d632f7aa341dd9780fbd41ea677854ef979cd4e8236aaeda3394cb4e9b8",
        "10 3 693def0c08b4e25be1615b3b0ef796a7f88e479c068b2e447c1ae47732b13289",
        "11 6 49cbdb055786a7ee63a1d3d54c496d6a9c44a237e0617f00605400167c751395",
        "64 63 698c7729707b76f630d575b217cd06cfb5dcb046b1ae1be280bf1329242db08b",
        "500 51 abba5d5fced7e3fff6a251b30578553b6d504a07c1b1a15861944ce2b256a48f",
        "1000 410 42a87ddbaad91a9d80c9598ee51d22c7b3d2080e3693d38aea807fef319e3fe6"};
    for (String line : pinned) {
      String[] f = line.split(" ");
      int n = Integer.parseInt(f[0]);
      int k = Integer.parseInt(f[1]);
      int[] label = new int[n];
      for (int i = 0; i < n; i++) {
        label[i] = (3 * n - 1 - i) % n;
      }
      NeighbourGraph graph = NeighbourGraph.harary(n, k, 99).relabel(label);
      assertEquals(f[2], java.util.HexFormat.of().formatHex(graph.fingerprint()), "n=" + n + " k=" + k);
      for (int u = 0; u < n; u++) {
        for (int v : graph.row(u)) {
          assertTrue(graph.adjacent(u, v) && graph.adjacent(v, u), "n=" + n + " k=" + k + " edge " + u + "-" + v);
        }
      }
    }
  }
}
