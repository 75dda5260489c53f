package io.factoryfl.coordinator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.job.InvalidJobSpecException;
import io.factoryfl.core.job.JobSpec;
import io.factoryfl.core.job.JobSpecParser;
import org.junit.jupiter.api.Test;

class ModelBudgetTest {
  private static final long GIB = 1L << 30;

  /** 2 inputs, hidden layers as given, 2 classes. */
  private static JobSpec mlp(String layers) {
    return JobSpecParser.parse("""
        {"name": "b", "model": {"template": "mlp", "hidden_layers": %s},
         "dataset": {"name": "d", "numeric_features": ["x1", "x2"], "label": "y"}}""".formatted(layers));
  }

  /** As {@link #mlp}, aggregated by plain FedAvg: no secure aggregation, no server momentum. */
  private static JobSpec plainMlp(String layers) {
    return JobSpecParser.parse("""
        {"name": "b", "model": {"template": "mlp", "hidden_layers": %s},
         "dataset": {"name": "d", "numeric_features": ["x1", "x2"], "label": "y"},
         "secure_aggregation": {"enabled": false}, "server_momentum": 0}""".formatted(layers));
  }

  @Test
  void check_countsWhatSecureAggregationAndServerMomentumHold() {
    // the defaults: 24 bytes per parameter for the secure round, 12 more for FedAvgM
    InvalidJobSpecException e = assertThrows(InvalidJobSpecException.class,
        () -> new ModelBudget(100_000_000, 32L << 20, GIB).check(mlp("[1024, 1024]")));

    assertTrue(e.getMessage().contains("needs about 36 MiB of coordinator memory while it trains"
        + " (secure aggregation, server momentum)"), e.getMessage());
    new ModelBudget(100_000_000, 32L << 20, GIB).check(plainMlp("[1024, 1024]"));
  }

  @Test
  void check_acceptsAModelWithinEveryLimit() {
    new ModelBudget(1000, GIB, GIB).check(mlp("[3]"));  // 17 parameters
  }

  @Test
  void check_refusesMoreParametersNamingCountLimitAndFlag() {
    InvalidJobSpecException e = assertThrows(InvalidJobSpecException.class,
        () -> new ModelBudget(16, GIB, GIB).check(mlp("[3]")));

    assertEquals("model", e.field());
    assertTrue(e.getMessage().contains("has 17 parameters; this coordinator accepts models of at most"
        + " 16 parameters (its --max-model-parameters)"), e.getMessage());
  }

  @Test
  void check_refusesAModelThatWouldNotFitTheHeap() {
    // [1024, 1024]: 1,054,722 parameters, about 10 MiB while plain FedAvg trains
    InvalidJobSpecException e = assertThrows(InvalidJobSpecException.class,
        () -> new ModelBudget(100_000_000, 8L << 20, GIB).check(plainMlp("[1024, 1024]")));

    assertTrue(e.getMessage().contains("needs about 10 MiB of coordinator memory while it trains (plain FedAvg)"),
        e.getMessage());
    assertTrue(e.getMessage().contains("the coordinator has 8 MiB (its -Xmx)"), e.getMessage());
  }

  @Test
  void check_refusesAModelWhoseUpdateWouldNotFitTheUploadBuffer() {
    InvalidJobSpecException e = assertThrows(InvalidJobSpecException.class,
        () -> new ModelBudget(100_000_000, GIB, 2L << 20).check(mlp("[1024, 1024]")));

    assertTrue(e.getMessage().contains("one update is 4 MiB, more than the coordinator's update buffer"
        + " of 2 MiB (its --max-upload-buffer-mib)"), e.getMessage());
  }

  @Test
  void check_refusesA4BillionParameterModelBySizeAlone() {
    InvalidJobSpecException e = assertThrows(InvalidJobSpecException.class,
        () -> ModelBudget.defaults().check(mlp("[65536, 65536]")));

    assertTrue(e.getMessage().contains("has 4,295,360,514 parameters"), e.getMessage());
  }
}
