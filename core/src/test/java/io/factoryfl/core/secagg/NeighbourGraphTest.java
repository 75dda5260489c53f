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
}
