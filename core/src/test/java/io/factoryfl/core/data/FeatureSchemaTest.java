package io.factoryfl.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.data.FeatureSchema.CategoricalColumn;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeatureSchemaTest {

  private static FeatureSchema ai4i() {
    return new FeatureSchema(
        List.of("Air temperature [K]", "Process temperature [K]", "Rotational speed [rpm]",
            "Torque [Nm]", "Tool wear [min]"),
        List.of(new CategoricalColumn("Type", List.of("L", "M", "H"))),
        "Machine failure",
        List.of("0", "1"));
  }

  @Test
  void numInputs_countsNumericColumnsPlusEveryCategory() {
    assertEquals(8, ai4i().numInputs());
    assertEquals(2, ai4i().numClasses());
  }

  @Test
  void constructor_copiesLists() {
    List<String> numeric = new ArrayList<>(List.of("a", "b"));
    FeatureSchema schema = new FeatureSchema(numeric, List.of(), "y", List.of("0", "1"));
    numeric.add("c");
    assertEquals(List.of("a", "b"), schema.numericColumns());
  }

  @Test
  void constructor_rejectsSchemaWithoutFeatures() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new FeatureSchema(List.of(), List.of(), "y", List.of("0", "1")));
    assertTrue(e.getMessage().contains("at least one feature"), e.getMessage());
  }

  @Test
  void constructor_rejectsSingleLabelClass() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new FeatureSchema(List.of("a"), List.of(), "y", List.of("1")));
    assertTrue(e.getMessage().contains("labelClasses") && e.getMessage().contains("[1]"),
        e.getMessage());
  }

  @Test
  void constructor_rejectsColumnListedAsNumericAndCategorical() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new FeatureSchema(List.of("Type"),
            List.of(new CategoricalColumn("Type", List.of("L"))), "y", List.of("0", "1")));
    assertTrue(e.getMessage().contains("'Type'") && e.getMessage().contains("twice"),
        e.getMessage());
  }

  @Test
  void constructor_rejectsLabelColumnUsedAsFeature() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new FeatureSchema(List.of("a", "y"), List.of(), "y", List.of("0", "1")));
    assertTrue(e.getMessage().contains("labelColumn 'y'"), e.getMessage());
  }

  @Test
  void constructor_rejectsBlankNames() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new FeatureSchema(List.of(" "), List.of(), "y", List.of("0", "1")));
    assertTrue(e.getMessage().contains("numeric column name"), e.getMessage());
    IllegalArgumentException label = assertThrows(IllegalArgumentException.class,
        () -> new FeatureSchema(List.of("a"), List.of(), "", List.of("0", "1")));
    assertTrue(label.getMessage().contains("labelColumn"), label.getMessage());
  }

  @Test
  void categoricalColumn_rejectsDuplicateCategory() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new CategoricalColumn("Type", List.of("L", "M", "L")));
    assertTrue(e.getMessage().contains("'L' twice"), e.getMessage());
  }
}
